//! The plan's validation suite as data: every library file is parsed once
//! and checked for soft-fail config access, exits, long functions and global
//! mutable state (plus the assessment-only facts), with
//! `# txo-codemod: ignore[rule-id]` suppressions.

use std::path::PathBuf;

use rayon::prelude::*;
use regex::Regex;
use serde::Serialize;
use tree_sitter::Node;

use crate::analysis::metrics;
use crate::analysis::{FileFacts, NameMatcher};
use crate::project::{FileScope, Project};
use crate::rules::Severity;
use crate::run::RunError;
use crate::source::{SourceText, line_col};
use crate::syntax;
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
}

#[derive(Debug, Clone, Serialize)]
pub struct FileAudit {
    pub file: String,
    pub findings: Vec<AuditFinding>,
}

pub struct AuditOptions {
    pub paths: Vec<PathBuf>,
    pub walk: WalkOptions,
    pub threads: usize,
}

/// Audits the library files under `options.paths`, sorted by path.
pub fn audit(options: &AuditOptions) -> Result<Vec<FileAudit>, RunError> {
    let files = walk::python_files(&options.paths, options.walk)?;
    let mut projects: Vec<(Project, FileScope, FileScope, NameMatcher)> = Vec::new();
    let mut assigned = Vec::new();
    for file in &files {
        let project = Project::discover(file)?;
        let index = match projects
            .iter()
            .position(|(p, ..)| p.canonical_root == project.canonical_root)
        {
            Some(index) => index,
            None => {
                let library = FileScope::new(&project.settings.library, &[], &project.settings)
                    .map_err(glob_error)?;
                let entries =
                    FileScope::new(&project.settings.entry_points, &[], &project.settings)
                        .map_err(glob_error)?;
                let names = NameMatcher::new(&project.settings.config_names)
                    .map_err(|e| RunError::ConfigNames(e.to_string()))?;
                projects.push((project, library, entries, names));
                projects.len() - 1
            }
        };
        assigned.push(index);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .build()
        .map_err(|e| RunError::Threads(e.to_string()))?;
    let audits: Vec<Option<FileAudit>> = pool.install(|| {
        files
            .par_iter()
            .zip(assigned.par_iter())
            .map(|(file, index)| {
                let (project, library, entries, names) = &projects[*index];
                let relative = project.relative(file);
                library
                    .contains(&relative)
                    .then(|| audit_file(file, entries.contains(&relative), names))
            })
            .collect()
    });
    Ok(audits.into_iter().flatten().collect())
}

fn glob_error(error: globset::Error) -> RunError {
    RunError::Glob {
        rule: "project settings".into(),
        message: error.to_string(),
    }
}

fn audit_file(path: &std::path::Path, entry_point: bool, names: &NameMatcher) -> FileAudit {
    let file = crate::source::display_path(path);
    let source = match std::fs::read(path).map(SourceText::decode) {
        Ok(Ok(source)) => source,
        _ => {
            return FileAudit {
                file,
                findings: Vec::new(),
            };
        }
    };
    let text = source.text.as_str();
    let tree = syntax::parse(text);
    let root = tree.root_node();
    let facts = FileFacts::analyze(&tree, text, names);
    let mut collector = Collector {
        file: &file,
        text,
        findings: Vec::new(),
    };
    for call in metrics::soft_fail_lookups(root, text, &facts) {
        let shown = one_line(&text[call.byte_range()]);
        collector.add(call, "no-soft-fail", Severity::Error, format!("`{shown}` reads configuration with .get(); use a subscript so a missing key fails loudly"), None);
    }
    for exit in metrics::exits(root, text, entry_point) {
        let shown = one_line(&text[exit.node.byte_range()]);
        let message =
            format!("`{shown}` ends the process from library code; raise HelpfulError instead");
        let severity = if exit.allowed.is_some() {
            Severity::Info
        } else {
            Severity::Error
        };
        collector.add(
            exit.node,
            "no-sys-exit",
            severity,
            message,
            exit.allowed.map(String::from),
        );
    }
    for global in metrics::global_state(root, text) {
        collector.add(
            global.node,
            "no-global-state",
            Severity::Error,
            format!(
                "module-level `{}` holds mutable state ({})",
                global.name, global.why
            ),
            None,
        );
    }
    for function in metrics::function_lengths(root, text) {
        let name_node = function
            .node
            .child_by_field_name("name")
            .unwrap_or(function.node);
        if function.lines > 50 {
            collector.add(
                name_node,
                "method-length",
                Severity::Warning,
                format!(
                    "`{}` has {} lines (the plan's goal: under 50)",
                    function.name, function.lines
                ),
                None,
            );
        }
        if function.lines > 100 {
            collector.add(
                name_node,
                "long-method-100",
                Severity::Info,
                format!(
                    "`{}` has {} lines (over 100)",
                    function.name, function.lines
                ),
                None,
            );
        }
    }
    for node in metrics::thread_locals(root, text) {
        collector.add(
            node,
            "thread-local",
            Severity::Info,
            "thread-local storage: sessions leak when threads die (phase 5: WeakKeyDictionary)"
                .into(),
            None,
        );
    }
    for node in metrics::dataclass_defaults(root, text) {
        collector.add(
            node,
            "dataclass-slots",
            Severity::Info,
            "dataclass with field defaults: cannot simply add __slots__ (phase 5)".into(),
            None,
        );
    }
    escape_hatches(root, text, &mut collector);
    let mut findings = collector.findings;
    apply_suppressions(&file, text, &mut findings);
    findings.sort_by_key(|f| (f.line, f.column, f.rule));
    FileAudit { file, findings }
}

fn escape_hatches(root: Node, text: &str, collector: &mut Collector) {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let name = &text[node.byte_range()];
        if node.kind() == "identifier" && matches!(name, "validate_config" | "no_validation") {
            collector.add(
                node,
                "escape-hatch",
                Severity::Info,
                format!("`{name}` lets validation be skipped (phase 1 removes it)"),
                None,
            );
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
}

fn one_line(code: &str) -> String {
    let folded = code.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() > 60 {
        format!("{}…", folded.chars().take(59).collect::<String>())
    } else {
        folded
    }
}

struct Collector<'a> {
    file: &'a str,
    text: &'a str,
    findings: Vec<AuditFinding>,
}

impl Collector<'_> {
    fn add(
        &mut self,
        node: Node,
        rule: &'static str,
        severity: Severity,
        message: String,
        allowed: Option<String>,
    ) {
        let (line, column) = line_col(self.text, node.start_byte());
        let end = if node.end_position().row == node.start_position().row {
            node.end_byte()
        } else {
            self.line_end(node.start_byte())
        };
        let (end_line, end_column) = line_col(self.text, end);
        let source_line = self
            .text
            .lines()
            .nth(line - 1)
            .unwrap_or_default()
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
    let pattern =
        Regex::new(r"#\s*txo-codemod:\s*ignore(?:\[([A-Za-z0-9_, -]*)\])?").expect("valid regex");
    let mut unused = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let Some(found) = pattern.captures(line) else {
            continue;
        };
        let ids: Vec<String> = found
            .get(1)
            .map(|m| {
                m.as_str()
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let mut used = false;
        for finding in findings.iter_mut().filter(|f| f.line == index + 1) {
            if ids.is_empty() || ids.iter().any(|id| id == finding.rule) {
                finding.suppressed = true;
                used = true;
            }
        }
        if !used {
            let column = found.get(0).map_or(0, |m| m.start()) + 1;
            unused.push(AuditFinding {
                rule: "unused-suppression",
                severity: Severity::Warning,
                file: file.to_string(),
                line: index + 1,
                column,
                end_line: index + 1,
                end_column: line.len() + 1,
                message: format!(
                    "`{}` suppresses nothing on this line",
                    found.get(0).map_or("", |m| m.as_str())
                ),
                allowed: None,
                source_line: line.trim_end_matches('\r').to_string(),
                suppressed: false,
            });
        }
    }
    findings.retain(|f| !f.suppressed);
    findings.extend(unused);
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
}
