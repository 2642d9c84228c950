//! txo-codemod: migrates TXO v2.1 Python projects to v3.0.
//!
//! Data flows one way: files → parse → match → edits → verify → present/apply.

/// `eprintln!` that ignores a failed write (it shadows std's in every module
/// below): with stderr a closed pipe (`… 2>&1 | head`) a command goes on to
/// its real exit code instead of panicking with exit 101.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod analysis;
pub mod audit;
pub mod cache_files;
pub mod cli;
pub mod commands;
pub mod config_audit;
pub mod engine;
pub mod extract;
pub mod limits;
pub mod pattern;
pub mod present;
pub mod project;
pub mod rules;
pub mod run;
pub mod safety;
pub mod source;
pub mod syntax;
pub mod tokenize;
pub mod transforms;
pub mod walk;
pub mod wording;
pub mod write;
