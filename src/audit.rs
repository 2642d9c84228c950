//! The plan's validation suite as data: every library file is parsed once
//! and checked for soft-fail config access, exits, long functions and global
//! mutable state (plus the assessment-only facts), with
//! `# txo-codemod: ignore[rule-id]` suppressions.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use regex::Regex;
use serde::Serialize;
use tree_sitter::Node;

use crate::analysis::exits::ModuleExits;
use crate::analysis::subject::Subject;
use crate::analysis::{FileFacts, NameMatcher, Provenance, imports};
use crate::analysis::{metrics, state};
use crate::limits;
use crate::project::{CanonicalDirs, FileScope, Project};
use crate::rules::Severity;
use crate::run::RunError;
use crate::source::{Position, SourceText};
use crate::syntax::{self, KindTable};
use crate::tokenize;
use crate::walk::{self, WalkOptions};

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
}

/// Audits the library files under `options.paths`, sorted by path.
pub fn audit(options: &AuditOptions) -> Result<Vec<FileAudit>, RunError> {
    let files = walk::python_files(&options.paths, options.walk)?;
    let plan = AuditPlan::new(&files)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .stack_size(crate::limits::WORKER_STACK_SIZE)
        .build()
        .map_err(|e| RunError::Threads(e.to_string()))?;
    let audits: Vec<Option<FileAudit>> = pool.install(|| {
        files
            .par_iter()
            .enumerate()
            // One parser per worker: its buffers are reused from file to file.
            .map_init(syntax::new_parser, |parser, (index, file)| {
                plan.is_library(index)
                    .then(|| plan.read_and_audit(parser, index, file))
            })
            .collect()
    });
    Ok(audits.into_iter().flatten().collect())
}

/// What auditing a list of files needs: each file's project (its library
/// and entry-point globs, its config names) and the grammar's kind table.
pub struct AuditPlan {
    projects: Vec<ProjectScopes>,
    /// Per file, in the order of the list.
    assigned: Vec<Assignment>,
    kinds: KindTable,
}

impl AuditPlan {
    pub fn new(files: &[PathBuf]) -> Result<Self, RunError> {
        let (projects, assigned) = assign_projects(files)?;
        Ok(AuditPlan {
            projects,
            assigned,
            kinds: KindTable::new(),
        })
    }

    /// Whether the file at `index` is library code (the audit covers only that).
    pub fn is_library(&self, index: usize) -> bool {
        let (project, relative) = &self.assigned[index];
        self.projects[*project].library.contains(relative)
    }

    /// Reads and audits the file at `index` (within the limits: a file too
    /// large or too deeply nested is named, not audited).
    fn read_and_audit(
        &self,
        parser: &mut tree_sitter::Parser,
        index: usize,
        path: &Path,
    ) -> FileAudit {
        let max_size = self.projects[self.assigned[index].0]
            .project
            .settings
            .max_file_size;
        let source = match std::fs::read(path) {
            Err(error) => Err(NotAudited::Unreadable(error.to_string())),
            Ok(bytes) => SourceText::decode(bytes)
                .map_err(|e| format!("not valid UTF-8 (line {})", e.line))
                .and_then(|source| {
                    limits::check_text(source.text.as_bytes(), max_size)?;
                    Ok(source)
                })
                .map_err(NotAudited::Skipped),
        };
        match source {
            Ok(source) => self.audit_text(index, path, &source.text, parser),
            Err(reason) => self.not_audited(index, path, reason),
        }
    }

    fn not_audited(&self, index: usize, path: &Path, reason: NotAudited) -> FileAudit {
        FileAudit {
            not_audited: Some(reason),
            ..self.audit_parsed(index, path, None)
        }
    }

    /// The audit of the file at `index` from its text: parsed only when
    /// the tokenizer sees something a check could flag (most files hold
    /// none); otherwise only its suppressions are checked (all unused).
    pub fn audit_text(
        &self,
        index: usize,
        path: &Path,
        text: &str,
        parser: &mut tree_sitter::Parser,
    ) -> FileAudit {
        let names = &self.projects[self.assigned[index].0].names;
        let tokens = tokenize::scan(text);
        if tokenize::audit_needs_tree(&tokens, text, names, METHOD_LENGTH_LIMIT) {
            return match limits::parse_within(parser, text) {
                Ok(tree) => self.audit_parsed(index, path, Some((text, &tree))),
                Err(reason) => self.not_audited(index, path, NotAudited::Skipped(reason)),
            };
        }
        let file = self.shown_path(index, path);
        let mut findings = Vec::new();
        apply_suppressions(&file, text, &mut findings);
        FileAudit {
            file,
            findings,
            not_audited: None,
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
        let (project, relative) = &self.assigned[index];
        let scopes = &self.projects[*project];
        let context = FileContext {
            entry_point: scopes.entry_points.contains(relative),
            names: &scopes.names,
            kinds: &self.kinds,
            helpful_error_module: &scopes.project.settings.helpful_error_module,
        };
        let file = self.shown_path(index, path);
        match parsed {
            Some((text, tree)) => audit_tree(file, text, tree, &context),
            None => FileAudit {
                file,
                findings: Vec::new(),
                not_audited: None,
            },
        }
    }
}

/// A project with its settings compiled: which files are library code,
/// which are entry points, which names hold configuration.
struct ProjectScopes {
    project: Project,
    library: FileScope,
    entry_points: FileScope,
    names: NameMatcher,
}

impl ProjectScopes {
    fn new(project: Project) -> Result<Self, RunError> {
        let settings = &project.settings;
        let library = FileScope::listed(&settings.library, settings).map_err(glob_error)?;
        let entry_points =
            FileScope::listed(&settings.entry_points, settings).map_err(glob_error)?;
        let names = NameMatcher::new(&settings.config_names)
            .map_err(|e| RunError::ConfigNames(e.to_string()))?;
        Ok(ProjectScopes {
            project,
            library,
            entry_points,
            names,
        })
    }
}

/// A file's project (an index) and its path relative to the project root.
type Assignment = (usize, String);

/// Each file's project (the nearest one above it, so one run can audit
/// several projects) and its path relative to that project's root.
/// Discovery and canonicalisation run once per directory, not per file.
fn assign_projects(files: &[PathBuf]) -> Result<(Vec<ProjectScopes>, Vec<Assignment>), RunError> {
    let mut projects: Vec<ProjectScopes> = Vec::new();
    let mut directories: HashMap<&Path, usize> = HashMap::new();
    let mut canonical = CanonicalDirs::default();
    let mut assigned = Vec::with_capacity(files.len());
    for file in files {
        let directory = file.parent().unwrap_or(Path::new(""));
        let index = match directories.get(directory) {
            Some(&index) => index,
            None => {
                let index = project_index(&mut projects, Project::discover(file)?)?;
                *directories.entry(directory).or_insert(index)
            }
        };
        let relative = projects[index]
            .project
            .relative_from(&canonical.absolute(file), file);
        assigned.push((index, relative));
    }
    Ok((projects, assigned))
}

/// The index of `project` in `projects`, added if its root is new.
fn project_index(projects: &mut Vec<ProjectScopes>, project: Project) -> Result<usize, RunError> {
    let known = projects
        .iter()
        .position(|p| p.project.canonical_root == project.canonical_root);
    match known {
        Some(index) => Ok(index),
        None => {
            projects.push(ProjectScopes::new(project)?);
            Ok(projects.len() - 1)
        }
    }
}

fn glob_error(error: globset::Error) -> RunError {
    RunError::Glob {
        rule: "project settings".into(),
        message: error.to_string(),
    }
}

/// What auditing one file needs besides its path.
struct FileContext<'a> {
    /// Entry points may exit anywhere.
    entry_point: bool,
    names: &'a NameMatcher,
    kinds: &'a KindTable,
    /// Where the project's `HelpfulError` comes from, for exits' wording.
    helpful_error_module: &'a str,
}

fn audit_tree(
    file: String,
    text: &str,
    tree: &tree_sitter::Tree,
    context: &FileContext,
) -> FileAudit {
    let FileContext {
        entry_point,
        names,
        kinds,
        helpful_error_module,
    } = *context;
    let root = tree.root_node();
    let census = metrics::census(root, text, entry_point, kinds, names);
    let mut collector = Collector {
        file: &file,
        text,
        findings: Vec::new(),
    };
    // Provenance facts only where some `.get(...)` needs them and a config
    // name could be its source.
    if !census.get_calls.is_empty() && names.may_appear_in(text) {
        let facts = FileFacts::analyze(tree, text, names, kinds);
        soft_fail_lookups(
            &metrics::soft_fail_lookups(&census.get_calls, &facts),
            &facts,
            &mut collector,
        );
    }
    exits(&census.exits, root, helpful_error_module, &mut collector);
    let mut globals = metrics::global_state(root, text, &census.global_names);
    globals.retain(|g| !state::is_allowed(&g.name, root, text, &census.global_names));
    global_state(&globals, &mut collector);
    shared_state(&state::shared_state(root, text), &mut collector);
    long_functions(&census.functions, &mut collector);
    thread_locals(&census.thread_locals, &mut collector);
    dataclass_defaults(&census.dataclass_defaults, &mut collector);
    escape_hatches(&census.escape_hatches, &mut collector);
    let mut findings = collector.findings;
    apply_suppressions(&file, text, &mut findings);
    findings.sort_by_key(|f| (f.line, f.column, f.rule));
    FileAudit {
        file,
        findings,
        not_audited: None,
    }
}

/// Functions longer than this many lines (`end_lineno - lineno`) are flagged.
const METHOD_LENGTH_LIMIT: usize = 50;

/// Messages quote the offending code up to this many characters.
const QUOTE_MAX: usize = 60;

fn quote(code: &str) -> String {
    crate::present::one_line(code, QUOTE_MAX, QUOTE_MAX - 1)
}

/// Worded as phase 1 words the same lookup (`wording`).
fn soft_fail_lookups(calls: &[Node], facts: &FileFacts, collector: &mut Collector) {
    let text = collector.text;
    for &call in calls {
        let shown = quote(&text[call.byte_range()]);
        let defaulted = call
            .child_by_field_name("function")
            .and_then(|f| f.child_by_field_name("object"))
            .is_some_and(|r| facts.provenance_of(r) == Some(Provenance::DefaultedConfig));
        let message = crate::wording::config_lookup(call, text, defaulted);
        let subject = Subject::code_in(call, text, shown);
        // Phase 1 leaves these on purpose; listed, like allowed exits.
        let allowed = metrics::caller_default(call, text).map(|(default, function)| {
            format!(
                "`{default}` is a parameter of `{function}`: its caller's default is passed through"
            )
        });
        let severity = if allowed.is_some() {
            Severity::Info
        } else {
            Severity::Error
        };
        collector.add(call, "no-soft-fail", severity, message, allowed, subject);
    }
}

/// Worded as phase 2 words the same exit (`wording`); allowed exits, which
/// phase 2 leaves alone, keep the plain description.
fn exits(
    exits: &[metrics::ExitSite],
    root: Node,
    helpful_error_module: &str,
    collector: &mut Collector,
) {
    let text = collector.text;
    // Module-wide facts, once per file, only where some exit needs them.
    let wording = exits.iter().any(|e| e.allowed.is_none()).then(|| {
        let helpful_error =
            imports::local_name_for(root, text, helpful_error_module, "HelpfulError")
                .unwrap_or_else(|| "HelpfulError".into());
        (ModuleExits::new(root, text), helpful_error)
    });
    for exit in exits {
        let shown = quote(&text[exit.node.byte_range()]);
        let message = match &wording {
            Some((module, helpful_error)) if exit.allowed.is_none() => {
                crate::wording::exit(exit.node, text, module, helpful_error)
            }
            _ => {
                format!("`{shown}` ends the process from library code; raise HelpfulError instead")
            }
        };
        let severity = if exit.allowed.is_some() {
            Severity::Info
        } else {
            Severity::Error
        };
        let subject = Subject::code_in(exit.node, text, shown);
        let allowed = exit.allowed.map(String::from);
        collector.add(
            exit.node,
            "no-sys-exit",
            severity,
            message,
            allowed,
            subject,
        );
    }
}

fn global_state(globals: &[metrics::GlobalState], collector: &mut Collector) {
    for global in globals {
        collector.flag(
            global.node,
            "no-global-state",
            Severity::Error,
            format!(
                "module-level `{}` holds mutable state ({})",
                global.name, global.why
            ),
            Subject::global(global),
        );
    }
}

/// Phase 3's other shapes of shared state (`analysis::state`).
fn shared_state(found: &[state::SharedState], collector: &mut Collector) {
    for shared in found {
        let severity = if shared.warning {
            Severity::Warning
        } else {
            Severity::Error
        };
        let subject = Subject::code_in(shared.node, collector.text, shared.message.clone());
        collector.flag(
            shared.node,
            "no-global-state",
            severity,
            shared.message.clone(),
            subject,
        );
    }
}

fn long_functions(functions: &[metrics::FunctionLength], collector: &mut Collector) {
    for function in functions {
        let name_node = function
            .node
            .child_by_field_name("name")
            .unwrap_or(function.node);
        let (name, lines) = (&function.name, function.lines);
        if lines <= METHOD_LENGTH_LIMIT {
            continue;
        }
        let subject = Subject::function(function, collector.text);
        let message = format!("`{name}` has {lines} lines (the plan's goal: under 50)");
        let severity = Severity::Warning;
        collector.flag(
            name_node,
            "method-length",
            severity,
            message,
            subject.clone(),
        );
        if lines > 100 {
            let message = format!("`{name}` has {lines} lines (over 100)");
            collector.flag(
                name_node,
                "long-method-100",
                Severity::Info,
                message,
                subject,
            );
        }
    }
}

fn thread_locals(nodes: &[Node], collector: &mut Collector) {
    for &node in nodes {
        let subject = Subject::code_in(
            node,
            collector.text,
            quote(&collector.text[node.byte_range()]),
        );
        collector.flag(
            node,
            "thread-local",
            Severity::Info,
            "thread-local storage: sessions leak when threads die (phase 5: WeakKeyDictionary)"
                .into(),
            subject,
        );
    }
}

fn dataclass_defaults(nodes: &[Node], collector: &mut Collector) {
    for &node in nodes {
        collector.flag(
            node,
            "dataclass-slots",
            Severity::Info,
            "dataclass with field defaults: cannot simply add __slots__ (phase 5)".into(),
            Subject::dataclass(node, collector.text),
        );
    }
}

fn escape_hatches(nodes: &[Node], collector: &mut Collector) {
    for &node in nodes {
        let name = &collector.text[node.byte_range()];
        collector.flag(
            node,
            "escape-hatch",
            Severity::Info,
            format!("`{name}` lets validation be skipped (phase 1 removes it)"),
            Subject::code_in(node, collector.text, name.to_string()),
        );
    }
}

struct Collector<'a> {
    file: &'a str,
    text: &'a str,
    findings: Vec<AuditFinding>,
}

impl Collector<'_> {
    /// A finding with no reason to allow it.
    fn flag(
        &mut self,
        node: Node,
        rule: &'static str,
        severity: Severity,
        message: String,
        subject: Subject,
    ) {
        self.add(node, rule, severity, message, None, subject);
    }

    fn add(
        &mut self,
        node: Node,
        rule: &'static str,
        severity: Severity,
        message: String,
        allowed: Option<String>,
        subject: Subject,
    ) {
        // From the node's points, so that each finding costs its own line,
        // not a scan of the file up to it.
        let (start, point) = (node.start_byte(), node.start_position());
        let Position { line, column } =
            Position::of_point(self.text, point.row, point.column, start);
        let line_start = start - point.column;
        let line_end = self.line_end(start);
        let end = if node.end_position().row == point.row {
            node.end_byte()
        } else {
            line_end
        };
        let Position {
            line: end_line,
            column: end_column,
        } = Position::of_point(self.text, point.row, end - line_start, end);
        let source_line = self.text[line_start..line_end]
            .trim_end_matches('\r')
            .to_string();
        self.findings.push(AuditFinding {
            rule,
            severity,
            file: self.file.to_string(),
            line,
            column,
            end_line,
            end_column,
            message,
            allowed,
            source_line,
            suppressed: false,
            subject,
        });
    }

    fn line_end(&self, offset: usize) -> usize {
        self.text[offset..]
            .find('\n')
            .map_or(self.text.len(), |i| offset + i)
    }
}

/// `# txo-codemod: ignore[rule-a, rule-b]` (or `ignore` for all) on a line
/// suppresses findings starting on that line; one that suppresses nothing is
/// itself reported.
fn apply_suppressions(file: &str, text: &str, findings: &mut Vec<AuditFinding>) {
    if memchr::memmem::find(text.as_bytes(), b"txo-codemod").is_none() {
        return;
    }
    let pattern = Regex::new(crate::engine::suppress::PATTERN).expect("valid regex");
    let mut unused = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let Some(found) = pattern.captures(line) else {
            continue;
        };
        let ids = crate::engine::suppress::ids(&found);
        // A comment naming only rules of `diff`/`apply` is theirs to use.
        let for_checks = ids.is_empty() || ids.iter().any(|id| is_check(id));
        if !suppress_on_line(index + 1, &ids, findings) && for_checks {
            unused.push(unused_suppression(file, index + 1, line, &found));
        }
    }
    findings.retain(|f| !f.suppressed);
    findings.extend(unused);
}

fn is_check(id: &str) -> bool {
    CHECKS.iter().any(|(check, ..)| *check == id)
}

/// Marks the findings on `line` that `ids` names; whether there were any.
fn suppress_on_line(line: usize, ids: &[String], findings: &mut [AuditFinding]) -> bool {
    let mut used = false;
    for finding in findings.iter_mut().filter(|f| f.line == line) {
        if ids.is_empty() || ids.iter().any(|id| id == finding.rule) {
            finding.suppressed = true;
            used = true;
        }
    }
    used
}

fn unused_suppression(
    file: &str,
    line: usize,
    source_line: &str,
    found: &regex::Captures,
) -> AuditFinding {
    let column = found.get(0).map_or(0, |m| m.start()) + 1;
    AuditFinding {
        rule: "unused-suppression",
        severity: Severity::Warning,
        file: file.to_string(),
        line,
        column,
        end_line: line,
        end_column: source_line.len() + 1,
        message: format!(
            "`{}` suppresses nothing on this line",
            found.get(0).map_or("", |m| m.as_str())
        ),
        allowed: None,
        source_line: source_line.trim_end_matches('\r').to_string(),
        suppressed: false,
        subject: Subject::default(),
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
        };
        let audits = audit(&options).unwrap();
        audits[0]
            .findings
            .iter()
            .map(|f| (f.rule.to_string(), f.line, f.allowed.clone()))
            .collect()
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

    #[test]
    fn each_file_belongs_to_the_nearest_project() {
        let dir = tempfile::tempdir().unwrap();
        let write = |path: &str, text: &str| {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("pyproject.toml", "");
        write("utils/a.py", "");
        write("utils/b.py", "");
        write("inner/txo-codemod.toml", "library = [\"lib/**\"]\n");
        write("inner/lib/c.py", "");
        write("inner/utils/d.py", "");
        let root = dir.path().to_path_buf();
        let files =
            walk::python_files(std::slice::from_ref(&root), WalkOptions::default()).unwrap();
        let (projects, assigned) = assign_projects(&files).unwrap();
        assert_eq!(projects.len(), 2);
        let mut seen: Vec<(bool, &str)> = assigned
            .iter()
            .map(|(index, relative)| {
                (
                    projects[*index].library.contains(relative),
                    relative.as_str(),
                )
            })
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            [
                (false, "utils/d.py"),
                (true, "lib/c.py"),
                (true, "utils/a.py"),
                (true, "utils/b.py")
            ]
        );
    }
}
