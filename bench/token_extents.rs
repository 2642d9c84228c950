//! For `bench/extents_vs_ast.py`: the tokenizer's function extents of each
//! `.py` file below the given directories, one line `path<TAB>json` per
//! file in the format of `tests/python/function_extents.py` (`[name, row,
//! end_lineno - lineno, code lines]`, sorted by position); files that are
//! not UTF-8 are left out. Not part of the library; see bench/README.md.

#[path = "walk_args.rs"]
mod walk_args;

use std::io::Write;

use walk_args::python_files_from_args;

fn main() {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for path in python_files_from_args() {
        let Ok(source) = std::fs::read_to_string(&path) else {
            continue;
        };
        let extents: Vec<(String, usize, usize, usize)> = txo_codemod::tokenize::scan(&source)
            .functions
            .into_iter()
            .map(|f| (f.name.clone(), f.start_row, f.lines(), f.code_lines))
            .collect();
        let json = serde_json::to_string(&extents).unwrap_or_default();
        if writeln!(out, "{}\t{json}", path.display()).is_err() {
            return;
        }
    }
}
