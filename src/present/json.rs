//! Machine-readable output of a run: every edit with positions in the
//! original file, every finding, and the totals.

use serde::Serialize;

use crate::engine::{FileEdit, Finding};
use crate::rules::Rule;
use crate::run::{Outcome, RunResult};
use crate::source::line_col;
use crate::transforms::created::{CreatedFile, OnDisk};

/// The version of every JSON output's format (`diff --json`, `apply
/// --json`, `status --json`, `check`/`assess`/`report --format json`); it
/// changes when a field is removed or changes meaning, not when one is added.
pub const JSON_VERSION: u32 = 1;

/// `inner` with `"version"` as its first field.
#[derive(Serialize)]
pub struct Versioned<T> {
    pub version: u32,
    #[serde(flatten)]
    pub inner: T,
}

pub fn versioned<T: Serialize>(inner: T) -> Versioned<T> {
    Versioned {
        version: JSON_VERSION,
        inner,
    }
}

#[derive(Serialize)]
pub struct JsonEdit<'a> {
    pub file: &'a str,
    /// The first rule applied here; `rules` lists all (chains compose).
    pub rule: &'a str,
    pub rules: Vec<&'a str>,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub before: &'a str,
    pub after: &'a str,
    pub message: String,
}

#[derive(Serialize)]
pub struct JsonFinding<'a> {
    pub file: &'a str,
    pub rule: &'a str,
    pub severity: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: &'a str,
    pub reason: Option<&'a str>,
}

/// A file the phase would create, and what is at its path now.
#[derive(Serialize)]
pub struct JsonCreated<'a> {
    pub file: &'a str,
    pub rule: &'a str,
    /// `create` (absent: it would be written), `unchanged` (there with the
    /// same bytes), `skip` or `refuse` (there with other content, by the
    /// rule's `if-exists`).
    pub status: &'static str,
    pub lines: usize,
}

#[derive(Serialize)]
pub struct JsonTotals {
    pub edits: usize,
    pub files_changed: usize,
    pub files_scanned: usize,
    pub files_skipped: usize,
    pub files_with_errors: usize,
    pub findings: usize,
    /// Files `created` would write (status `create`).
    pub files_to_create: usize,
}

#[derive(Serialize)]
pub struct JsonReport<'a> {
    pub edits: Vec<JsonEdit<'a>>,
    pub findings: Vec<JsonFinding<'a>>,
    pub created: Vec<JsonCreated<'a>>,
    pub diagnostics: Vec<String>,
    pub summary: JsonTotals,
}

pub fn report<'a>(result: &'a RunResult, rules: &[&'a Rule]) -> JsonReport<'a> {
    let mut edits = Vec::new();
    let mut findings = Vec::new();
    let mut diagnostics = Vec::new();
    for file in &result.files {
        diagnostics.extend(
            super::text::file_lines(file, rules)
                .into_iter()
                .filter(|l| l.starts_with("warning") || l.starts_with("error")),
        );
        let Outcome::Processed(processed) = &file.outcome else {
            continue;
        };
        for finding in &processed.findings {
            findings.push(json_finding(&file.display, finding, rules));
        }
        // Files with edits keep their text (see `run::process_file`).
        if let Some(source) = &processed.source {
            for edit in &processed.edits {
                edits.push(json_edit(&file.display, &source.text, edit, rules));
            }
        }
    }
    let created: Vec<JsonCreated> = result
        .created
        .iter()
        .map(|c| json_created(c, rules))
        .collect();
    JsonReport {
        summary: json_totals(result, &created),
        edits,
        findings,
        created,
        diagnostics,
    }
}

fn json_created<'a>(file: &'a CreatedFile, rules: &[&'a Rule]) -> JsonCreated<'a> {
    let status = match file.on_disk() {
        OnDisk::Absent => "create",
        OnDisk::Same => "unchanged",
        OnDisk::Different if file.refuse_if_different => "refuse",
        OnDisk::Different => "skip",
    };
    JsonCreated {
        file: &file.display,
        rule: rules.get(file.rule).map_or("", |r| r.id.as_str()),
        status,
        lines: file.text.lines().count(),
    }
}

fn json_edit<'a>(
    file: &'a str,
    text: &'a str,
    edit: &'a FileEdit,
    rules: &[&'a Rule],
) -> JsonEdit<'a> {
    let (line, column) = line_col(text, edit.start);
    let (end_line, end_column) = line_col(text, edit.end);
    let mut messages = edit.messages.clone();
    messages.dedup();
    JsonEdit {
        file,
        rule: &rules[edit.rules[0]].id,
        rules: edit.rules.iter().map(|r| rules[*r].id.as_str()).collect(),
        line,
        column,
        end_line,
        end_column,
        before: &text[edit.start..edit.end],
        after: &edit.after,
        message: messages.join("; "),
    }
}

fn json_finding<'a>(file: &'a str, finding: &'a Finding, rules: &[&'a Rule]) -> JsonFinding<'a> {
    let rule = rules[finding.rule];
    JsonFinding {
        file,
        rule: &rule.id,
        severity: rule.severity.as_str(),
        line: finding.from.line,
        column: finding.from.column,
        end_line: finding.to.line,
        end_column: finding.to.column,
        message: &finding.message,
        reason: finding.reason.as_deref(),
    }
}

fn json_totals(result: &RunResult, created: &[JsonCreated]) -> JsonTotals {
    let totals = result.totals();
    JsonTotals {
        edits: totals.edits,
        files_changed: totals.files_changed,
        files_scanned: totals.scanned,
        files_skipped: totals.skipped,
        files_with_errors: totals.with_errors,
        findings: totals.findings,
        files_to_create: created.iter().filter(|c| c.status == "create").count(),
    }
}
