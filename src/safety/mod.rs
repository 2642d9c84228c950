//! Safe, reversible phases: before anything is written, refuse a dirty tree,
//! set a rollback tag (or back files up without git), and record the phase in
//! the ledger; after writing, run the verification gate and undo the phase if
//! it fails. `status` and `rollback` read the same ledger.

pub mod gate;
pub mod git;
pub mod ledger;
pub mod lock;
mod prepare;
pub mod python;
mod rollback;
mod status;
mod write_phase;

use std::path::{Path, PathBuf};

use gate::GateOptions;
use git::Repo;
use ledger::Ledger;
pub use prepare::backup_ref;
use prepare::{already_recorded, check_phase_order, drop_files_behind_links, prepare};
pub(crate) use rollback::before_bytes;
pub use rollback::{RollbackReport, rollback_phase, rollback_to};
pub use status::{PhaseStatus, status};
use write_phase::write_phase;

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
