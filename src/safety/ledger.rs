//! The phase ledger, `.txo-codemod/ledger.json`: what each applied phase
//! changed, with the content hash of every file before and after, so that
//! `status` can tell applied, interrupted and hand-edited files apart and
//! `rollback` can restore the exact bytes.
//!
//! Format (version 1):
//! ```json
//! { "version": 1,
//!   "entries": [ { "phase": 1, "state": "applied", "tool_version": "0.1.0",
//!                  "rules_hash": "…", "base_commit": "…", "tag": "txo-codemod/pre-phase-1",
//!                  "started_at": "…", "commit": null,
//!                  "files": [ { "path": "utils/a.py", "before": "sha256", "after": "sha256",
//!                               "backup": "git blob id or backup path" } ] } ] }
//! ```
//! An entry is written as `applying` before any file changes and becomes
//! `applied` after the verification gate, so a crash in between is visible.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const LEDGER_VERSION: u32 = 1;
pub const STATE_DIR: &str = ".txo-codemod";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryState {
    /// Files are being written; seen after a crash or an interrupt.
    Applying,
    Applied,
    RolledBack,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// Relative to the ledger's root, with `/`.
    pub path: String,
    pub before: String,
    pub after: String,
    /// Where the pre-phase bytes are kept: a git blob id, or a path in the backup directory.
    pub backup: String,
    /// The phase created the file (it did not exist): rollback removes it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub created: bool,
    /// Unix permission bits before the phase, so that a file deleted since
    /// comes back as it was (absent in older ledgers and on other systems).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub phase: u8,
    pub state: EntryState,
    pub tool_version: String,
    pub rules_hash: String,
    pub base_commit: Option<String>,
    pub tag: Option<String>,
    pub started_at: String,
    pub commit: Option<String>,
    pub files: Vec<FileRecord>,
    /// What changed, for `report`: one record per composed edit.
    #[serde(default)]
    pub edits: Vec<EditRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditRecord {
    pub path: String,
    pub line: usize,
    pub rules: Vec<String>,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    pub version: u32,
    pub entries: Vec<Entry>,
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger {
            version: LEDGER_VERSION,
            entries: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LedgerError {
    #[error("cannot read {path}: {message}")]
    #[diagnostic(
        code(txo_codemod::ledger),
        help(
            "the ledger records applied phases; restore it from a backup or remove it to start over"
        )
    )]
    Read { path: String, message: String },
    #[error(
        "{path} has format version {found}; this txo-codemod understands version {LEDGER_VERSION}"
    )]
    #[diagnostic(
        code(txo_codemod::ledger_version),
        help("use the txo-codemod version that wrote it")
    )]
    Version { path: String, found: u32 },
    #[error("cannot write {path}: {message}")]
    #[diagnostic(code(txo_codemod::ledger))]
    Write { path: String, message: String },
}

pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn ledger_path(root: &Path) -> PathBuf {
    root.join(STATE_DIR).join("ledger.json")
}

impl Ledger {
    pub fn load(root: &Path) -> Result<Ledger, LedgerError> {
        let path = ledger_path(root);
        let shown = crate::source::display_path(&path);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Ledger::default());
            }
            Err(error) => {
                return Err(LedgerError::Read {
                    path: shown,
                    message: error.to_string(),
                });
            }
        };
        let ledger: Ledger = serde_json::from_str(&text).map_err(|e| LedgerError::Read {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        if ledger.version != LEDGER_VERSION {
            return Err(LedgerError::Version {
                path: shown,
                found: ledger.version,
            });
        }
        Ok(ledger)
    }

    /// Writes atomically, so the ledger is never half-written.
    pub fn save(&self, root: &Path) -> Result<(), LedgerError> {
        let path = ledger_path(root);
        let error = |message: String| LedgerError::Write {
            path: crate::source::display_path(&path),
            message,
        };
        let dir = path.parent().unwrap_or(root);
        std::fs::create_dir_all(dir).map_err(|e| error(e.to_string()))?;
        let text = serde_json::to_string_pretty(self).map_err(|e| error(e.to_string()))?;
        crate::write::write_atomic(&path, format!("{text}\n").as_bytes())
            .map_err(|e| error(e.to_string()))
    }

    /// The latest entry of a phase that is not rolled back.
    pub fn active(&self, phase: u8) -> Option<&Entry> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.phase == phase && e.state != EntryState::RolledBack)
    }

    /// How a file of `entry` stands now. A phase applied after `entry` that
    /// wrote the file took it over: the file is as `entry` left it when that
    /// phase started from `entry`'s bytes, and edited in between otherwise
    /// (what happened after is that phase's story).
    pub fn file_since(&self, root: &Path, entry: &Entry, record: &FileRecord) -> FileNow {
        let position = self.entries.iter().position(|e| std::ptr::eq(e, entry));
        let next = position.and_then(|index| {
            self.entries[index + 1..]
                .iter()
                .filter(|e| e.state != EntryState::RolledBack)
                .find_map(|e| e.files.iter().find(|r| r.path == record.path))
        });
        match next {
            Some(next) if next.before == record.after => FileNow::After,
            Some(_) => FileNow::Edited,
            None => file_now(root, record),
        }
    }

    pub fn active_mut(&mut self, phase: u8) -> Option<&mut Entry> {
        self.entries
            .iter_mut()
            .rev()
            .find(|e| e.phase == phase && e.state != EntryState::RolledBack)
    }

    /// Phases after `phase` that are applied (or interrupted).
    pub fn later_active(&self, phase: u8) -> Vec<u8> {
        let mut later: Vec<u8> = (phase + 1..=6)
            .filter(|p| self.active(*p).is_some())
            .collect();
        later.dedup();
        later
    }

    /// The record of `path` in the latest entry not rolled back that changed it.
    pub fn latest_record(&self, path: &str) -> Option<&FileRecord> {
        self.entries
            .iter()
            .rev()
            .filter(|e| e.state != EntryState::RolledBack)
            .find_map(|e| e.files.iter().find(|r| r.path == path))
    }
}

/// A ledger path names a file inside its root: relative, normalized, no
/// `..`; anything else (a hand-edited or corrupted ledger) is refused before
/// a byte is written.
pub fn check_record_path(path: &str) -> Result<(), String> {
    use std::path::Component;
    let normal = !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        && !path.split('/').any(|part| part.is_empty() || part == ".");
    if normal {
        Ok(())
    } else {
        Err(format!(
            "the ledger names {path:?}, which is not a relative path inside the repository; refusing to write it"
        ))
    }
}

/// How one recorded file compares with the disk now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileNow {
    /// As the phase wrote it.
    After,
    /// As it was before the phase (never written, or restored).
    Before,
    /// Changed by someone since the phase.
    Edited,
    Missing,
}

pub fn file_now(root: &Path, record: &FileRecord) -> FileNow {
    match std::fs::read(root.join(&record.path)) {
        Ok(bytes) => {
            let hash = sha256(&bytes);
            if hash == record.after {
                FileNow::After
            } else if hash == record.before {
                FileNow::Before
            } else {
                FileNow::Edited
            }
        }
        Err(_) => FileNow::Missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_classifies_files() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Ledger::load(dir.path()).unwrap(), Ledger::default());
        std::fs::write(dir.path().join("a.py"), "new\n").unwrap();
        let record = FileRecord {
            created: false,
            mode: None,
            path: "a.py".into(),
            before: sha256(b"old\n"),
            after: sha256(b"new\n"),
            backup: "x".into(),
        };
        let entry = Entry {
            files: vec![record.clone()],
            ..entry(1, EntryState::Applied, &[])
        };
        let ledger = Ledger {
            version: LEDGER_VERSION,
            entries: vec![entry],
        };
        ledger.save(dir.path()).unwrap();
        assert_eq!(Ledger::load(dir.path()).unwrap(), ledger);
        assert_eq!(file_now(dir.path(), &record), FileNow::After);
        std::fs::write(dir.path().join("a.py"), "hand\n").unwrap();
        assert_eq!(file_now(dir.path(), &record), FileNow::Edited);
        assert!(ledger.later_active(0).contains(&1));
    }

    fn entry(phase: u8, state: EntryState, paths: &[&str]) -> Entry {
        Entry {
            phase,
            state,
            tool_version: "0".into(),
            rules_hash: "h".into(),
            base_commit: None,
            tag: None,
            started_at: "t".into(),
            commit: None,
            files: paths
                .iter()
                .map(|p| FileRecord {
                    path: (*p).into(),
                    before: "b".into(),
                    after: "a".into(),
                    backup: "x".into(),
                    created: false,
                    mode: None,
                })
                .collect(),
            edits: Vec::new(),
        }
    }

    #[test]
    fn latest_record_skips_rolled_back_phases() {
        let ledger = Ledger {
            version: LEDGER_VERSION,
            entries: vec![
                entry(1, EntryState::Applied, &["a.py", "b.py"]),
                entry(2, EntryState::Applied, &["a.py"]),
                entry(3, EntryState::RolledBack, &["b.py"]),
            ],
        };
        assert_eq!(
            ledger.latest_record("b.py").map(|r| &r.path),
            Some(&"b.py".to_string())
        );
        assert!(ledger.latest_record("c.py").is_none());
    }

    #[test]
    fn only_relative_paths_inside_the_root_are_accepted() {
        for good in ["a.py", "utils/a.py", "back\\slash.py", ".hidden/a.py"] {
            assert_eq!(check_record_path(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../a.py",
            "utils/../../a.py",
            "./a.py",
            "a//b.py",
            "a/",
        ] {
            assert!(check_record_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_versions_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(STATE_DIR)).unwrap();
        std::fs::write(ledger_path(dir.path()), "{\"version\": 9, \"entries\": []}").unwrap();
        assert!(matches!(
            Ledger::load(dir.path()),
            Err(LedgerError::Version { found: 9, .. })
        ));
    }
}
