//! Benchmark floor 1: walk + read. Finds the `.py` files below the given
//! directories the way `txo-codemod` does, then reads them in parallel
//! (rayon; `RAYON_NUM_THREADS` sets the thread count). Prints
//! `files=N bytes=B`. Not part of the library; see bench/README.md.

#[path = "walk_args.rs"]
mod walk_args;

use walk_args::python_files_from_args;

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
