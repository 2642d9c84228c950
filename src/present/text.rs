//! Plain-text lines for findings, warnings and the summary (stderr).

use crate::engine::{FileWarning, Finding, MAX_PASSES};
use crate::rules::Rule;
use crate::run::{FileReport, Outcome, Totals};
use crate::source::Position;

fn rule_list(rules: &[&Rule], indices: &[usize]) -> String {
    let mut ids: Vec<&str> = indices.iter().map(|i| rules[*i].id.as_str()).collect();
    ids.dedup();
    ids.join(", ")
}

pub fn finding_line(display: &str, rules: &[&Rule], finding: &Finding) -> String {
    let rule = rules[finding.rule];
    let Position { line, column } = finding.from;
    let reason = finding
        .reason
        .as_deref()
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    format!(
        "{display}:{line}:{column}: {}[{}] {}{reason}",
        rule.severity.as_str(),
        rule.id,
        finding.message
    )
}

pub fn warning_line(display: &str, rules: &[&Rule], warning: &FileWarning) -> String {
    match warning {
        FileWarning::SyntaxErrors { at } => {
            let Position { line, column } = at;
            format!(
                "warning: {display}:{line}:{column}: the file has a syntax error; code inside the error is not rewritten"
            )
        }
        FileWarning::FixBrokeSyntax { rules: indices, at } => {
            let Position { line, column } = at;
            format!(
                "warning: {display}: the rewrite would not parse (first error at {line}:{column} of the rewritten text), so none of this file's edits are kept (rules: {})",
                rule_list(rules, indices)
            )
        }
        FileWarning::PassCapReached { rules: indices } => format!(
            "warning: {display}: rewriting had not settled after {MAX_PASSES} passes; the result may be incomplete (rules: {})",
            rule_list(rules, indices)
        ),
    }
}

/// Every diagnostic line for one file, in a stable order.
pub fn file_lines(file: &FileReport, rules: &[&Rule]) -> Vec<String> {
    match &file.outcome {
        Outcome::Skipped => Vec::new(),
        Outcome::OverLimit(reason) => vec![format!("warning: {}: skipped: {reason}", file.display)],
        Outcome::ReadError(error) => vec![format!("error: {}: cannot read: {error}", file.display)],
        Outcome::NotUtf8(error) => vec![format!(
            "warning: {}:{}: not valid UTF-8 (byte {}); file skipped",
            file.display, error.line, error.offset
        )],
        Outcome::Processed(processed) => {
            let warnings = processed
                .warnings
                .iter()
                .map(|w| warning_line(&file.display, rules, w));
            let findings = processed
                .findings
                .iter()
                .map(|f| finding_line(&file.display, rules, f));
            warnings.chain(findings).collect()
        }
    }
}

pub fn summary(totals: &Totals, verb: &str) -> String {
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    format!(
        "{} {verb} in {} ({} scanned; {} skipped: no rule could match; {} with errors); {} to review",
        plural(totals.edits, "edit"),
        plural(totals.files_changed, "file"),
        plural(totals.scanned, "file"),
        totals.skipped,
        totals.with_errors,
        plural(totals.findings, "finding"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts_read_naturally() {
        let totals = Totals {
            edits: 3,
            files_changed: 1,
            scanned: 10,
            skipped: 7,
            with_errors: 0,
            findings: 2,
        };
        assert_eq!(
            summary(&totals, "to make"),
            "3 edits to make in 1 file (10 files scanned; 7 skipped: no rule could match; 0 with errors); 2 findings to review"
        );
    }
}
