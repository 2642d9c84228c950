//! What `check`'s and `assess`'s caches share: where they live
//! (`.txo-codemod/cache` under a project's root, kept out of git), the
//! identity of the build that wrote them, and atomic writes.

use std::path::Path;

/// The caches' directory, under a project's root.
pub const DIRECTORY: &str = ".txo-codemod/cache";

/// This build of the tool: its version and the executable's size and
/// modification time, so that a rebuilt binary does not trust findings an
/// older build cached.
pub fn tool_identity() -> String {
    let executable = std::env::current_exe().and_then(std::fs::metadata);
    let build = executable.map_or(String::new(), |meta| {
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        format!("{}-{modified}", meta.len())
    });
    format!("{}-{build}", env!("CARGO_PKG_VERSION"))
}

/// A `.gitignore` that ignores the whole cache directory, itself included.
/// Best effort: the cache works without it.
pub fn keep_out_of_git(directory: &Path) {
    let ignore = directory.join(".gitignore");
    if !ignore.exists() {
        let _ = std::fs::write(ignore, "# txo-codemod's caches are local\n*\n");
    }
}

/// Writes `bytes` beside `path`, then renames them over it: a reader sees
/// the old cache or the new one, never half of one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let directory = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temporary = directory.join(format!("{name}.{}.tmp", std::process::id()));
    let written =
        std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.map_err(|e| e.to_string())
}

/// A stored cache file, `None` when there is none yet; a file this
/// version cannot read is an error (the caller warns and runs in full).
pub fn read_stored<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, String> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| format!("not a cache this version can read ({e})")),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error.to_string()),
    }
}
