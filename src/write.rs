//! Writing rewritten files safely: never over a read-only file or one that
//! changed since it was read, and atomically (temp file + rename in the same
//! directory, permissions kept) so a file is either fully old or fully new.

use std::fs;
use std::io::Write;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteRefused {
    #[error("file is read-only; left untouched")]
    ReadOnly,
    #[error("file changed since it was read; left untouched (run again)")]
    ChangedSinceRead,
    #[error("cannot write: {0}")]
    Io(String),
}

/// Names of the temporary files `write_atomic` renames into place.
const TEMP_PREFIX: &str = ".txo-codemod-";
const TEMP_SUFFIX: &str = ".tmp";

/// Writes `bytes` to `path` atomically (temp file + rename in the same
/// directory), keeping the permissions of an existing file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteRefused> {
    let io = |error: std::io::Error| WriteRefused::Io(error.to_string());
    let permissions = fs::metadata(path).ok().map(|m| m.permissions());
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(io)?;
    temp.write_all(bytes).map_err(io)?;
    temp.as_file().sync_all().map_err(io)?;
    if let Some(permissions) = permissions {
        fs::set_permissions(temp.path(), permissions).map_err(io)?;
    }
    temp.persist(path).map_err(|error| io(error.error))?;
    Ok(())
}

/// A file's Unix permission bits (`None` where there are none, or it is gone).
pub fn unix_mode(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Gives a file the permission bits `mode` (a no-op where there are none).
pub fn set_unix_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// Removes the temporary files an interrupted `write_atomic` left in `dir`;
/// returns how many. Call it only while no write can be under way (the
/// ledger lock is held).
pub fn remove_leftover_temps(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)
        })
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
        .filter(|entry| fs::remove_file(entry.path()).is_ok())
        .count()
}

/// Replaces `path`'s content `expected` with `new_bytes`.
pub fn replace_file(path: &Path, expected: &[u8], new_bytes: &[u8]) -> Result<(), WriteRefused> {
    let io = |error: std::io::Error| WriteRefused::Io(error.to_string());
    let metadata = fs::metadata(path).map_err(io)?;
    if metadata.permissions().readonly() {
        return Err(WriteRefused::ReadOnly);
    }
    if fs::read(path).map_err(io)? != expected {
        return Err(WriteRefused::ChangedSinceRead);
    }
    write_atomic(path, new_bytes)
}

/// Creates `path` (and its directories) with `bytes`, refusing when
/// something is there already (it appeared after the run looked).
pub fn create_file(path: &Path, bytes: &[u8]) -> Result<(), WriteRefused> {
    if path.exists() {
        return Err(WriteRefused::ChangedSinceRead);
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| WriteRefused::Io(e.to_string()))?;
    }
    write_atomic(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_atomically_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        fs::write(&path, "old\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o750)).unwrap();
        }
        replace_file(&path, b"old\n", b"new\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o750
            );
        }
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left behind"
        );
    }

    #[test]
    fn leftover_temporary_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".txo-codemod-x1.tmp"), "half").unwrap();
        fs::write(dir.path().join("a.py"), "x\n").unwrap();
        assert_eq!(remove_leftover_temps(dir.path()), 1);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_changed_and_read_only_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        fs::write(&path, "changed\n").unwrap();
        assert_eq!(
            replace_file(&path, b"old\n", b"new\n"),
            Err(WriteRefused::ChangedSinceRead)
        );
        let mut permissions = fs::metadata(&path).unwrap().permissions();
        permissions.set_readonly(true);
        fs::set_permissions(&path, permissions).unwrap();
        assert_eq!(
            replace_file(&path, b"changed\n", b"new\n"),
            Err(WriteRefused::ReadOnly)
        );
        assert_eq!(fs::read(&path).unwrap(), b"changed\n");
    }
}
