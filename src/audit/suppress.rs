//! `# txo-codemod: ignore[...]` comments: the findings they suppress, and
//! those that suppress nothing (reported as `unused-suppression`).

use regex::Regex;

use super::{AuditFinding, CHECKS};
use crate::analysis::subject::Subject;
use crate::rules::Severity;

/// `# txo-codemod: ignore[rule-a, rule-b]` (or `ignore` for all) on a line
/// suppresses findings starting on that line; one that suppresses nothing is
/// itself reported.
pub(super) fn apply_suppressions(file: &str, text: &str, findings: &mut Vec<AuditFinding>) {
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
