//! `apply`: for each repository, run the phase, then write it through the
//! safety layer (dirty check, rollback tag or backup, ledger, verification
//! gate). Several repositories are handled independently and in parallel.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::cli::{ApplyArgs, MigrateArgs};
use crate::commands::migrate::select_rules;
use crate::commands::{Exit, all_paths, load_rules, report_rule_errors};
use crate::present::text;
use crate::rules::{Rule, RuleSet};
use crate::run::{self, Outcome, Processed, RunOptions, RunResult};
use crate::safety::gate::GateOptions;
use crate::safety::{self, ApplyOutcome, ApplyStatus, PhasePlan, PlannedFile, SafetyOptions};
use crate::transforms::created::OnDisk;
use crate::walk::WalkOptions;

pub fn execute(args: &ApplyArgs) -> Exit {
    let migrate = &args.migrate;
    let set = match load_rules(&migrate.sources.rule_dirs) {
        Ok(set) => set,
        Err(errors) => return report_rule_errors(errors),
    };
    let paths = match all_paths(&migrate.paths, migrate.repos_from.as_deref()) {
        Ok(paths) => paths,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::Error;
        }
    };
    match (args.through, migrate.phase) {
        (Some(last), _) => super::through::execute(args, &set, &paths, last),
        (None, Some(phase)) => execute_phase(args, &set, &paths, phase),
        (None, None) => {
            eprintln!("error: give --phase N or --through N");
            Exit::Error
        }
    }
}

fn execute_phase(args: &ApplyArgs, set: &RuleSet, paths: &[PathBuf], phase: u8) -> Exit {
    let rules = match select_rules(&set.for_phase(phase), &args.migrate.rule_ids, phase) {
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
    let phases_with_rules = phases_with_rules(set);
    let safety = safety_options(args);
    let groups = group_by_repository(paths, args.no_git);
    let results: Vec<(ApplyOutcome, Vec<String>)> = groups
        .par_iter()
        .map(|(root, paths)| {
            let target = PhaseTarget { root, paths };
            apply_group(args, phase, &rules, &phases_with_rules, &safety, target)
        })
        .collect();
    present(args, &results)
}

/// The phases that have rules, in order (for the phase-order check).
pub(super) fn phases_with_rules(set: &RuleSet) -> Vec<u8> {
    let mut phases: Vec<u8> = set.rules.iter().map(|r| r.phase).collect();
    phases.sort_unstable();
    phases.dedup();
    phases
}

/// A repository (or project) and the paths given inside it.
#[derive(Clone, Copy)]
pub(super) struct PhaseTarget<'a> {
    pub root: &'a Path,
    pub paths: &'a [PathBuf],
}

pub(super) fn safety_options(args: &ApplyArgs) -> SafetyOptions {
    SafetyOptions {
        allow_dirty: args.allow_dirty,
        tag: args.tag.clone(),
        force_tag: args.force_tag,
        no_git: args.no_git,
        backup_dir: args.backup_dir.clone(),
        strict: args.strict,
        commit: args.commit,
        gate: GateOptions {
            python: args.python.clone(),
            verify: args.verify.clone(),
        },
    }
}

/// Paths grouped by the repository (or, without git, the project) they belong to.
pub(super) fn group_by_repository(
    paths: &[PathBuf],
    no_git: bool,
) -> BTreeMap<PathBuf, Vec<PathBuf>> {
    let mut groups: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for path in paths {
        let (root, _) = safety::state_root(path, no_git);
        let key = root.canonicalize().unwrap_or(root);
        groups.entry(key).or_default().push(path.clone());
    }
    groups
}

/// Runs one phase's rules on one repository and applies the result through
/// the safety layer; returns the outcome and the lines to print.
pub(super) fn apply_group(
    args: &ApplyArgs,
    phase: u8,
    rules: &[&Rule],
    phases_with_rules: &[u8],
    safety: &SafetyOptions,
    target: PhaseTarget,
) -> (ApplyOutcome, Vec<String>) {
    let PhaseTarget { root, paths } = target;
    let result = match run::run(rules, &run_options(&args.migrate, paths)) {
        Ok(result) => result,
        Err(error) => {
            let mut outcome = ApplyOutcome::new(root, phase);
            outcome.status = ApplyStatus::Failed;
            let rendered = format!("{:?}", miette::Report::new(error));
            outcome.errors.push(rendered.clone());
            // Shown as `diff` shows it (it used to be only in --json).
            return (outcome, vec![rendered]);
        }
    };
    let mut lines: Vec<String> = result
        .files
        .iter()
        .flat_map(|f| text::file_lines(f, rules))
        .collect();
    let (refusals, notices) = creation_conflicts(&result);
    lines.extend(notices);
    if !refusals.is_empty() {
        let mut outcome = ApplyOutcome::new(root, phase);
        outcome.status = ApplyStatus::Refused;
        outcome.errors = refusals;
        lines.extend(outcome.errors.iter().map(|e| format!("error: {e}")));
        return (outcome, lines);
    }
    let plan = phase_plan(phase, rules, phases_with_rules, &result);
    let target = paths.first().map_or(root, |p| p.as_path());
    let planned = plan.files.len();
    let creating: Vec<String> = plan
        .files
        .iter()
        .filter(|f| f.created)
        .map(|f| crate::source::display_path(&f.path))
        .collect();
    let mut outcome = safety::apply_phase(target, plan, safety);
    if result.has_read_errors() && outcome.status == ApplyStatus::Applied {
        outcome.status = ApplyStatus::Partial;
        outcome.errors.push("some files could not be read".into());
    }
    if !creating.is_empty() && outcome.status == ApplyStatus::Applied {
        lines.push(format!("created {}", creating.join(", ")));
    }
    lines.extend(outcome_lines(&outcome, &result, planned));
    (outcome, lines)
}

fn phase_plan<'a>(
    phase: u8,
    rules: &[&Rule],
    phases_with_rules: &'a [u8],
    result: &RunResult,
) -> PhasePlan<'a> {
    PhasePlan {
        phase,
        rules_hash: rules_hash(rules),
        phases_with_rules,
        files: planned_files(result),
        change_table: change_table(result, rules),
        edits: edit_records(result, rules),
    }
}

fn run_options(migrate: &MigrateArgs, paths: &[PathBuf]) -> RunOptions {
    RunOptions {
        paths: paths.to_vec(),
        walk: WalkOptions {
            no_ignore: migrate.no_ignore,
        },
        threads: migrate.threads,
        show_progress: true,
        explicit_rules: !migrate.rule_ids.is_empty(),
        parse_every_file: false,
        edits_and_findings_only: false,
        render_edits: None,
    }
}

/// What the safety layer said, the totals, and how to undo the phase.
fn outcome_lines(outcome: &ApplyOutcome, result: &RunResult, planned: usize) -> Vec<String> {
    let mut lines: Vec<String> = outcome.notices.clone();
    lines.extend(outcome.errors.iter().map(|e| format!("error: {e}")));
    let mut totals = result.totals();
    totals.edits = outcome.edits;
    totals.files_changed = outcome.files_changed;
    lines.push(text::summary(&totals, "made"));
    let unwritten = planned.saturating_sub(outcome.files_changed);
    if outcome.status == ApplyStatus::Partial && unwritten > 0 {
        lines.push(format!(
            "{unwritten} file(s) were not written; see the errors above"
        ));
    }
    if let (Some(tag), ApplyStatus::Applied | ApplyStatus::Partial) = (&outcome.tag, outcome.status)
    {
        lines.push(format!(
            "undo with `txo-codemod rollback --phase {}` (rollback tag {tag})",
            outcome.phase
        ));
    }
    lines
}

/// Edits the file's rewrite makes, counting each rule of a composed edit.
fn edit_count(processed: &Processed) -> usize {
    processed.edits.iter().map(|e| e.rules.len()).sum()
}

fn planned_files(result: &RunResult) -> Vec<PlannedFile> {
    result
        .files
        .iter()
        .filter_map(|file| {
            let Outcome::Processed(processed) = &file.outcome else {
                return None;
            };
            let (source, new_text) = (processed.source.as_ref()?, processed.new_text.as_ref()?);
            Some(PlannedFile {
                path: file.path.clone(),
                before: source.encode(&source.text),
                after: source.encode(new_text),
                edits: edit_count(processed),
                created: false,
            })
        })
        .chain(created_files(result))
        .collect()
}

/// The files the phase creates (absent ones: one already there as it would
/// be needs nothing, and one in the way is not overwritten).
fn created_files(result: &RunResult) -> impl Iterator<Item = PlannedFile> + '_ {
    result
        .created
        .iter()
        .filter(|c| c.on_disk() == OnDisk::Absent)
        .map(|c| PlannedFile {
            path: c.path.clone(),
            before: Vec::new(),
            after: c.text.clone().into_bytes(),
            edits: 0,
            created: true,
        })
}

/// Files in the way of a creation: refusals (`if-exists: refuse`) and notices.
fn creation_conflicts(result: &RunResult) -> (Vec<String>, Vec<String>) {
    let (refusing, skipping): (Vec<_>, Vec<_>) = result
        .created
        .iter()
        .filter(|c| c.on_disk() == OnDisk::Different)
        .partition(|c| c.refuse_if_different);
    let say = |c: &&crate::transforms::created::CreatedFile| c.conflict().unwrap_or_default();
    (
        refusing.iter().map(say).collect(),
        skipping
            .iter()
            .map(|c| format!("note: {}", say(c)))
            .collect(),
    )
}

fn edit_records(
    result: &RunResult,
    rules: &[&Rule],
) -> Vec<(PathBuf, crate::safety::ledger::EditRecord)> {
    let mut records = Vec::new();
    for file in &result.files {
        let Outcome::Processed(processed) = &file.outcome else {
            continue;
        };
        let Some(source) = processed
            .source
            .as_ref()
            .filter(|_| processed.new_text.is_some())
        else {
            continue;
        };
        for edit in &processed.edits {
            let mut ids: Vec<String> = edit.rules.iter().map(|r| rules[*r].id.clone()).collect();
            ids.dedup();
            records.push((
                file.path.clone(),
                crate::safety::ledger::EditRecord {
                    path: file.display.clone(),
                    line: crate::source::line_col(&source.text, edit.start).0,
                    rules: ids,
                    before: source.text[edit.start..edit.end].to_string(),
                    after: edit.after.clone(),
                },
            ));
        }
    }
    records
}

/// Identifies the rule set in the ledger: a hash of the rules' YAML.
fn rules_hash(rules: &[&Rule]) -> String {
    let joined: String = rules
        .iter()
        .map(|r| format!("{}\n{}\n", r.id, r.yaml))
        .collect();
    crate::safety::ledger::sha256(joined.as_bytes())
}

/// `| File | Rule | Edits |` for the commit message body.
fn change_table(result: &RunResult, rules: &[&Rule]) -> String {
    let mut table = String::from("| File | Rules | Edits |\n|---|---|---|\n");
    for file in &result.files {
        let Outcome::Processed(processed) = &file.outcome else {
            continue;
        };
        if processed.new_text.is_none() {
            continue;
        }
        let mut ids: Vec<&str> = processed
            .edits
            .iter()
            .flat_map(|e| e.rules.iter().map(|r| rules[*r].id.as_str()))
            .collect();
        ids.sort();
        ids.dedup();
        let count = edit_count(processed);
        table.push_str(&format!(
            "| {} | {} | {count} |\n",
            file.display,
            ids.join(", ")
        ));
    }
    table
}

fn present(args: &ApplyArgs, results: &[(ApplyOutcome, Vec<String>)]) -> Exit {
    let several = results.len() > 1;
    for (outcome, lines) in results {
        if several {
            eprintln!("== {} ==", outcome.repo);
        }
        for line in lines {
            eprintln!("{line}");
        }
    }
    if args.migrate.json {
        let summaries: Vec<_> = results
            .iter()
            .map(|(o, _)| crate::present::json::versioned(o))
            .collect();
        super::print_line(format_args!(
            "{}",
            serde_json::to_string_pretty(&summaries).unwrap_or_default()
        ));
    }
    worst_exit(results.iter().map(|(o, _)| o))
}

/// The exit code for a set of outcomes: the worst of them.
pub(super) fn worst_exit<'a>(outcomes: impl Iterator<Item = &'a ApplyOutcome>) -> Exit {
    let exits = outcomes.map(|o| match o.status {
        ApplyStatus::Applied
        | ApplyStatus::NothingToDo
        | ApplyStatus::NoRules
        | ApplyStatus::NotRun => Exit::Clean,
        ApplyStatus::Partial | ApplyStatus::RolledBack => Exit::Attention,
        ApplyStatus::Refused | ApplyStatus::Failed => Exit::Error,
    });
    exits.fold(Exit::Clean, Exit::max_with)
}
