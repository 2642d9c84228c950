//! Benchmark floor 2: walk + read + parse. Like `floor_read`, and parses
//! every file with tree-sitter-python on all cores: one `Parser` per rayon
//! worker (`map_init`), each tree dropped after its file. Prints
//! `files=N bytes=B with_syntax_errors=E`. Not part of the library; see
//! bench/README.md.

use std::path::PathBuf;

use ignore::{DirEntry, WalkBuilder};
use rayon::prelude::*;
use tree_sitter::Parser;

fn new_parser() -> Parser {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .expect("tree-sitter-python is ABI compatible with the linked tree-sitter");
    parser
}

fn main() {
    let files = python_files_from_args();
    let (count, bytes, errors) = files
        .par_iter()
        .map_init(new_parser, |parser, path| match std::fs::read(path) {
            Ok(bytes) => {
                let has_error = parser
                    .parse(&bytes, None)
                    .is_some_and(|tree| tree.root_node().has_error());
                (1usize, bytes.len(), usize::from(has_error))
            }
            Err(error) => {
                eprintln!("{}: {error}", path.display());
                (0, 0, 0)
            }
        })
        .reduce(|| (0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    println!("files={count} bytes={bytes} with_syntax_errors={errors}");
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
