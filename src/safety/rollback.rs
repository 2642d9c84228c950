//! Undoing phases: one phase (`rollback --phase`), every phase since a tag
//! (`rollback --to`), or a phase whose gate failed; files get their saved
//! pre-phase bytes back, created files are removed.

use std::path::{Path, PathBuf};

use super::git::Repo;
use super::ledger::{self, EntryState, FileNow, FileRecord, Ledger, file_now, sha256};
use super::prepare::backup_ref;
use super::{lock, state_root};
use crate::write;

/// The phase is undone: its saved bytes need not be kept any more.
pub(super) fn release_backup(repo: Option<&Repo>, phase: u8) -> Option<String> {
    let error = repo?.drop_ref(&backup_ref(phase)).err()?;
    Some(format!("cannot remove {}: {error}", backup_ref(phase)))
}

/// The pre-phase bytes of a recorded file.
pub(crate) fn before_bytes(
    root: &Path,
    repo: Option<&Repo>,
    record: &FileRecord,
) -> Result<Vec<u8>, String> {
    // SHA-1 or SHA-256 object ids; a backup path always has a `/`.
    let looks_like_blob = matches!(record.backup.len(), 40 | 64)
        && record.backup.chars().all(|c| c.is_ascii_hexdigit());
    let bytes = match repo.filter(|_| looks_like_blob) {
        Some(repo) => repo.read_blob(&record.backup).map_err(|e| e.to_string())?,
        None => std::fs::read(root.join(&record.backup))
            .map_err(|e| format!("backup {} unreadable: {e}", record.backup))?,
    };
    if sha256(&bytes) != record.before {
        return Err(format!(
            "{}: the saved copy does not match the ledger",
            record.path
        ));
    }
    Ok(bytes)
}

/// Restores recorded files to their pre-phase bytes; with `force`, also
/// files edited since. Files already at their old bytes are left alone.
pub(super) fn restore(
    root: &Path,
    repo: Option<&Repo>,
    records: &[FileRecord],
    force: bool,
) -> Restored {
    let mut done = Restored::default();
    // An interrupted write leaves its temporary file beside the file.
    let dirs: std::collections::BTreeSet<PathBuf> = records
        .iter()
        .filter(|r| ledger::check_record_path(&r.path).is_ok())
        .filter_map(|r| root.join(&r.path).parent().map(Path::to_path_buf))
        .collect();
    for dir in dirs {
        write::remove_leftover_temps(&dir);
    }
    for record in records {
        let now = file_now(root, record);
        if now == FileNow::Before || (now == FileNow::Edited && !force) {
            continue;
        }
        if record.created {
            match remove_created(root, record, now) {
                Ok(()) => done.restored.push(record.path.clone()),
                Err(error) => done.errors.push(format!("{}: {error}", record.path)),
            }
            continue;
        }
        match restore_one(root, repo, record) {
            Ok(()) => done.restored.push(record.path.clone()),
            Err(error) => done.errors.push(format!("{}: {error}", record.path)),
        }
    }
    done
}

/// Undoes the creation of a file: removes it (and the directories the
/// phase made for it, when they are left empty).
fn remove_created(root: &Path, record: &FileRecord, now: FileNow) -> Result<(), String> {
    ledger::check_record_path(&record.path)?;
    if now == FileNow::Missing {
        return Ok(());
    }
    let path = root.join(&record.path);
    std::fs::remove_file(&path).map_err(|e| format!("cannot remove: {e}"))?;
    let mut dir = path.parent();
    while let Some(parent) = dir.filter(|d| *d != root) {
        // Fails, and stops, at the first directory that is not empty.
        if std::fs::remove_dir(parent).is_err() {
            break;
        }
        dir = parent.parent();
    }
    Ok(())
}

/// The outcome of a rollback, for the user.
#[derive(Debug, Default)]
pub(super) struct Restored {
    pub(super) restored: Vec<String>,
    pub(super) errors: Vec<String>,
}

fn restore_one(root: &Path, repo: Option<&Repo>, record: &FileRecord) -> Result<(), String> {
    ledger::check_record_path(&record.path)?;
    let bytes = before_bytes(root, repo, record)?;
    let path = root.join(&record.path);
    let deleted = !path.exists();
    write::write_atomic(&path, &bytes).map_err(|e| e.to_string())?;
    match record.mode {
        // A new file gets the temporary file's 0600: give back the old mode.
        Some(mode) if deleted => write::set_unix_mode(&path, mode).map_err(|e| e.to_string()),
        _ => Ok(()),
    }
}

/// The outcome of a rollback, for the user (and `rollback --json`).
#[derive(Debug, Default, serde::Serialize)]
pub struct RollbackReport {
    /// Files given their pre-phase bytes back.
    pub restored: Vec<String>,
    /// Files already holding their pre-phase bytes.
    pub unchanged: Vec<String>,
    /// Files edited by hand since the phase, left alone without `--force`
    /// (and then nothing at all is rolled back).
    pub conflicts: Vec<String>,
    /// Files that could not be restored, with why.
    pub errors: Vec<String>,
}

impl RollbackReport {
    /// Conflicts or invalid paths stop a rollback before anything is written.
    fn checked(root: &Path, records: &[FileRecord], force: bool) -> Result<Self, String> {
        let mut report = RollbackReport::default();
        for record in records {
            ledger::check_record_path(&record.path)?;
            match file_now(root, record) {
                FileNow::Edited if !force => report.conflicts.push(record.path.clone()),
                FileNow::Before => report.unchanged.push(record.path.clone()),
                _ => {}
            }
        }
        Ok(report)
    }

    /// How many files the rollback had to restore.
    pub fn to_restore(&self) -> usize {
        self.restored.len() + self.errors.len()
    }
}

/// Undoes one phase: its files get their pre-phase bytes back.
pub fn rollback_phase(
    path: &Path,
    phase: u8,
    force: bool,
    no_git: bool,
) -> Result<RollbackReport, String> {
    let (root, repo) = state_root(path, no_git);
    let _lock = lock::LedgerLock::acquire(&root)?;
    let mut ledger = Ledger::load(&root).map_err(|e| e.to_string())?;
    refuse_later_phases(&ledger, phase)?;
    let entry = ledger.active_mut(phase).ok_or(format!(
        "phase {phase} is not applied (see `txo-codemod status`)"
    ))?;
    let mut report = RollbackReport::checked(&root, &entry.files, force)?;
    if !report.conflicts.is_empty() {
        return Ok(report);
    }
    let done = restore(&root, repo.as_ref(), &entry.files, force);
    (report.restored, report.errors) = (done.restored, done.errors);
    if report.errors.is_empty() {
        entry.state = EntryState::RolledBack;
        report.errors.extend(release_backup(repo.as_ref(), phase));
    }
    ledger.save(&root).map_err(|e| e.to_string())?;
    Ok(report)
}

/// Phases are undone in reverse order: later applied phases come first.
fn refuse_later_phases(ledger: &Ledger, phase: u8) -> Result<(), String> {
    let later = ledger.later_active(phase);
    if later.is_empty() {
        return Ok(());
    }
    let order: Vec<String> = later
        .iter()
        .rev()
        .map(|p| format!("`rollback --phase {p}`"))
        .collect();
    let verb = if later.len() == 1 { "was" } else { "were" };
    Err(format!(
        "{} {verb} applied after phase {phase}; undo {} first: {}",
        crate::present::phase_list(&later),
        if later.len() == 1 { "it" } else { "them" },
        order.join(", then ")
    ))
}

/// Undoes every phase recorded since `tag` was set: each file gets back the
/// bytes saved before the first of those phases touched it (so uncommitted
/// work saved by `--allow-dirty` comes back too).
pub fn rollback_to(path: &Path, tag: &str, force: bool) -> Result<RollbackReport, String> {
    let (root, repo) = state_root(path, false);
    let repo = repo.ok_or("--to needs a git repository")?;
    repo.tag_target(tag).ok_or(format!("no tag {tag}"))?;
    let _lock = lock::LedgerLock::acquire(&root)?;
    let mut ledger = Ledger::load(&root).map_err(|e| e.to_string())?;
    let active = active_since_tag(&ledger, tag)?;
    let records = span_records(&ledger, &active);
    let mut report = RollbackReport::checked(&root, &records, force)?;
    if !report.conflicts.is_empty() {
        return Ok(report);
    }
    let done = restore(&root, Some(&repo), &records, force);
    (report.restored, report.errors) = (done.restored, done.errors);
    if report.errors.is_empty() {
        for index in active {
            let entry = &mut ledger.entries[index];
            entry.state = EntryState::RolledBack;
            report
                .errors
                .extend(release_backup(Some(&repo), entry.phase));
        }
    }
    ledger.save(&root).map_err(|e| e.to_string())?;
    Ok(report)
}

/// Indexes of the entries not rolled back, from the first one tagged `tag`
/// (v2.1.0 is the tag of the starting point, before any phase).
fn active_since_tag(ledger: &Ledger, tag: &str) -> Result<Vec<usize>, String> {
    let first = ledger
        .entries
        .iter()
        .position(|e| {
            e.state != EntryState::RolledBack && (e.tag.as_deref() == Some(tag) || tag == "v2.1.0")
        })
        .ok_or(format!("no applied phase was tagged {tag}"))?;
    Ok((first..ledger.entries.len())
        .filter(|i| ledger.entries[*i].state != EntryState::RolledBack)
        .collect())
}

/// One record per file over several phases, sorted by path: the bytes saved
/// before the earliest phase that touched it, the hash after the latest.
fn span_records(ledger: &Ledger, entries: &[usize]) -> Vec<FileRecord> {
    let mut span: std::collections::BTreeMap<String, FileRecord> = Default::default();
    for record in entries.iter().flat_map(|i| &ledger.entries[*i].files) {
        span.entry(record.path.clone())
            .and_modify(|earliest| earliest.after = record.after.clone())
            .or_insert_with(|| record.clone());
    }
    span.into_values().collect()
}
