//! `diff`: run a phase's rules and show the result without changing anything.

use std::io::Write;

use crate::cli::DiffArgs;
use crate::commands::{Exit, load_rules, report_rule_errors};
use crate::present::{diff, json, text};
use crate::rules::Rule;
use crate::run::{self, FileReport, Outcome, RenderEdits, RunOptions, RunResult};
use crate::source::SourceText;
use crate::transforms::created::OnDisk;
use crate::walk::WalkOptions;

pub fn execute(diff: &DiffArgs) -> Exit {
    let args = &diff.migrate;
    let set = match load_rules(&args.sources.rule_dirs) {
        Ok(set) => set,
        Err(errors) => return report_rule_errors(errors),
    };
    let Some(phase) = args.phase else {
        eprintln!("error: --phase is required");
        return Exit::Error;
    };
    let rules = match select_rules(&set.for_phase(phase), &args.rule_ids, phase) {
        Ok(rules) => rules,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::Error;
        }
    };
    if rules.is_empty() {
        super::print_line(format_args!(
            "phase {phase} has no rules yet: nothing to do"
        ));
        return Exit::Clean;
    }
    let paths = match super::all_paths(&args.paths, args.repos_from.as_deref()) {
        Ok(paths) => paths,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::Error;
        }
    };
    let options = RunOptions {
        paths,
        walk: WalkOptions {
            no_ignore: args.no_ignore,
        },
        threads: args.threads,
        show_progress: true,
        explicit_rules: !args.rule_ids.is_empty(),
        parse_every_file: diff.no_prefilter,
        edits_and_findings_only: false,
        render_edits: text_diffs(diff),
    };
    let result = match run::run(&rules, &options) {
        Ok(result) => result,
        Err(error) => {
            eprintln!("{:?}", miette::Report::new(error));
            return Exit::Error;
        }
    };
    present_diff(diff, &rules, &result)
}

pub fn select_rules<'r>(
    phase_rules: &[&'r Rule],
    ids: &[String],
    phase: u8,
) -> Result<Vec<&'r Rule>, String> {
    if ids.is_empty() {
        return Ok(phase_rules.to_vec());
    }
    ids.iter()
        .map(|id| {
            phase_rules
                .iter()
                .find(|rule| &rule.id == id)
                .copied()
                .ok_or_else(|| format!("phase {phase} has no rule `{id}` (see `txo-codemod rules list --phase {phase}`)"))
        })
        .collect()
}

pub fn print_diagnostics(rules: &[&Rule], result: &RunResult) {
    for file in &result.files {
        for line in text::file_lines(file, rules) {
            eprintln!("{line}");
        }
    }
}

/// For the text output, each edited file's diff is rendered as soon as its
/// result is final, so the run holds diffs, not every edited file's texts
/// (`--json` reads the texts).
fn text_diffs(args: &DiffArgs) -> Option<Box<RenderEdits>> {
    if args.migrate.json {
        return None;
    }
    let color = args.color.enabled();
    Some(Box::new(
        move |header: &str, source: &SourceText, new_text: &str| {
            diff::file_diff(header, source, new_text, color)
        },
    ))
}

/// The path in a diff header: from the repository root when the run has
/// one project (so `git apply` works there), else the path as shown.
fn diff_path(result: &RunResult, file: &FileReport) -> String {
    format!("{}{}", run::header_prefix(&result.projects), file.display)
}

fn present_diff(args: &DiffArgs, rules: &[&Rule], result: &RunResult) -> Exit {
    let totals = result.totals();
    let mut stdout = std::io::stdout().lock();
    if args.migrate.json {
        let report = json::versioned(json::report(result, rules));
        let _ = writeln!(
            stdout,
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        let color = args.color.enabled();
        for file in &result.files {
            let Outcome::Processed(processed) = &file.outcome else {
                continue;
            };
            if let Some(rendered) = &processed.rendered {
                let _ = write!(stdout, "{rendered}");
            } else if let (Some(source), Some(new_text)) = (&processed.source, &processed.new_text)
            {
                let header = diff_path(result, file);
                let _ = write!(
                    stdout,
                    "{}",
                    diff::file_diff(&header, source, new_text, color)
                );
            }
        }
        let _ = write!(stdout, "{}", created_diffs(result, color));
        print_diagnostics(rules, result);
        eprintln!("{}", text::summary(&totals, "to make"));
    }
    let creating = print_creations(result);
    if result.has_read_errors() {
        Exit::Error
    } else if totals.edits > 0 || creating > 0 {
        Exit::Attention
    } else {
        Exit::Clean
    }
}

/// New-file diffs of the files the phase would create (absent ones only),
/// headed like the edited files' (from the repository root).
fn created_diffs(result: &RunResult, color: bool) -> String {
    let prefix = run::header_prefix(&result.projects);
    result
        .created
        .iter()
        .filter(|c| c.on_disk() == OnDisk::Absent)
        .map(|c| diff::created(&format!("{prefix}{}", c.display), &c.text, color))
        .collect()
}

/// Says which files would be created or are in the way; returns how many
/// would be created.
pub fn print_creations(result: &RunResult) -> usize {
    let mut creating = 0;
    for file in &result.created {
        match file.on_disk() {
            OnDisk::Absent => creating += 1,
            OnDisk::Same => {}
            OnDisk::Different => {
                let severity = if file.refuse_if_different {
                    "error"
                } else {
                    "warning"
                };
                eprintln!("{severity}: {}", file.conflict().unwrap_or_default());
            }
        }
    }
    if creating > 0 {
        eprintln!("{creating} file(s) to create");
    }
    creating
}
