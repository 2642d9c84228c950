//! Benchmark floor 1: walk + read. Finds the `.py` files below the given
//! directories the way `txo-codemod` does, then reads them in parallel
//! (rayon; `RAYON_NUM_THREADS` sets the thread count). Prints
//! `files=N bytes=B`. Not part of the library; see bench/README.md.

use std::path::PathBuf;

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

/// The `.py` files below the directories named on the command line, found
/// by txo-codemod's own walker (`txo_codemod::walk`), so the floors and the
/// tool walk exactly the same files.
fn python_files_from_args() -> Vec<PathBuf> {
    let roots: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let roots = if roots.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        roots
    };
    match txo_codemod::walk::python_files(&roots, txo_codemod::walk::WalkOptions::default()) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(2);
        }
    }
}
