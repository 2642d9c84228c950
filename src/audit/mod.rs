//! The plan's validation suite as data: every library file is parsed once
//! and checked for soft-fail config access, exits, long functions and global
//! mutable state (plus the assessment-only facts), with
//! `# txo-codemod: ignore[rule-id]` suppressions.

mod cache;
mod collector;
mod lengths;
mod lookups;
mod projects;
mod ranges;
mod suppress;
mod token_state;
mod tree;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::analysis::NameMatcher;
use crate::analysis::subject::Subject;
use crate::limits;
use crate::rules::Severity;
use crate::run::RunError;
use crate::source::SourceText;
use crate::syntax::{self, KindTable};
use crate::tokenize::{self, TreeNeed};
use crate::walk::{self, WalkOptions};
use cache::{Caches, Noted, Use};
use projects::{Assignment, ProjectScopes, assign_projects};
use tree::{FileContext, audit_partial_tree, audit_tree};

/// Checks of the validation suite, with the phase that fixes each.
pub const CHECKS: &[(&str, u8, &str)] = &[
    (
        "no-soft-fail",
        1,
        "configuration read with .get() in library code",
    ),
    ("no-sys-exit", 2, "sys.exit() in library code"),
    (
        "no-global-state",
        3,
        "module-level mutable state (loggers excepted)",
    ),
    ("method-length", 4, "functions over 50 lines"),
    (
        "unused-suppression",
        0,
        "a txo-codemod: ignore comment that suppresses nothing",
    ),
];

/// Facts `assess` reports that are not checks.
pub const ASSESS_ONLY: &[(&str, u8, &str)] = &[
    ("long-method-100", 4, "functions over 100 lines"),
    (
        "thread-local",
        5,
        "thread-local storage that can leak with dead threads",
    ),
    (
        "dataclass-slots",
        5,
        "dataclass with field defaults (conflicts with __slots__)",
    ),
    ("escape-hatch", 1, "validation escape hatch"),
];

pub fn phase_of(rule: &str) -> u8 {
    CHECKS
        .iter()
        .chain(ASSESS_ONLY)
        .find(|(id, ..)| *id == rule)
        .map_or(0, |(_, phase, _)| *phase)
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditFinding {
    pub rule: &'static str,
    pub severity: Severity,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: String,
    /// Why this occurrence is allowed (e.g. an exit in the entry point).
    pub allowed: Option<String>,
    #[serde(skip)]
    pub source_line: String,
    #[serde(skip)]
    pub suppressed: bool,
    /// What it is about, for `assess` (not part of `check`'s output).
    #[serde(skip)]
    pub subject: Subject,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileAudit {
    pub file: String,
    pub findings: Vec<AuditFinding>,
    /// Why the file was not audited, if it was not.
    #[serde(skip)]
    pub not_audited: Option<NotAudited>,
}

/// A library file the audit could not look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAudited {
    /// It could not be read: an error, like `diff`'s.
    Unreadable(String),
    /// Not UTF-8, or over a size or nesting limit: skipped with a warning.
    Skipped(String),
}

pub struct AuditOptions {
    pub paths: Vec<PathBuf>,
    pub walk: WalkOptions,
    pub threads: usize,
    /// Parse every file (the tokenizer still reads it): the reference the
    /// tokenizer-first audit must equal. It never uses the cache.
    pub full_parse: bool,
    /// Reuse and update `.txo-codemod/cache` (`cache.rs`).
    pub cache: bool,
}

/// The audit of a run: each library file's, sorted by path, and what went
/// wrong with the cache (the run went on without it).
pub struct Audited {
    pub files: Vec<FileAudit>,
    pub cache_warnings: Vec<String>,
}

/// Audits the library files under `options.paths`, sorted by path.
pub fn audit(options: &AuditOptions) -> Result<Audited, RunError> {
    let mut files = Vec::new();
    let cache_warnings = audit_each(options, |audit| files.push(audit))?;
    Ok(Audited {
        files,
        cache_warnings,
    })
}

/// How many files are audited in parallel before their audits are handed
/// on: enough to keep every worker busy, few enough that a run over tens
/// of thousands of files never holds every finding at once.
const CHUNK_FILES: usize = 512;

/// [`audit`] that hands each file's audit to `sink`, in path order, as
/// each chunk of files is done; returns what went wrong with the cache.
pub fn audit_each(
    options: &AuditOptions,
    mut sink: impl FnMut(FileAudit),
) -> Result<Vec<String>, RunError> {
    let files = walk::python_files(&options.paths, options.walk)?;
    let mut plan = AuditPlan::new(&files)?;
    plan.full_parse = options.full_parse;
    let mut cache_warnings = Vec::new();
    let caches = (options.cache && !options.full_parse).then(|| {
        let projects = plan.projects.iter().map(|p| &p.project);
        Caches::load(projects, &mut cache_warnings)
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .stack_size(crate::limits::WORKER_STACK_SIZE)
        .build()
        .map_err(|e| RunError::Threads(e.to_string()))?;
    let library: Vec<usize> = (0..files.len())
        .filter(|&index| plan.is_library(index))
        .collect();
    let mut noted = Vec::new();
    for chunk in library.chunks(CHUNK_FILES) {
        let audited: Vec<(FileAudit, Option<Noted>)> = pool.install(|| {
            chunk
                .par_iter()
                // One parser per worker: its buffers are reused from file to file.
                .map_init(syntax::new_parser, |parser, &index| {
                    plan.read_and_audit(parser, index, &files[index], caches.as_ref())
                })
                .collect()
        });
        for (audit, note) in audited {
            noted.extend(note);
            sink(audit);
        }
    }
    if let Some(caches) = caches {
        let run_files = library
            .iter()
            .map(|&index| (plan.assigned[index].0, plan.assigned[index].1.as_str()));
        caches.save(run_files, noted, &mut cache_warnings);
    }
    Ok(cache_warnings)
}

/// The byte ranges `check` parses of `text` (sorted, disjoint) when it
/// parses only the statements around the sites a tree decides
/// (`ranges.rs`) and the lookups provenance decides (`lookups.rs`); `None`
/// when it parses all of it or none of it.
pub fn partial_parse_ranges(text: &str, config_names: &NameMatcher) -> Option<Vec<(usize, usize)>> {
    let tokens = tokenize::scan(text);
    match tokenize::audit_tree_plan(&tokens, text, config_names) {
        (TreeNeed::Sites, _) => ranges::site_ranges(text, &tokens),
        (TreeNeed::Lookups, gets) => lookups::lookup_ranges(text, &tokens, &gets),
        (TreeNeed::Nothing | TreeNeed::Whole, _) => None,
    }
}

/// What auditing a list of files needs: each file's project (its library
/// and entry-point globs, its config names) and the grammar's kind table.
pub struct AuditPlan {
    projects: Vec<ProjectScopes>,
    /// Per file, in the order of the list.
    assigned: Vec<Assignment>,
    kinds: KindTable,
    /// Parse every file, not only those `tokenize::audit_needs_tree` picks.
    pub full_parse: bool,
}

impl AuditPlan {
    pub fn new(files: &[PathBuf]) -> Result<Self, RunError> {
        let (projects, assigned) = assign_projects(files)?;
        Ok(AuditPlan {
            projects,
            assigned,
            kinds: KindTable::new(),
            full_parse: false,
        })
    }

    /// Whether the file at `index` is library code (the audit covers only that).
    pub fn is_library(&self, index: usize) -> bool {
        let (project, relative) = &self.assigned[index];
        self.projects[*project].library.contains(relative)
    }

    /// Reads and audits the file at `index` (within the limits: a file too
    /// large or too deeply nested is named, not audited), or takes its
    /// findings from `caches` when its bytes are the cached ones; with
    /// `caches`, what to cache for it.
    fn read_and_audit(
        &self,
        parser: &mut tree_sitter::Parser,
        index: usize,
        path: &Path,
        caches: Option<&Caches>,
    ) -> (FileAudit, Option<Noted>) {
        let (project, relative) = &self.assigned[index];
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) => {
                let reason = NotAudited::Unreadable(error.to_string());
                return (self.not_audited(index, path, reason), None);
            }
        };
        let hash = caches.map(|_| cache::content_hash(&bytes));
        if let (Some(caches), Some(hash)) = (caches, &hash) {
            let file = self.shown_path(index, path);
            if let Some(findings) = caches.lookup(*project, relative, hash, &file) {
                let audit = FileAudit {
                    file,
                    findings,
                    not_audited: None,
                };
                return (audit, Some((*project, relative.clone(), Use::Hit)));
            }
        }
        let audit = self.audit_bytes(parser, index, path, bytes);
        let entry = hash.filter(|_| audit.not_audited.is_none()).map(|hash| {
            (
                *project,
                relative.clone(),
                Use::New(cache::entry(&hash, &audit.findings)),
            )
        });
        (audit, entry)
    }

    /// The audit of a file's bytes, within the limits.
    fn audit_bytes(
        &self,
        parser: &mut tree_sitter::Parser,
        index: usize,
        path: &Path,
        bytes: Vec<u8>,
    ) -> FileAudit {
        let max_size = self.projects[self.assigned[index].0]
            .project
            .settings
            .max_file_size;
        let source = SourceText::decode(bytes)
            .map_err(|e| format!("not valid UTF-8 (line {})", e.line))
            .and_then(|source| {
                limits::check_text(source.text.as_bytes(), max_size)?;
                Ok(source)
            });
        match source {
            Ok(source) => self.audit_text(index, path, &source.text, parser),
            Err(reason) => self.not_audited(index, path, NotAudited::Skipped(reason)),
        }
    }

    fn not_audited(&self, index: usize, path: &Path, reason: NotAudited) -> FileAudit {
        FileAudit {
            not_audited: Some(reason),
            ..self.audit_parsed(index, path, None)
        }
    }

    /// The audit of the file at `index` from its text: parsed only when
    /// the tokenizer sees something a check other than `method-length`
    /// could flag (most files hold none), and then, where the tokens
    /// decided everything else, only the statements around those sites
    /// (`ranges.rs`); otherwise its long functions come from the tokens and
    /// its suppressions are checked on the text.
    pub fn audit_text(
        &self,
        index: usize,
        path: &Path,
        text: &str,
        parser: &mut tree_sitter::Parser,
    ) -> FileAudit {
        let names = &self.projects[self.assigned[index].0].names;
        let tokens = tokenize::scan(text);
        // A tree that may be too deep: the whole file's parse decides, so
        // such a file is skipped here as where a run parsed it.
        let (need, gets) = if self.full_parse || limits::may_nest_too_deep(text, &tokens.code) {
            (TreeNeed::Whole, Vec::new())
        } else {
            tokenize::audit_tree_plan(&tokens, text, names)
        };
        let ranges = match need {
            TreeNeed::Nothing => {
                return lengths::audit_tokens(self.shown_path(index, path), text, &tokens);
            }
            TreeNeed::Sites => ranges::site_ranges(text, &tokens),
            TreeNeed::Lookups => lookups::lookup_ranges(text, &tokens, &gets),
            TreeNeed::Whole => None,
        };
        // A syntax error in the statements parsed (error recovery over the
        // whole file decides what they hold), or a tree too deep: the
        // whole file's parse decides.
        let partial = ranges
            .and_then(|ranges| ranges::parse_ranges(parser, text, &ranges))
            .filter(|tree| !tree.root_node().has_error());
        match partial {
            Some(tree) => {
                let file = self.shown_path(index, path);
                let context = self.file_context(index);
                let lookups = need == TreeNeed::Lookups;
                audit_partial_tree(file, text, &tree, &tokens, &context, lookups)
            }
            None => match limits::parse_within(parser, text) {
                Ok(tree) => self.audit_parsed(index, path, Some((text, &tree))),
                Err(reason) => self.not_audited(index, path, NotAudited::Skipped(reason)),
            },
        }
    }

    fn file_context(&self, index: usize) -> FileContext<'_> {
        let (project, relative) = &self.assigned[index];
        let scopes = &self.projects[*project];
        FileContext {
            entry_point: scopes.entry_points.contains(relative),
            names: &scopes.names,
            kinds: &self.kinds,
            helpful_error_module: &scopes.project.settings.helpful_error_module,
        }
    }

    fn shown_path(&self, index: usize, path: &Path) -> String {
        crate::project::shown_path(self.projects.len(), &self.assigned[index].1, path)
    }

    /// The audit of the file at `index`, given its text and tree; `None`
    /// when it could not be read or decoded (nothing to audit).
    pub fn audit_parsed(
        &self,
        index: usize,
        path: &Path,
        parsed: Option<(&str, &tree_sitter::Tree)>,
    ) -> FileAudit {
        let file = self.shown_path(index, path);
        match parsed {
            Some((text, tree)) => audit_tree(file, text, tree, &self.file_context(index)),
            None => FileAudit {
                file,
                findings: Vec::new(),
                not_audited: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audit_text(text: &str) -> Vec<(String, usize, Option<String>)> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pyproject.toml"), "").unwrap();
        std::fs::create_dir_all(dir.path().join("utils")).unwrap();
        std::fs::write(dir.path().join("utils/a.py"), text).unwrap();
        let options = AuditOptions {
            paths: vec![dir.path().to_path_buf()],
            walk: WalkOptions::default(),
            threads: 1,
            full_parse: false,
            cache: false,
        };
        let audits = audit(&options).unwrap().files;
        audits[0]
            .findings
            .iter()
            .map(|f| (f.rule.to_string(), f.line, f.allowed.clone()))
            .collect()
    }

    #[test]
    fn audits_come_in_path_order_across_chunks() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pyproject.toml"), "").unwrap();
        std::fs::create_dir_all(dir.path().join("utils")).unwrap();
        let count = CHUNK_FILES + 7;
        for n in 0..count {
            let text = format!("state_{n} = []\n");
            std::fs::write(dir.path().join(format!("utils/m{n:04}.py")), text).unwrap();
        }
        let options = AuditOptions {
            paths: vec![dir.path().to_path_buf()],
            walk: WalkOptions::default(),
            threads: 2,
            full_parse: false,
            cache: false,
        };
        let mut seen = Vec::new();
        audit_each(&options, |audit| {
            let lines: Vec<usize> = audit.findings.iter().map(|f| f.line).collect();
            assert_eq!(lines, [1], "{}", audit.file);
            seen.push(audit.file);
        })
        .unwrap();
        let expected: Vec<String> = (0..count).map(|n| format!("utils/m{n:04}.py")).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn finds_each_kind_and_honours_suppressions() {
        let text = "import sys\n_cache = {}\ndef f(config):\n    a = config.get('a', 1)\n    b = config.get('b', 2)  # txo-codemod: ignore[no-soft-fail]\n    sys.exit(1)  # txo-codemod: ignore[method-length]\nif __name__ == '__main__':\n    sys.exit(0)\n";
        let found = audit_text(text);
        let rules: Vec<(&str, usize)> = found.iter().map(|(r, l, _)| (r.as_str(), *l)).collect();
        assert_eq!(
            rules,
            [
                ("no-global-state", 2),
                ("no-soft-fail", 4),
                ("no-sys-exit", 6),
                ("unused-suppression", 6),
                ("no-sys-exit", 8)
            ]
        );
        assert_eq!(found[4].2.as_deref(), Some("__main__ block"));
    }
}
