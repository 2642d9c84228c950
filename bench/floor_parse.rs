//! Benchmark floor 2: walk + read + parse. Like `floor_read`, and parses
//! every file with tree-sitter-python on all cores: one `Parser` per rayon
//! worker (`map_init`), each tree dropped after its file. Prints
//! `files=N bytes=B with_syntax_errors=E`. Not part of the library; see
//! bench/README.md.

#[path = "walk_args.rs"]
mod walk_args;

use walk_args::python_files_from_args;

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
