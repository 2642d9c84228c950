//! Everything that must happen before a phase writes: files behind links
//! dropped, refusals (already recorded, out of order, dirty), the rollback
//! tag and the saved pre-phase bytes (git blobs, or a backup directory).

use std::path::{Path, PathBuf};

use super::git::Repo;
use super::ledger::{self, EntryState, FileNow, FileRecord, Ledger, file_now, sha256};
use super::{ApplyOutcome, PhasePlan, PlannedFile, SafetyOptions, relative_to};
use crate::write;

/// A symbolic link is never replaced by a file, and nothing outside the root
/// is written or backed up: such files are left alone, each named.
pub(super) fn drop_files_behind_links(
    root: &Path,
    plan: &mut PhasePlan,
    outcome: &mut ApplyOutcome,
) {
    plan.files.retain(|file| {
        let problem = if through_link(&file.path) {
            Some("is (or lies under) a symbolic link; name its target to migrate it")
        } else if ledger::check_record_path(&relative_to(root, &file.path)).is_err() {
            Some("lies outside the repository (through a symbolic link)")
        } else {
            None
        };
        if let Some(problem) = problem {
            let shown = crate::source::display_path(&file.path);
            outcome
                .errors
                .push(format!("{shown} {problem}; left untouched"));
        }
        problem.is_none()
    });
}

/// Whether `path` is a symbolic link or, for a relative path, any directory
/// on the way to it is (the walk never follows links, so links only come
/// from paths given on the command line).
fn through_link(path: &Path) -> bool {
    let is_link = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
    if path.is_absolute() {
        return is_link(path);
    }
    let mut prefix = PathBuf::new();
    path.components().any(|component| {
        prefix.push(component);
        matches!(component, std::path::Component::Normal(_)) && is_link(&prefix)
    })
}

/// Why the phase cannot be applied again, if the ledger already holds it.
pub(super) fn already_recorded(ledger: &Ledger, phase: u8) -> Option<String> {
    let active = ledger.active(phase)?;
    let hint = match active.state {
        EntryState::Applying => {
            "an earlier run was interrupted; run `txo-codemod status`, then `txo-codemod rollback --phase N`"
        }
        _ => "roll it back first to apply it again",
    };
    Some(
        format!("phase {phase} is already recorded in the ledger ({hint})")
            .replace(" N`", &format!(" {phase}`")),
    )
}

/// Earlier phases with rules should be applied first: a warning, or with
/// `--strict` a refusal.
pub(super) fn check_phase_order(
    plan: &PhasePlan,
    ledger: &Ledger,
    strict: bool,
    outcome: &mut ApplyOutcome,
) -> Result<(), String> {
    let missing: Vec<u8> = plan
        .phases_with_rules
        .iter()
        .copied()
        .filter(|p| *p < plan.phase && ledger.active(*p).is_none())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let message = format!(
        "phase {} is applied before {}, which the plan orders first",
        plan.phase,
        crate::present::phase_list(&missing)
    );
    if strict {
        return Err(format!("{message} (--strict)"));
    }
    outcome.notices.push(format!("warning: {message}"));
    Ok(())
}

/// Refusals, tags and backups: everything that must happen before a write.
pub(super) fn prepare(
    root: &Path,
    repo: Option<&Repo>,
    plan: &PhasePlan,
    ledger: &Ledger,
    options: &SafetyOptions,
    outcome: &mut ApplyOutcome,
) -> Result<Vec<FileRecord>, String> {
    let relatives: Vec<String> = plan
        .files
        .iter()
        .map(|f| relative_to(root, &f.path))
        .collect();
    let Some(repo) = repo else {
        return backup_files(root, plan, &relatives, options);
    };
    refuse_dirty(repo, &relatives, ledger, options.allow_dirty)?;
    let head = repo
        .head()
        .ok_or("the repository has no commit to tag; commit first")?;
    outcome.tag = Some(set_rollback_tag(repo, &head, plan.phase, options)?);
    if ledger.entries.is_empty() {
        tag_starting_point(repo, &head, outcome)?;
    }
    let records: Vec<FileRecord> = plan
        .files
        .iter()
        .zip(relatives)
        .map(|(file, path)| {
            let backup = repo.store_blob(&file.before).map_err(|e| e.to_string())?;
            Ok(file_record(file, path, backup))
        })
        .collect::<Result<_, String>>()?;
    let blobs: Vec<String> = records.iter().map(|r| r.backup.clone()).collect();
    repo.keep_blobs(&backup_ref(plan.phase), &blobs)
        .map_err(|e| format!("cannot keep the pre-phase bytes: {e}"))?;
    Ok(records)
}

/// The ref that keeps a phase's saved bytes reachable until it is rolled back.
pub fn backup_ref(phase: u8) -> String {
    format!("refs/txo-codemod/backup/phase-{phase}")
}

/// Uncommitted changes in a file the phase rewrites would be lost on rollback.
/// A file that holds exactly what an applied phase wrote is not a change of
/// the user's (phase 2 after an uncommitted phase 1, as `--through` runs).
fn refuse_dirty(
    repo: &Repo,
    relatives: &[String],
    ledger: &Ledger,
    allow_dirty: bool,
) -> Result<(), String> {
    let mut dirty = repo.dirty(relatives).map_err(|e| e.to_string())?;
    dirty.retain(|path| {
        !ledger
            .latest_record(path)
            .is_some_and(|record| file_now(&repo.root, record) == FileNow::After)
    });
    if !dirty.is_empty() && !allow_dirty {
        return Err(format!(
            "uncommitted changes in files this phase would change: {}; commit or stash them, or pass --allow-dirty",
            dirty.join(", ")
        ));
    }
    Ok(())
}

/// Points the phase's rollback tag at `head`; returns the tag's name.
fn set_rollback_tag(
    repo: &Repo,
    head: &str,
    phase: u8,
    options: &SafetyOptions,
) -> Result<String, String> {
    let tag = options
        .tag
        .clone()
        .unwrap_or_else(|| format!("txo-codemod/pre-phase-{phase}"));
    if repo.names_other_ref(&tag) {
        return Err(format!(
            "tag name {tag} is also HEAD or a branch, so it would be ambiguous; choose another with --tag NAME"
        ));
    }
    match repo.tag_target(&tag) {
        Some(target) if target != head && !options.force_tag => {
            return Err(format!(
                "tag {tag} already exists at {}; pass --force-tag to move it, or --tag NAME",
                &target[..target.len().min(12)]
            ));
        }
        Some(target) if target == head => {}
        existing => repo
            .create_tag(&tag, head, existing.is_some())
            .map_err(|e| e.to_string())?,
    }
    Ok(tag)
}

/// Before the first phase, tags `head` as v2.1.0, the plan's rollback tag,
/// unless that tag exists.
fn tag_starting_point(repo: &Repo, head: &str, outcome: &mut ApplyOutcome) -> Result<(), String> {
    if repo.tag_target("v2.1.0").is_some() {
        return Ok(());
    }
    repo.create_tag("v2.1.0", head, false)
        .map_err(|e| e.to_string())?;
    outcome
        .notices
        .push("tagged the starting point v2.1.0 (the plan's rollback tag)".into());
    Ok(())
}

fn file_record(file: &PlannedFile, path: String, backup: String) -> FileRecord {
    FileRecord {
        path,
        before: sha256(&file.before),
        after: sha256(&file.after),
        backup,
        created: file.created,
        mode: write::unix_mode(&file.path),
    }
}

/// Without git: copy every file the phase touches into the backup directory.
fn backup_files(
    root: &Path,
    plan: &PhasePlan,
    relatives: &[String],
    options: &SafetyOptions,
) -> Result<Vec<FileRecord>, String> {
    let dir = match &options.backup_dir {
        Some(dir) => dir.join(format!("phase-{}", plan.phase)),
        None => root
            .join(ledger::STATE_DIR)
            .join("backup")
            .join(format!("phase-{}", plan.phase)),
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    // Marks the directory so the walker never migrates the backups.
    std::fs::write(
        dir.join(crate::walk::BACKUP_MARKER),
        "txo-codemod backup; restored by `txo-codemod rollback`\n",
    )
    .map_err(|e| e.to_string())?;
    plan.files
        .iter()
        .zip(relatives)
        .map(|(file, path)| {
            let target = dir.join(path);
            std::fs::create_dir_all(target.parent().unwrap_or(&dir)).map_err(|e| e.to_string())?;
            write::write_atomic(&target, &file.before)
                .map_err(|e| format!("cannot back up {path}: {e}"))?;
            Ok(file_record(file, path.clone(), relative_to(root, &target)))
        })
        .collect()
}
