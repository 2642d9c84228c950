//! The write itself: the ledger entry recorded as applying, the files
//! written, the gate, then the phase marked applied (and committed) or undone.

use std::path::Path;

use super::git::Repo;
use super::ledger::{self, Entry, EntryState, FileRecord, Ledger};
use super::rollback::{release_backup, restore};
use super::{ApplyOutcome, ApplyStatus, PhasePlan, SafetyOptions, gate, phase_title, relative_to};
use crate::write;

/// Records the phase as applying, writes its files, then runs the gate and
/// either undoes the phase or marks it applied (and commits it).
pub(super) fn write_phase(
    root: &Path,
    repo: Option<&Repo>,
    plan: PhasePlan,
    records: Vec<FileRecord>,
    ledger: &mut Ledger,
    options: &SafetyOptions,
    mut outcome: ApplyOutcome,
) -> ApplyOutcome {
    // Recorded before the first write, so an interrupted run can be undone.
    let entry = applying_entry(root, repo, &plan, &records, outcome.tag.clone());
    ledger.entries.push(entry);
    if let Err(error) = ledger.save(root) {
        return outcome.refuse(error.to_string());
    }
    let planned: Vec<String> = records.iter().map(|r| r.path.clone()).collect();
    let baseline = gate::baseline(
        root,
        &gate_checkable(&plan, &records, &planned),
        &options.gate,
        plan.phase,
    );
    let written = write_files(&plan, &records, &mut outcome);
    let paths: Vec<String> = written.iter().map(|r| r.path.clone()).collect();
    let checkable = gate_checkable(&plan, &records, &paths);
    let gate = gate::run_gate(root, &checkable, &options.gate, &baseline);
    outcome.notices.extend(gate.notices);
    let entry = ledger.entries.last_mut().expect("pushed above");
    entry.files = written;
    let applied = match gate.failure {
        Some(failure) => {
            undo_phase(root, repo, &failure, entry, &mut outcome);
            false
        }
        None => {
            mark_applied(entry, &mut outcome);
            true
        }
    };
    if let Err(error) = ledger.save(root) {
        outcome.errors.push(error.to_string());
        outcome.status = ApplyStatus::Failed;
    } else if applied && options.commit && !paths.is_empty() {
        commit_phase(repo, &plan, &paths, &mut outcome);
    }
    outcome
}

/// The ledger entry of a phase about to be written.
fn applying_entry(
    root: &Path,
    repo: Option<&Repo>,
    plan: &PhasePlan,
    records: &[FileRecord],
    tag: Option<String>,
) -> Entry {
    Entry {
        phase: plan.phase,
        state: EntryState::Applying,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        rules_hash: plan.rules_hash.clone(),
        base_commit: repo.and_then(Repo::head),
        tag,
        started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        commit: None,
        files: records.to_vec(),
        edits: plan
            .edits
            .iter()
            .map(|(path, edit)| ledger::EditRecord {
                path: relative_to(root, path),
                ..edit.clone()
            })
            .collect(),
    }
}

/// Writes each planned file; returns the records of those written and
/// counts them (and their edits) in `outcome`.
fn write_files(
    plan: &PhasePlan,
    records: &[FileRecord],
    outcome: &mut ApplyOutcome,
) -> Vec<FileRecord> {
    let mut written = Vec::new();
    for (file, record) in plan.files.iter().zip(records) {
        let write = if file.created {
            write::create_file(&file.path, &file.after)
        } else {
            write::replace_file(&file.path, &file.before, &file.after)
        };
        match write {
            Ok(()) => {
                written.push(record.clone());
                outcome.edits += file.edits;
            }
            Err(refused) => outcome.errors.push(format!("{}: {refused}", record.path)),
        }
    }
    outcome.files_changed = written.len();
    written
}

/// The written files the gate can check.
fn gate_checkable(plan: &PhasePlan, records: &[FileRecord], written: &[String]) -> Vec<String> {
    // A file that was already broken cannot pass the gate; the engine made
    // sure the phase added no new error to it.
    plan.files
        .iter()
        .zip(records)
        .filter(|(file, record)| written.contains(&record.path) && parses_cleanly(&file.before))
        .map(|(_, record)| record.path.clone())
        .collect()
}

/// The gate failed: restore the written files and record the phase as undone.
fn undo_phase(
    root: &Path,
    repo: Option<&Repo>,
    failure: &str,
    entry: &mut Entry,
    outcome: &mut ApplyOutcome,
) {
    let restore_errors = restore(root, repo, &entry.files, true).errors;
    if restore_errors.is_empty() {
        outcome.errors.extend(release_backup(repo, entry.phase));
    }
    entry.state = EntryState::RolledBack;
    outcome.errors.push(format!(
        "verification failed, phase {} undone: {failure}",
        entry.phase
    ));
    outcome.errors.extend(restore_errors);
    outcome.status = ApplyStatus::RolledBack;
    outcome.files_changed = 0;
    outcome.edits = 0;
}

fn mark_applied(entry: &mut Entry, outcome: &mut ApplyOutcome) {
    entry.state = EntryState::Applied;
    outcome.status = if outcome.errors.is_empty() {
        ApplyStatus::Applied
    } else {
        ApplyStatus::Partial
    };
}

/// Commits the phase's files with the ledger that records the phase as
/// applied, so teammates see the migration state (and `git revert` undoes
/// both). The ledger cannot name the commit that holds it: its `commit`
/// stays empty; the phase's commit is the one that added its entry.
fn commit_phase(
    repo: Option<&Repo>,
    plan: &PhasePlan,
    paths: &[String],
    outcome: &mut ApplyOutcome,
) {
    let Some(repo) = repo else {
        outcome
            .notices
            .push("--commit needs git; nothing committed".into());
        return;
    };
    let message = format!(
        "txo-codemod: phase {} — {}\n\n{}",
        plan.phase,
        phase_title(plan.phase),
        plan.change_table
    );
    let mut paths = paths.to_vec();
    paths.push(format!("{}/ledger.json", ledger::STATE_DIR));
    if let Err(error) = repo.commit(&paths, &message) {
        outcome.errors.push(error.to_string());
    }
}

fn parses_cleanly(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    gate::python_problem(text.trim_start_matches('\u{feff}')).is_none()
}
