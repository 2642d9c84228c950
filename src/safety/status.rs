//! `status`: how each phase stands, from the ledger and the files' hashes.

use std::path::Path;

use super::ledger::{Entry, EntryState, FileNow, Ledger};
use super::{phase_title, state_root};

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
