//! One transaction at a time per repository: `apply` and `rollback` hold an
//! exclusive lock on `.txo-codemod/lock` while they read, change and save
//! the ledger, so two runs can never lose each other's ledger entries.
//!
//! The lock is an advisory OS file lock (`flock` on Unix): it is released
//! when the process ends, even when killed, so a stale lock never blocks.
//! On file systems without working locks (some network mounts) it protects
//! nothing; the README says so.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use super::ledger::STATE_DIR;

/// How long a second run waits for the first before giving up.
const WAIT: Duration = Duration::from_secs(3);

/// Held for the whole transaction; dropping it releases the lock.
#[derive(Debug)]
pub struct LedgerLock {
    _file: File,
}

impl LedgerLock {
    /// Takes the lock of the state kept under `root`, waiting up to a few
    /// seconds for another run to finish.
    pub fn acquire(root: &Path) -> Result<LedgerLock, String> {
        Self::acquire_within(root, WAIT)
    }

    fn acquire_within(root: &Path, wait: Duration) -> Result<LedgerLock, String> {
        let dir = root.join(STATE_DIR);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        keep_lock_out_of_git(&dir);
        let path = dir.join("lock");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if started.elapsed() < wait => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(format!(
                        "another txo-codemod run holds the lock (pid {}); try again when it has finished",
                        holder(&mut file)
                    ));
                }
                Err(TryLockError::Error(error)) => {
                    return Err(format!("cannot lock {}: {error}", path.display()));
                }
            }
        }
        record_pid(&mut file).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(LedgerLock { _file: file })
    }
}

/// The lock is local to one machine: a `.gitignore` beside it (which also
/// ignores itself) keeps it out of `git status` and commits, while
/// `ledger.json` stays committable. Best effort: a lock works without it.
fn keep_lock_out_of_git(dir: &Path) {
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        let _ = std::fs::write(
            &ignore,
            "# txo-codemod's run lock is local; commit ledger.json\nlock\n.gitignore\n",
        );
    }
}

/// The pid the holder wrote, or `?`.
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let read = file.rewind().and_then(|_| file.read_to_string(&mut text));
    match read {
        Ok(_) if !text.trim().is_empty() => text.trim().to_string(),
        _ => "?".into(),
    }
}

fn record_pid(file: &mut File) -> std::io::Result<()> {
    file.set_len(0)?;
    file.rewind()?;
    writeln!(file, "{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_names_the_holder_and_the_first_release_frees_it() {
        let dir = tempfile::tempdir().unwrap();
        let first = LedgerLock::acquire(dir.path()).unwrap();
        // A second handle in the same process conflicts like another process.
        let error = LedgerLock::acquire_within(dir.path(), Duration::ZERO).unwrap_err();
        assert!(
            error.contains(&format!("holds the lock (pid {})", std::process::id())),
            "{error}"
        );
        drop(first);
        assert!(LedgerLock::acquire(dir.path()).is_ok());
    }
}
