//! `apply --through N`: on each repository, every phase after the last
//! applied one up to N, in order (repositories in parallel, phases in
//! sequence). Each phase goes through the same safety layer as `apply
//! --phase` (its own tag, ledger entry, gate and commit); a repository stops
//! at its first phase that does not apply cleanly, keeping the earlier ones.
//! A phase without rules is reported and not recorded, so a later run applies
//! it once it has rules.

use std::path::PathBuf;

use rayon::prelude::*;

use super::apply::{
    PhaseTarget, apply_group, group_by_repository, phases_with_rules, safety_options, worst_exit,
};
use crate::cli::ApplyArgs;
use crate::commands::Exit;
use crate::rules::RuleSet;
use crate::safety::ledger::{EntryState, Ledger};
use crate::safety::{self, ApplyOutcome, ApplyStatus, SafetyOptions, phase_title};

/// One phase on one repository: its outcome and the lines it printed.
type PhaseRun = (ApplyOutcome, Vec<String>);

pub fn execute(args: &ApplyArgs, set: &RuleSet, paths: &[PathBuf], through: u8) -> Exit {
    let phases_with_rules = phases_with_rules(set);
    let safety = safety_options(args);
    let groups = group_by_repository(paths, args.no_git);
    let repositories: Vec<Vec<PhaseRun>> = groups
        .par_iter()
        .map(|(root, paths)| {
            let target = PhaseTarget { root, paths };
            run_repository(args, set, &phases_with_rules, &safety, target, through)
        })
        .collect();
    let several = repositories.len() > 1;
    for (runs, (root, _)) in repositories.iter().zip(&groups) {
        if several {
            eprintln!("== {} ==", crate::source::display_path(root));
        }
        for line in repository_lines(runs, through) {
            eprintln!("{line}");
        }
    }
    let outcomes: Vec<&ApplyOutcome> = repositories.iter().flatten().map(|(o, _)| o).collect();
    if args.migrate.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&outcomes).unwrap_or_default()
        );
    }
    worst_exit(outcomes.into_iter())
}

fn run_repository(
    args: &ApplyArgs,
    set: &RuleSet,
    phases_with_rules: &[u8],
    safety: &SafetyOptions,
    target: PhaseTarget,
    through: u8,
) -> Vec<PhaseRun> {
    let first = match first_phase(target, args.no_git) {
        Ok(first) => first,
        Err(message) => {
            return vec![(
                outcome(target, through, ApplyStatus::Refused, &message),
                Vec::new(),
            )];
        }
    };
    let mut runs: Vec<PhaseRun> = Vec::new();
    let mut stopped = false;
    for phase in first..=through {
        let rules = set.for_phase(phase);
        let run = if stopped {
            let why = "an earlier phase did not apply";
            (outcome(target, phase, ApplyStatus::NotRun, why), Vec::new())
        } else if rules.is_empty() {
            (outcome(target, phase, ApplyStatus::NoRules, ""), Vec::new())
        } else {
            apply_group(args, phase, &rules, phases_with_rules, safety, target)
        };
        stopped = !matches!(
            run.0.status,
            ApplyStatus::Applied | ApplyStatus::NothingToDo | ApplyStatus::NoRules
        );
        runs.push(run);
    }
    runs
}

/// The phase after the last one the ledger holds as applied; refused while
/// a phase is interrupted.
fn first_phase(target: PhaseTarget, no_git: bool) -> Result<u8, String> {
    let start = target.paths.first().map_or(target.root, |p| p.as_path());
    let (root, _) = safety::state_root(start, no_git);
    let ledger = Ledger::load(&root).map_err(|e| e.to_string())?;
    let active: Vec<u8> = (1..=6).filter(|p| ledger.active(*p).is_some()).collect();
    if let Some(phase) = active.iter().find(|p| {
        ledger
            .active(**p)
            .is_some_and(|e| e.state == EntryState::Applying)
    }) {
        return Err(format!(
            "phase {phase} was interrupted; run `txo-codemod rollback --phase {phase}` first"
        ));
    }
    Ok(active.last().map_or(1, |last| last + 1))
}

fn outcome(target: PhaseTarget, phase: u8, status: ApplyStatus, error: &str) -> ApplyOutcome {
    let mut outcome = ApplyOutcome::new(target.root, phase);
    outcome.status = status;
    if !error.is_empty() {
        outcome.errors.push(error.to_string());
    }
    outcome
}

/// Each phase's own output under a heading, then one summary line per phase.
fn repository_lines(runs: &[PhaseRun], through: u8) -> Vec<String> {
    let mut lines = Vec::new();
    for (outcome, phase_lines) in runs.iter().filter(|(_, l)| !l.is_empty()) {
        lines.push(format!(
            "-- phase {}: {} --",
            outcome.phase,
            phase_title(outcome.phase)
        ));
        lines.extend(phase_lines.iter().cloned());
    }
    if runs.is_empty() {
        lines.push(format!(
            "nothing to do: every phase up to {through} is already applied"
        ));
        return lines;
    }
    lines.push(format!("summary, phases {}-{through}:", runs[0].0.phase));
    lines.extend(runs.iter().map(|(o, _)| summary_line(o)));
    lines
}

fn summary_line(outcome: &ApplyOutcome) -> String {
    let what = match outcome.status {
        ApplyStatus::Applied | ApplyStatus::Partial => {
            let partial = if outcome.status == ApplyStatus::Partial {
                " (some files not written)"
            } else {
                ""
            };
            let tag = outcome
                .tag
                .as_deref()
                .map(|t| format!(", tag {t}"))
                .unwrap_or_default();
            format!(
                "applied{partial}: {} edits in {} files{tag}",
                outcome.edits, outcome.files_changed
            )
        }
        ApplyStatus::NothingToDo => "nothing to change".into(),
        ApplyStatus::NoRules => "no rules yet: nothing to do, not recorded".into(),
        ApplyStatus::RolledBack => "verification failed: undone, stopped here".into(),
        ApplyStatus::Refused => format!("refused: {}", first_error(outcome)),
        ApplyStatus::Failed => format!("failed: {}", first_error(outcome)),
        ApplyStatus::NotRun => "not run: an earlier phase did not apply".into(),
    };
    format!(
        "  phase {}  {:<42} {what}",
        outcome.phase,
        phase_title(outcome.phase)
    )
}

fn first_error(outcome: &ApplyOutcome) -> &str {
    outcome.errors.first().map_or("", String::as_str)
}
