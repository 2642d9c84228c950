//! Safe, reversible phases: before anything is written, refuse a dirty tree,
//! set a rollback tag (or back files up without git), and record the phase in
//! the ledger; after writing, run the verification gate and undo the phase if
//! it fails. `status` and `rollback` read the same ledger.

pub mod gate;
pub mod git;
pub mod ledger;
pub mod python;

use std::path::{Path, PathBuf};

use gate::GateOptions;
use git::Repo;
use ledger::{Entry, EntryState, FileNow, FileRecord, Ledger, file_now, sha256};

use crate::write;

/// The plan's phase titles, used in tags, commits and `status`.
pub fn phase_title(phase: u8) -> &'static str {
    match phase {
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
pub fn apply_phase(path: &Path, plan: PhasePlan, options: &SafetyOptions) -> ApplyOutcome {
    let (root, repo) = state_root(path, options.no_git);
    let mut outcome = ApplyOutcome::new(&root, plan.phase);
    if repo.is_none() && !options.no_git {
        return outcome.refuse("not a git repository: txo-codemod needs git to set a rollback tag; pass --no-git to back files up instead");
    }
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
        "phase {} is applied before phase(s) {missing:?}, which the plan orders first",
        plan.phase
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
    refuse_dirty(repo, &relatives, options.allow_dirty)?;
    let head = repo
        .head()
        .ok_or("the repository has no commit to tag; commit first")?;
    outcome.tag = Some(set_rollback_tag(repo, &head, plan.phase, options)?);
    if ledger.entries.is_empty() {
        tag_starting_point(repo, &head, outcome)?;
    }
    plan.files
        .iter()
        .zip(relatives)
        .map(|(file, path)| {
            let backup = repo.store_blob(&file.before).map_err(|e| e.to_string())?;
            Ok(file_record(file, path, backup))
        })
        .collect()
}

/// Uncommitted changes in a file the phase rewrites would be lost on rollback.
fn refuse_dirty(repo: &Repo, relatives: &[String], allow_dirty: bool) -> Result<(), String> {
    let dirty = repo.dirty(relatives).map_err(|e| e.to_string())?;
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
    match gate.failure {
        Some(failure) => undo_phase(root, repo, &failure, entry, &mut outcome),
        None => {
            mark_applied(entry, &mut outcome);
            if options.commit && !paths.is_empty() {
                commit_phase(repo, &plan, &paths, entry, &mut outcome);
            }
        }
    }
    if let Err(error) = ledger.save(root) {
        outcome.errors.push(error.to_string());
        outcome.status = ApplyStatus::Failed;
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
        match write::replace_file(&file.path, &file.before, &file.after) {
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
    let restore_errors = restore(root, repo, &entry.files, true);
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

fn commit_phase(
    repo: Option<&Repo>,
    plan: &PhasePlan,
    paths: &[String],
    entry: &mut Entry,
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
    match repo.commit(paths, &message) {
        Ok(commit) => entry.commit = Some(commit),
        Err(error) => outcome.errors.push(error.to_string()),
    }
}

fn parses_cleanly(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    crate::syntax::first_error(&crate::syntax::parse(text.trim_start_matches('\u{feff}'))).is_none()
}

/// The pre-phase bytes of a recorded file.
fn before_bytes(root: &Path, repo: Option<&Repo>, record: &FileRecord) -> Result<Vec<u8>, String> {
    let looks_like_blob =
        record.backup.len() == 40 && record.backup.chars().all(|c| c.is_ascii_hexdigit());
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
/// files edited since. Returns the problems.
fn restore(root: &Path, repo: Option<&Repo>, records: &[FileRecord], force: bool) -> Vec<String> {
    let mut problems = Vec::new();
    for record in records {
        let now = file_now(root, record);
        if now == FileNow::Before || (now == FileNow::Edited && !force) {
            continue;
        }
        match before_bytes(root, repo, record).and_then(|bytes| {
            write::write_atomic(&root.join(&record.path), &bytes).map_err(|e| e.to_string())
        }) {
            Ok(()) => {}
            Err(error) => problems.push(format!("{}: {error}", record.path)),
        }
    }
    problems
}

/// The outcome of a rollback, for the user.
#[derive(Debug, Default)]
pub struct RollbackReport {
    pub restored: Vec<String>,
    /// Files edited by hand since the phase, left alone without `--force`.
    pub conflicts: Vec<String>,
    pub errors: Vec<String>,
}

/// Undoes one phase: its files get their pre-phase bytes back.
pub fn rollback_phase(
    path: &Path,
    phase: u8,
    force: bool,
    no_git: bool,
) -> Result<RollbackReport, String> {
    let (root, repo) = state_root(path, no_git);
    let mut ledger = Ledger::load(&root).map_err(|e| e.to_string())?;
    refuse_later_phases(&ledger, phase)?;
    let entry = ledger.active_mut(phase).ok_or(format!(
        "phase {phase} is not applied (see `txo-codemod status`)"
    ))?;
    let mut report = RollbackReport::default();
    for record in &entry.files {
        match file_now(&root, record) {
            FileNow::Edited if !force => report.conflicts.push(record.path.clone()),
            FileNow::Before => {}
            _ => report.restored.push(record.path.clone()),
        }
    }
    if !report.conflicts.is_empty() {
        return Ok(report);
    }
    report.errors = restore(&root, repo.as_ref(), &entry.files, force);
    if report.errors.is_empty() {
        entry.state = EntryState::RolledBack;
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
    Err(format!(
        "phase(s) {later:?} were applied after phase {phase}; undo them first: {}",
        order.join(", then ")
    ))
}

/// Undoes every phase recorded since `tag` was set: files return to their
/// content at `tag`.
pub fn rollback_to(path: &Path, tag: &str, force: bool) -> Result<RollbackReport, String> {
    let (root, repo) = state_root(path, false);
    let repo = repo.ok_or("--to needs a git repository")?;
    repo.tag_target(tag).ok_or(format!("no tag {tag}"))?;
    let mut ledger = Ledger::load(&root).map_err(|e| e.to_string())?;
    let active = active_since_tag(&ledger, tag)?;
    let mut report = RollbackReport {
        conflicts: edited_files(&root, &ledger, &active, force),
        ..RollbackReport::default()
    };
    if !report.conflicts.is_empty() {
        return Ok(report);
    }
    restore_at_tag(&root, &repo, tag, &files_of(&ledger, &active), &mut report);
    if report.errors.is_empty() {
        for index in active {
            ledger.entries[index].state = EntryState::RolledBack;
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

/// Files of these entries edited by hand since (none with `force`).
fn edited_files(root: &Path, ledger: &Ledger, entries: &[usize], force: bool) -> Vec<String> {
    let mut edited: Vec<String> = Vec::new();
    for &index in entries {
        for record in &ledger.entries[index].files {
            if file_now(root, record) == FileNow::Edited && !force && !edited.contains(&record.path)
            {
                edited.push(record.path.clone());
            }
        }
    }
    edited
}

/// The files of these entries, sorted, each once.
fn files_of(ledger: &Ledger, entries: &[usize]) -> Vec<String> {
    let mut paths: Vec<String> = entries
        .iter()
        .flat_map(|i| ledger.entries[*i].files.iter().map(|r| r.path.clone()))
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

fn restore_at_tag(
    root: &Path,
    repo: &Repo,
    tag: &str,
    files: &[String],
    report: &mut RollbackReport,
) {
    for file in files {
        let restored = repo
            .read_at(tag, file)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                write::write_atomic(&root.join(file), &bytes).map_err(|e| e.to_string())
            });
        match restored {
            Ok(()) => report.restored.push(file.clone()),
            Err(error) => report.errors.push(format!("{file}: {error}")),
        }
    }
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
    let phases = (1..=6)
        .map(|phase| match ledger.active(phase) {
            Some(entry) => active_status(&root, entry),
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

fn active_status(root: &Path, entry: &Entry) -> PhaseStatus {
    let nows: Vec<FileNow> = entry.files.iter().map(|r| file_now(root, r)).collect();
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
