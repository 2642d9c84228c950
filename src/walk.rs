//! Finds the Python files to process: gitignore-aware, skipping hidden
//! directories, virtualenvs and caches unless `--no-ignore` is given.

use std::path::{Path, PathBuf};

use ignore::{DirEntry, WalkBuilder};

#[derive(Debug, Clone, Copy, Default)]
pub struct WalkOptions {
    /// Process everything below the given paths, ignore files included.
    pub no_ignore: bool,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum WalkError {
    #[error("path not found: {0}")]
    #[diagnostic(
        code(txo_codemod::path),
        help("check the path; it is relative to the current directory")
    )]
    NotFound(String),
    #[error("cannot walk {path}: {message}")]
    #[diagnostic(code(txo_codemod::walk))]
    Io { path: String, message: String },
}

/// A file that marks a txo-codemod backup directory (e.g. `utils_v2_backup/`).
pub const BACKUP_MARKER: &str = ".txo-codemod-backup";

/// Directories that are never project code: caches, virtualenvs, backups.
fn is_excluded_dir(entry: &DirEntry) -> bool {
    let name = entry.file_name().to_string_lossy();
    matches!(
        name.as_ref(),
        "__pycache__" | "site-packages" | "node_modules" | ".tox" | ".nox"
    ) || entry.path().join("pyvenv.cfg").is_file()
        || entry.path().join(BACKUP_MARKER).is_file()
}

/// Python files under `paths`, sorted and without duplicates. A file given
/// explicitly is always included.
pub fn python_files(paths: &[PathBuf], options: WalkOptions) -> Result<Vec<PathBuf>, WalkError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_file() {
            files.push(path.clone());
            continue;
        }
        if !path.exists() {
            return Err(WalkError::NotFound(path.display().to_string()));
        }
        walk_dir(path, options, &mut files)?;
    }
    files.sort();
    files.dedup();
    // One file named twice (`a.py ./a.py`, a directory and a file in it,
    // absolute and relative) is processed once, under its first spelling.
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut seen = std::collections::HashSet::new();
    files.retain(|file| seen.insert(lexically_absolute(&cwd, file)));
    Ok(files)
}

/// `path` made absolute against `cwd`, with `.` and `..` resolved by name
/// (no file system access, so it is cheap for every walked file).
fn lexically_absolute(cwd: &Path, path: &Path) -> PathBuf {
    let mut absolute = PathBuf::new();
    for component in cwd.join(path).components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                absolute.pop();
            }
            other => absolute.push(other),
        }
    }
    absolute
}

fn walk_dir(dir: &Path, options: WalkOptions, files: &mut Vec<PathBuf>) -> Result<(), WalkError> {
    let mut builder = WalkBuilder::new(dir);
    builder
        .standard_filters(!options.no_ignore)
        .require_git(false);
    if !options.no_ignore {
        builder.filter_entry(|entry| {
            !(entry.file_type().is_some_and(|t| t.is_dir())
                && entry.depth() > 0
                && is_excluded_dir(entry))
        });
    }
    for entry in builder.build() {
        let entry = entry.map_err(|error| WalkError::Io {
            path: dir.display().to_string(),
            message: error.to_string(),
        })?;
        let is_python = entry.path().extension().is_some_and(|ext| ext == "py");
        if is_python && entry.file_type().is_some_and(|t| t.is_file()) {
            files.push(entry.into_path());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn skips_venvs_caches_hidden_and_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "a.py",
            "pkg/b.py",
            "venv/lib/c.py",
            "__pycache__/d.py",
            ".hidden/e.py",
            "build/f.py",
            "notes.txt",
        ] {
            let path = root.join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, "x = 1\n").unwrap();
        }
        fs::write(root.join("venv/pyvenv.cfg"), "home = /usr\n").unwrap();
        fs::write(root.join(".gitignore"), "build/\n").unwrap();
        let names = |files: Vec<PathBuf>| -> Vec<String> {
            files
                .iter()
                .map(|f| {
                    f.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/")
                })
                .collect()
        };
        let found = python_files(&[root.to_path_buf()], WalkOptions::default()).unwrap();
        assert_eq!(names(found), ["a.py", "pkg/b.py"]);
        let all = python_files(&[root.to_path_buf()], WalkOptions { no_ignore: true }).unwrap();
        assert_eq!(all.len(), 6);
        let explicit = python_files(&[root.join("build/f.py")], WalkOptions::default()).unwrap();
        assert_eq!(explicit.len(), 1);
    }

    #[test]
    fn missing_path_is_an_error() {
        let error =
            python_files(&[PathBuf::from("/no/such/dir")], WalkOptions::default()).unwrap_err();
        assert!(matches!(error, WalkError::NotFound(_)));
    }
}
