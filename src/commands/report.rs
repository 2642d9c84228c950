//! `report`: the plan's change-tracking table (`| File | Issue | Fix |
//! Status | Breaking |`) and a migration guide of the breaking changes.

use std::path::PathBuf;

use serde::Serialize;

use crate::cli::{ReportArgs, ReportFormat};
use crate::commands::{Exit, dry_run, load_rules, report_rule_errors};
use crate::rules::Rule;
use crate::run::{Outcome, RunResult};
use crate::safety::ledger::{EditRecord, EntryState, Ledger};
use crate::safety::{phase_title, state_root};
use crate::source::line_col;
use crate::walk::WalkOptions;

use super::report_managers::{self, Manager};

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub file: String,
    pub line: usize,
    pub phase: u8,
    pub rule: String,
    pub issue: String,
    pub fix: String,
    pub status: &'static str,
    pub breaking: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct GuideEntry {
    pub rule: String,
    pub phase: u8,
    pub severity: &'static str,
    pub what: String,
    pub note: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub steps: Vec<String>,
    /// Phase 3: the manager classes generated in this project.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub managers: Vec<Manager>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub rows: Vec<Row>,
    pub guide: Vec<GuideEntry>,
}

pub fn execute(args: &ReportArgs) -> Exit {
    let set = match load_rules(&args.sources.rule_dirs) {
        Ok(set) => set,
        Err(errors) => return report_rule_errors(errors),
    };
    let rules: Vec<&Rule> = set
        .rules
        .iter()
        .filter(|r| args.phase.is_none_or(|p| r.phase == p))
        .collect();
    let result = match dry_run(&rules, &args.paths, WalkOptions::default(), 0) {
        Ok(result) => result,
        Err(error) => {
            eprintln!("{:?}", miette::Report::new(error));
            return Exit::Error;
        }
    };
    // A ledger that cannot be read is an error, not an empty history.
    let ledgers: Result<Vec<Ledger>, _> = args
        .paths
        .iter()
        .map(|p| Ledger::load(&state_root(p, false).0))
        .collect();
    let ledgers = match ledgers {
        Ok(ledgers) => ledgers,
        Err(error) => {
            eprintln!("{:?}", miette::Report::new(error));
            return Exit::Error;
        }
    };
    let roots: Vec<PathBuf> = args.paths.iter().map(|p| state_root(p, false).0).collect();
    let managers = generated_managers(&rules, &result, &roots, &ledgers);
    let mut report = build(&rules, &result, &ledgers, args.phase);
    for entry in &mut report.guide {
        if is_managers_rule(&rules, &entry.rule) {
            entry.managers = managers.clone();
        }
    }
    let text = match args.format {
        // A separate section: the configuration preflight (config-audit).
        ReportFormat::Markdown => {
            markdown(&report) + &super::config_audit::appendix(&rules, &args.paths, true)
        }
        ReportFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&crate::present::json::versioned(&report))
                .unwrap_or_default()
        ),
    };
    write_output(args.output.as_ref(), &text)
}

fn write_output(output: Option<&PathBuf>, text: &str) -> Exit {
    match output {
        None => super::write_stdout(text).err().unwrap_or(Exit::Clean),
        Some(path) => match crate::write::write_atomic(path, text.as_bytes()) {
            Ok(()) => Exit::Clean,
            Err(error) => {
                eprintln!("error: cannot write {}: {error}", path.display());
                Exit::Error
            }
        },
    }
}

fn is_managers_rule(rules: &[&Rule], id: &str) -> bool {
    rules.iter().any(|r| {
        r.id == id
            && r.transform()
                .is_some_and(|t| t.name == "globals-to-manager")
    })
}

/// The managers phase 3 would generate (the dry run's results) or has
/// generated (files an applied or interrupted phase-3 entry changed), by file.
fn generated_managers(
    rules: &[&Rule],
    result: &RunResult,
    roots: &[PathBuf],
    ledgers: &[Ledger],
) -> Vec<Manager> {
    let mut managers = Vec::new();
    for file in &result.files {
        let Outcome::Processed(processed) = &file.outcome else {
            continue;
        };
        let by_rule = processed.edits.iter().any(|e| {
            e.rules
                .iter()
                .any(|r| is_managers_rule(rules, &rules[*r].id))
        });
        if let (true, Some(text)) = (by_rule, &processed.new_text) {
            managers.extend(report_managers::managers_in(&file.display, text));
        }
    }
    for (root, ledger) in roots.iter().zip(ledgers) {
        let mut paths: Vec<&String> = ledger
            .entries
            .iter()
            .filter(|e| e.state != EntryState::RolledBack)
            .flat_map(|e| &e.edits)
            .filter(|edit| edit.rules.iter().any(|r| is_managers_rule(rules, r)))
            .map(|edit| &edit.path)
            .collect();
        paths.sort();
        paths.dedup();
        for path in paths {
            if let Ok(text) = std::fs::read_to_string(root.join(path)) {
                managers.extend(report_managers::managers_in(path, &text));
            }
        }
    }
    managers.sort_by(|a, b| a.file.cmp(&b.file));
    managers.dedup_by(|a, b| a.file == b.file);
    managers
}

/// Fixes quote the code up to this many characters.
const QUOTE_MAX: usize = 70;

/// "`before` → `after`", or "`before` removed".
fn change(before: &str, after: &str) -> String {
    let quote = |code: &str| crate::present::one_line(code, QUOTE_MAX, QUOTE_MAX);
    if after.trim().is_empty() {
        format!("`{}` removed", quote(before))
    } else {
        format!("`{}` → `{}`", quote(before), quote(after))
    }
}

pub fn build(
    rules: &[&Rule],
    result: &RunResult,
    ledgers: &[Ledger],
    only_phase: Option<u8>,
) -> Report {
    let (mut rows, recorded_phases) = ledger_rows(rules, ledgers, only_phase);
    rows.extend(dry_run_rows(rules, result));
    rows.sort_by(|a, b| (a.phase, &a.file, a.line).cmp(&(b.phase, &b.file, b.line)));
    let mut phases: Vec<u8> = rows
        .iter()
        .map(|r| r.phase)
        .chain(recorded_phases)
        .collect();
    phases.sort();
    phases.dedup();
    Report {
        rows,
        guide: guide(rules, &phases),
    }
}

/// Rows for the edits the ledgers record, and the phases they record.
fn ledger_rows(rules: &[&Rule], ledgers: &[Ledger], only_phase: Option<u8>) -> (Vec<Row>, Vec<u8>) {
    let mut rows = Vec::new();
    let mut recorded_phases = Vec::new();
    let entries = ledgers
        .iter()
        .flat_map(|ledger| &ledger.entries)
        .filter(|e| only_phase.is_none_or(|p| e.phase == p));
    for entry in entries {
        recorded_phases.push(entry.phase);
        let status = entry_status(entry.state);
        rows.extend(
            entry
                .edits
                .iter()
                .map(|edit| recorded_row(rules, entry.phase, edit, status)),
        );
    }
    (rows, recorded_phases)
}

fn entry_status(state: EntryState) -> &'static str {
    match state {
        EntryState::Applied => "applied",
        EntryState::Applying => "interrupted",
        EntryState::RolledBack => "rolled back",
    }
}

fn recorded_row(rules: &[&Rule], phase: u8, edit: &EditRecord, status: &'static str) -> Row {
    // The rule may be gone since (renamed, or from a --rules dir not given now).
    let rule = edit
        .rules
        .first()
        .and_then(|id| rules.iter().find(|r| r.id == *id).copied());
    Row {
        file: edit.path.clone(),
        line: edit.line,
        phase,
        rule: edit.rules.join(", "),
        issue: rule.map_or_else(|| edit.rules.join(", "), |r| r.title.clone()),
        fix: change(&edit.before, &edit.after),
        status,
        breaking: rule.map_or("none", |r| r.breaking.as_str()),
    }
}

/// Rows for what a run would change now ("pending") or only reports
/// ("needs review").
fn dry_run_rows(rules: &[&Rule], result: &RunResult) -> Vec<Row> {
    let mut rows = Vec::new();
    for file in &result.files {
        let Outcome::Processed(processed) = &file.outcome else {
            continue;
        };
        let row = |rule: &Rule, line: usize, fix: String, status: &'static str| Row {
            file: file.display.clone(),
            line,
            phase: rule.phase,
            rule: rule.id.clone(),
            issue: rule.title.clone(),
            fix,
            status,
            breaking: rule.breaking.as_str(),
        };
        // Files with edits keep their text (see `run::process_file`).
        if let Some(source) = &processed.source {
            for edit in &processed.edits {
                let fix = change(&source.text[edit.start..edit.end], &edit.after);
                let line = line_col(&source.text, edit.start).0;
                rows.push(row(rules[edit.rules[0]], line, fix, "pending"));
            }
        }
        for finding in &processed.findings {
            let fix = finding.message.clone();
            rows.push(row(
                rules[finding.rule],
                finding.from.line,
                fix,
                "needs review",
            ));
        }
    }
    rows
}

/// Each breaking rule of the phases in the report, with an example from the
/// rule's own tests.
fn guide(rules: &[&Rule], phases: &[u8]) -> Vec<GuideEntry> {
    let mut entries: Vec<GuideEntry> = rules
        .iter()
        .filter(|r| {
            phases.contains(&r.phase)
                && r.breaking != crate::rules::Breaking::None
                && r.is_fixable()
                && r.enabled
        })
        .map(|rule| {
            let example = rule.tests.invalid.first();
            GuideEntry {
                rule: rule.id.clone(),
                phase: rule.phase,
                severity: rule.breaking.as_str(),
                what: rule.title.clone(),
                note: rule.note.clone(),
                before: example.map(|e| e.code.clone()),
                after: example.and_then(|e| e.fixed.clone()),
                steps: rule.migration.clone(),
                managers: Vec::new(),
            }
        })
        .collect();
    let rank = |severity: &str| {
        ["high", "medium", "low"]
            .iter()
            .position(|s| *s == severity)
            .unwrap_or(3)
    };
    entries.sort_by_key(|e| (rank(e.severity), e.phase, e.rule.clone()));
    entries
}

pub fn markdown(report: &Report) -> String {
    let mut out = String::from(
        "## Change tracking\n\n| Phase | File | Issue | Fix | Status | Breaking |\n|---|---|---|---|---|---|\n",
    );
    for row in &report.rows {
        let fix = row.fix.replace('|', "\\|");
        out.push_str(&format!(
            "| {} | `{}:{}` | {} (`{}`) | {fix} | {} | {} |\n",
            row.phase, row.file, row.line, row.issue, row.rule, row.status, row.breaking
        ));
    }
    out.push_str("\n## Migration guide\n");
    for entry in &report.guide {
        out.push_str(&format!(
            "\n### {} (phase {}: {}; breaking: {})\n\n",
            entry.what,
            entry.phase,
            phase_title(entry.phase),
            entry.severity
        ));
        if let Some(note) = &entry.note {
            out.push_str(&format!("{}\n\n", note.trim()));
        }
        if let (Some(before), Some(after)) = (&entry.before, &entry.after) {
            out.push_str(&format!(
                "Before:\n\n```python\n{}\n```\n\nAfter:\n\n```python\n{}\n```\n\n",
                before.trim_end(),
                after.trim_end()
            ));
        }
        if !entry.steps.is_empty() {
            out.push_str("Migration steps:\n\n");
            for (number, step) in entry.steps.iter().enumerate() {
                out.push_str(&format!("{}. {step}\n", number + 1));
            }
        }
        if !entry.managers.is_empty() {
            out.push('\n');
            out.push_str(&report_managers::markdown(&entry.managers));
        }
    }
    out
}
