//! Benchmark floor 1: walk + read. Finds the `.py` files below the given
//! directories the way `txo-codemod` does, then reads them in parallel
//! (rayon; `RAYON_NUM_THREADS` sets the thread count). Prints
//! `files=N bytes=B`. Not part of the library; see bench/README.md.

use std::path::PathBuf;

use ignore::{DirEntry, WalkBuilder};
use rayon::prelude::*;

fn main() {
    let files = python_files_from_args();
    let (count, bytes) = files
        .par_iter()
        .map(|path| match std::fs::read(path) {
            Ok(bytes) => (1usize, bytes.len()),
            Err(error) => {
                eprintln!("{}: {error}", path.display());
                (0, 0)
            }
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!("files={count} bytes={bytes}");
}

// File discovery: the same rules as txo-codemod's walk (src/walk.rs):
// gitignore-aware, hidden directories skipped, `__pycache__`,
// `site-packages`, `node_modules`, `.tox`, `.nox` and virtualenvs skipped;
// single-threaded like the tool's; sorted. Kept identical in floor_read.rs
// and floor_parse.rs so that each floor is one self-contained file.

fn is_excluded_dir(entry: &DirEntry) -> bool {
    let name = entry.file_name().to_string_lossy();
    matches!(
        name.as_ref(),
        "__pycache__" | "site-packages" | "node_modules" | ".tox" | ".nox"
    ) || entry.path().join("pyvenv.cfg").is_file()
}

/// The `.py` files below the directories named on the command line
/// (default: the current directory).
fn python_files_from_args() -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if roots.is_empty() {
        roots.push(PathBuf::from("."));
    }
    let mut files = Vec::new();
    for root in &roots {
        let mut builder = WalkBuilder::new(root);
        builder.standard_filters(true).require_git(false);
        builder.filter_entry(|entry| {
            !(entry.file_type().is_some_and(|t| t.is_dir())
                && entry.depth() > 0
                && is_excluded_dir(entry))
        });
        for entry in builder.build() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    eprintln!("walk error: {error}");
                    std::process::exit(2);
                }
            };
            let is_python = entry.path().extension().is_some_and(|ext| ext == "py");
            if is_python && entry.file_type().is_some_and(|t| t.is_file()) {
                files.push(entry.into_path());
            }
        }
    }
    files.sort();
    files.dedup();
    files
}
