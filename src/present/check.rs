//! Output of `check`: readable text with the code underlined, JSON, SARIF
//! 2.1.0 and GitHub Actions annotations.

use serde_json::{Value, json};

use crate::audit::{AuditFinding, CHECKS};
use crate::rules::Severity;

/// A finding with the offending code underlined, as ruff shows it.
pub fn text_finding(finding: &AuditFinding) -> String {
    let gutter = finding.line.to_string().len();
    let pad = " ".repeat(gutter);
    let prefix: String = finding
        .source_line
        .chars()
        .take(finding.column - 1)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let width = if finding.end_line == finding.line {
        finding.end_column.saturating_sub(finding.column).max(1)
    } else {
        finding
            .source_line
            .chars()
            .count()
            .saturating_sub(finding.column - 1)
            .max(1)
    };
    format!(
        "{}:{}:{}: {}[{}] {}\n{pad} |\n{} | {}\n{pad} | {prefix}{}\n",
        finding.file,
        finding.line,
        finding.column,
        finding.severity.as_str(),
        finding.rule,
        finding.message,
        finding.line,
        finding.source_line,
        "^".repeat(width)
    )
}

pub fn github(finding: &AuditFinding) -> String {
    let level = match finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let escape = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let property = |s: &str| escape(s).replace(':', "%3A").replace(',', "%2C");
    format!(
        "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        property(&finding.file),
        finding.line,
        finding.column,
        finding.end_line,
        finding.end_column,
        property(&format!("txo-codemod {}", finding.rule)),
        escape(&finding.message)
    )
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn sarif(findings: &[&AuditFinding]) -> Value {
    let results: Vec<Value> = findings.iter().map(|f| sarif_result(f)).collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "txo-codemod",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": sarif_rules(),
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// The checks, as SARIF rule descriptors (results refer to them by index).
fn sarif_rules() -> Vec<Value> {
    CHECKS
        .iter()
        .map(|(id, phase, description)| {
            json!({
                "id": id,
                "name": id,
                "shortDescription": { "text": description },
                "properties": { "phase": phase },
            })
        })
        .collect()
}

fn sarif_result(f: &AuditFinding) -> Value {
    let rule_index = CHECKS
        .iter()
        .position(|(id, ..)| *id == f.rule)
        .unwrap_or(0);
    // SARIF wants a non-empty region on one line.
    let end_column = f
        .end_column
        .max(f.column + usize::from(f.end_line == f.line));
    json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": sarif_level(f.severity),
        "message": { "text": f.message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": f.file },
                "region": {
                    "startLine": f.line,
                    "startColumn": f.column,
                    "endLine": f.end_line,
                    "endColumn": end_column,
                }
            }
        }]
    })
}
