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
use crate::rules::Rule;
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
    let selected = select_rules(
        &set.for_phase(migrate.phase),
        &migrate.rule_ids,
        migrate.phase,
    )
    .and_then(|rules| {
        all_paths(&migrate.paths, migrate.repos_from.as_deref()).map(|paths| (rules, paths))
    });
    let (rules, paths) = match selected {
        Ok(found) => found,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::Error;
        }
    };
    if rules.is_empty() {
        println!("phase {} has no rules yet: nothing to do", migrate.phase);
        return Exit::Clean;
    }
    let mut phases_with_rules: Vec<u8> = set.rules.iter().map(|r| r.phase).collect();
    phases_with_rules.dedup();
    let safety = safety_options(args);
    let groups = group_by_repository(&paths, args.no_git);
    let results: Vec<(ApplyOutcome, Vec<String>)> = groups
        .par_iter()
        .map(|(root, paths)| apply_group(args, &rules, &phases_with_rules, &safety, root, paths))
        .collect();
    present(args, &results)
}

fn safety_options(args: &ApplyArgs) -> SafetyOptions {
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
fn group_by_repository(paths: &[PathBuf], no_git: bool) -> BTreeMap<PathBuf, Vec<PathBuf>> {
    let mut groups: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for path in paths {
        let (root, _) = safety::state_root(path, no_git);
        let key = root.canonicalize().unwrap_or(root);
        groups.entry(key).or_default().push(path.clone());
    }
    groups
}

fn apply_group(
    args: &ApplyArgs,
    rules: &[&Rule],
    phases_with_rules: &[u8],
    safety: &SafetyOptions,
    root: &Path,
    paths: &[PathBuf],
) -> (ApplyOutcome, Vec<String>) {
    let phase = args.migrate.phase;
    let result = match run::run(rules, &run_options(&args.migrate, paths)) {
        Ok(result) => result,
        Err(error) => {
            let mut outcome = ApplyOutcome::new(root, phase);
            outcome.status = ApplyStatus::Failed;
            outcome
                .errors
                .push(format!("{:?}", miette::Report::new(error)));
            return (outcome, Vec::new());
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
        let summaries: Vec<&ApplyOutcome> = results.iter().map(|(o, _)| o).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&summaries).unwrap_or_default()
        );
    }
    let worst = results.iter().map(|(o, _)| match o.status {
        ApplyStatus::Applied | ApplyStatus::NothingToDo => Exit::Clean,
        ApplyStatus::Partial | ApplyStatus::RolledBack => Exit::Attention,
        ApplyStatus::Refused | ApplyStatus::Failed => Exit::Error,
    });
    worst.max_by_key(|e| *e as i32).unwrap_or(Exit::Clean)
}
