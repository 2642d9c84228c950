//! Safe, reversible phases: before anything is written, refuse a dirty tree,
//! set a rollback tag (or back files up without git), and record the phase in
//! the ledger; after writing, run the verification gate and undo the phase if
//! it fails. `status` and `rollback` read the same ledger.

pub mod gate;
pub mod git;
pub mod ledger;
pub mod lock;
pub mod python;

use std::path::{Path, PathBuf};

use gate::GateOptions;
use git::Repo;
use ledger::{Entry, EntryState, FileNow, FileRecord, Ledger, file_now, sha256};

use crate::write;

/// The plan's phase titles, used in tags, commits and `status`.
pub fn phase_title(phase: u8) -> &'static str {
    match phase {
        0 => "Complete configuration files (config-audit)",
        1 => "Eliminate soft-fail configuration access",
        2 => "Remove sys.exit() from library code",
        3 => "Eliminate global mutable state",
        4 => "Split complex methods",
        5 => "Fix memory issues",
        6 => "Introduce new patterns",
        _ => "unknown phase",
    }
}

#[derive(Debug, Clone, Default)]
pub struct SafetyOptions {
    pub allow_dirty: bool,
    pub tag: Option<String>,
    pub force_tag: bool,
    pub no_git: bool,
    pub backup_dir: Option<PathBuf>,
    pub strict: bool,
    pub commit: bool,
    pub gate: GateOptions,
}

/// One file the phase will change.
#[derive(Debug, Clone)]
pub struct PlannedFile {
    pub path: PathBuf,
    pub before: Vec<u8>,
    pub after: Vec<u8>,
    pub edits: usize,
    /// A file the phase creates (`before` is empty).
    pub created: bool,
}

/// What is known about the change being applied.
pub struct PhasePlan<'a> {
    pub phase: u8,
    pub rules_hash: String,
    /// Phases that have rules, for the order check.
    pub phases_with_rules: &'a [u8],
    pub files: Vec<PlannedFile>,
    /// A change table for the commit message.
    pub change_table: String,
    /// The edits, for the ledger (paths relative to the file's own display path).
    pub edits: Vec<(PathBuf, ledger::EditRecord)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApplyStatus {
    Applied,
    NothingToDo,
    Refused,
    /// Some files could not be written; the others were.
    Partial,
    /// The gate failed and the phase was undone.
    RolledBack,
    Failed,
    /// `apply --through`: the phase has no rules yet (nothing recorded).
    NoRules,
    /// `apply --through`: not attempted, an earlier phase did not apply.
    NotRun,
}

/// The result for one repository (the `--json` summary of bulk runs).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApplyOutcome {
    pub repo: String,
    pub phase: u8,
    pub status: ApplyStatus,
    pub files_changed: usize,
    pub edits: usize,
    pub tag: Option<String>,
    pub errors: Vec<String>,
    #[serde(skip)]
    pub notices: Vec<String>,
}

/// Where the migration's state lives: the git work tree, or (with
/// `--no-git`) the project directory.
pub fn state_root(path: &Path, no_git: bool) -> (PathBuf, Option<Repo>) {
    match Repo::discover(path).filter(|_| !no_git) {
        Some(repo) => (repo.root.clone(), Some(repo)),
        None => (
            crate::project::Project::discover(path)
                .map(|p| p.root)
                .unwrap_or_else(|_| path.to_path_buf()),
            None,
        ),
    }
}

fn relative_to(root: &Path, path: &Path) -> String {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let absolute = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    crate::source::display_path(absolute.strip_prefix(&root).unwrap_or(&absolute))
}

impl ApplyOutcome {
    pub fn new(root: &Path, phase: u8) -> Self {
        ApplyOutcome {
            repo: crate::source::display_path(root),
            phase,
            status: ApplyStatus::NothingToDo,
            files_changed: 0,
            edits: 0,
            tag: None,
            errors: Vec::new(),
            notices: Vec::new(),
        }
    }

    fn refuse(mut self, message: impl Into<String>) -> Self {
        self.status = ApplyStatus::Refused;
        self.errors.push(message.into());
        self
    }
}

/// Applies a planned phase to the repository (or project) at `path`.
pub fn apply_phase(path: &Path, mut plan: PhasePlan, options: &SafetyOptions) -> ApplyOutcome {
    let (root, repo) = state_root(path, options.no_git);
    let mut outcome = ApplyOutcome::new(&root, plan.phase);
    if repo.is_none() && !options.no_git {
        if !git::available() {
            return outcome.refuse("git is not installed or not on PATH: txo-codemod needs git to set a rollback tag; install it, or pass --no-git to back files up instead");
        }
        if let Some(problem) = git::broken_repository(path) {
            return outcome.refuse(format!("git cannot read the repository at {problem}; repair it (or its permissions) before migrating"));
        }
        return outcome.refuse("not a git repository: txo-codemod needs git to set a rollback tag; pass --no-git to back files up instead");
    }
    drop_files_behind_links(&root, &mut plan, &mut outcome);
    if plan.files.is_empty() && !outcome.errors.is_empty() {
        outcome.status = ApplyStatus::Refused;
        return outcome;
    }
    // Held until the phase is written, verified and recorded.
    let _lock = match lock::LedgerLock::acquire(&root) {
        Ok(lock) => lock,
        Err(error) => return outcome.refuse(error),
    };
    let mut ledger = match Ledger::load(&root) {
        Ok(ledger) => ledger,
        Err(error) => return outcome.refuse(error.to_string()),
    };
    if let Some(refusal) = already_recorded(&ledger, plan.phase) {
        return outcome.refuse(refusal);
    }
    if plan.files.is_empty() {
        return outcome;
    }
    if let Err(refusal) = check_phase_order(&plan, &ledger, options.strict, &mut outcome) {
        return outcome.refuse(refusal);
    }
    let records = match prepare(&root, repo.as_ref(), &plan, &ledger, options, &mut outcome) {
        Ok(records) => records,
        Err(message) => return outcome.refuse(message),
    };
    write_phase(
        &root,
        repo.as_ref(),
        plan,
        records,
        &mut ledger,
        options,
        outcome,
    )
}

/// A symbolic link is never replaced by a file, and nothing outside the root
/// is written or backed up: such files are left alone, each named.
fn drop_files_behind_links(root: &Path, plan: &mut PhasePlan, outcome: &mut ApplyOutcome) {
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
fn already_recorded(ledger: &Ledger, phase: u8) -> Option<String> {
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
fn check_phase_order(
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
fn prepare(
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

/// The phase is undone: its saved bytes need not be kept any more.
fn release_backup(repo: Option<&Repo>, phase: u8) -> Option<String> {
    let error = repo?.drop_ref(&backup_ref(phase)).err()?;
    Some(format!("cannot remove {}: {error}", backup_ref(phase)))
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

/// Records the phase as applying, writes its files, then runs the gate and
/// either undoes the phase or marks it applied (and commits it).
fn write_phase(
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
fn restore(root: &Path, repo: Option<&Repo>, records: &[FileRecord], force: bool) -> Restored {
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
struct Restored {
    restored: Vec<String>,
    errors: Vec<String>,
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

/// One phase as `status` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PhaseStatus {
    pub phase: u8,
    pub title: &'static str,
    pub state: String,
    pub tag: Option<String>,
    pub files: usize,
    /// Files changed by hand since the phase.
    pub edited: Vec<String>,
}

pub fn status(path: &Path, no_git: bool) -> Result<(String, Vec<PhaseStatus>), String> {
    let (root, _) = state_root(path, no_git);
    let ledger = Ledger::load(&root).map_err(|e| e.to_string())?;
    // Phase 0 (configuration files completed by `config-audit
    // --fix-configs`) is shown once it is in the ledger.
    let first = u8::from(!ledger.entries.iter().any(|e| e.phase == 0));
    let phases = (first..=6)
        .map(|phase| match ledger.active(phase) {
            Some(entry) => active_status(&root, &ledger, entry),
            None => inactive_status(&ledger, phase),
        })
        .collect();
    Ok((crate::source::display_path(&root), phases))
}

fn inactive_status(ledger: &Ledger, phase: u8) -> PhaseStatus {
    let rolled_back = ledger.entries.iter().any(|e| e.phase == phase);
    let state = if rolled_back {
        "rolled back"
    } else {
        "not applied"
    };
    PhaseStatus {
        phase,
        title: phase_title(phase),
        state: state.into(),
        tag: None,
        files: 0,
        edited: Vec::new(),
    }
}

fn active_status(root: &Path, ledger: &Ledger, entry: &Entry) -> PhaseStatus {
    let nows: Vec<FileNow> = entry
        .files
        .iter()
        .map(|r| ledger.file_since(root, entry, r))
        .collect();
    let edited = entry
        .files
        .iter()
        .zip(&nows)
        .filter(|(_, n)| matches!(n, FileNow::Edited | FileNow::Missing))
        .map(|(r, _)| r.path.clone())
        .collect();
    PhaseStatus {
        phase: entry.phase,
        title: phase_title(entry.phase),
        state: active_state(entry, &nows),
        tag: entry.tag.clone(),
        files: entry.files.len(),
        edited,
    }
}

/// How a recorded phase stands, given what its files hold now.
fn active_state(entry: &Entry, nows: &[FileNow]) -> String {
    let reverted = nows.iter().filter(|n| **n == FileNow::Before).count();
    match entry.state {
        EntryState::Applying => "interrupted: run `txo-codemod rollback --phase N`"
            .replace('N', &entry.phase.to_string()),
        _ if reverted > 0 && reverted < nows.len() => "partially applied".into(),
        _ if reverted > 0 => "applied, but its files are back to their old content".into(),
        _ => "applied".into(),
    }
}
