//! Output of `check`: readable text with the code underlined, JSON, SARIF
//! 2.1.0 and GitHub Actions annotations.

use serde_json::{Value, json};

use super::ansi;
use crate::audit::{AuditFinding, CHECKS};
use crate::rules::Severity;

/// A finding with the offending code underlined, as ruff shows it; `color`
/// paints the location, the severity and the underline.
pub fn text_finding(finding: &AuditFinding, color: bool) -> String {
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
    let style = match finding.severity {
        Severity::Error => ansi::RED,
        Severity::Warning => ansi::YELLOW,
        Severity::Info => ansi::CYAN,
    };
    let location = format!("{}:{}:{}:", finding.file, finding.line, finding.column);
    let label = format!("{}[{}]", finding.severity.as_str(), finding.rule);
    let bar = ansi::paint(ansi::CYAN, "|", color);
    format!(
        "{} {} {}\n{pad} {bar}\n{} {bar} {}\n{pad} {bar} {prefix}{}\n",
        ansi::paint(ansi::BOLD, &location, color),
        ansi::paint(&format!("{}{style}", ansi::BOLD), &label, color),
        finding.message,
        ansi::paint(ansi::CYAN, &finding.line.to_string(), color),
        finding.source_line,
        ansi::paint(style, &"^".repeat(width), color)
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
            let mut rule = json!({
                "id": id,
                "name": id,
                "shortDescription": { "text": description },
                "help": {
                    "text": help_text(id),
                    "markdown": help_markdown(id, *phase, description),
                },
                "properties": { "phase": phase },
            });
            if let Some(uri) = help_uri() {
                rule["helpUri"] = json!(uri);
            }
            rule
        })
        .collect()
}

/// What to do about a finding of check `id`, for code-scanning's help pane.
fn help_text(id: &str) -> &'static str {
    match id {
        "no-soft-fail" => {
            "Read configuration with a subscript (config[\"key\"]) so a missing key fails loudly; `txo-codemod apply --phase 1` rewrites the lookups it can prove safe. Suppress one line with `# txo-codemod: ignore[no-soft-fail]`."
        }
        "no-sys-exit" => {
            "Raise HelpfulError and let the script runner decide how to exit; `txo-codemod apply --phase 2` rewrites the exits it can prove safe. Exits in entry points, main() and __main__ blocks are allowed."
        }
        "no-global-state" => {
            "Move module-level mutable state into an object its users receive (phase 3 of the plan); loggers and UPPER_CASE constants are not flagged."
        }
        "method-length" => "Split functions over 50 lines (phase 4 of the plan).",
        "unused-suppression" => {
            "Remove the `# txo-codemod: ignore` comment: nothing on its line is flagged any more."
        }
        _ => "See `txo-codemod check --help`.",
    }
}

/// The help pane GitHub code scanning shows: the check's description and
/// its help text (both already Markdown: code is in backticks), and the
/// plan phase that fixes it.
fn help_markdown(id: &str, phase: u8, description: &str) -> String {
    let fixed_by = match phase {
        0 => "Not a phase of the plan: it keeps suppressions honest.".to_string(),
        phase => format!(
            "Phase {phase} of the TXO v3 plan fixes it: `txo-codemod diff --phase {phase}` shows what it would change."
        ),
    };
    format!(
        "**{description}** (`{id}`)\n\n{}\n\n{fixed_by}",
        help_text(id)
    )
}

/// The README section on `check`, when the package names its repository
/// (`repository` in Cargo.toml, read at build time); none until then, so
/// no link can point at a made-up address.
fn help_uri() -> Option<String> {
    let repository = env!("CARGO_PKG_REPOSITORY");
    (!repository.is_empty()).then(|| {
        format!(
            "{}#where-a-project-stands-assess-check-report",
            repository.trim_end_matches('/')
        )
    })
}

/// A relative path as a URI reference: every byte outside RFC 3986's
/// unreserved characters and `/` percent-encoded (spaces, `#`, `%`, non-ASCII).
fn uri_path(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
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
                "artifactLocation": { "uri": uri_path(&f.file) },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sarif_uris_are_percent_encoded() {
        assert_eq!(uri_path("utils/config_loader.py"), "utils/config_loader.py");
        assert_eq!(
            uri_path("my utils/#1 café.py"),
            "my%20utils/%231%20caf%C3%A9.py"
        );
    }

    #[test]
    fn every_check_has_help() {
        for (id, ..) in CHECKS {
            assert!(!help_text(id).starts_with("See "), "{id}");
        }
    }
}
