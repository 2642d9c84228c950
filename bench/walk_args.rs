//! Shared by the floor programs (included with `#[path]`): the `.py` files
//! below the directories named on the command line, found by txo-codemod's
//! own walker, so the floors and the tool walk exactly the same files.

use std::path::PathBuf;

pub fn python_files_from_args() -> Vec<PathBuf> {
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
