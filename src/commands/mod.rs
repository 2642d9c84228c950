//! Each subcommand: turns parsed arguments into a run and an exit code.

pub mod migrate;
pub mod rules;

use crate::rules::{RuleFileError, RuleSet, load_rule_set};
use crate::syntax::KindTable;

/// How a command ended; `main` turns it into the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Nothing to do, or everything done.
    Clean = 0,
    /// Changes pending (diff), something not written (apply), or tests failed.
    Attention = 1,
    /// Bad input: rules, configuration, paths.
    Error = 2,
}

/// Loads embedded and user rules, printing notices; rule errors are rendered
/// as diagnostics.
pub fn load_rules(dirs: &[std::path::PathBuf]) -> Result<RuleSet, Vec<RuleFileError>> {
    let dirs: Vec<&std::path::Path> = dirs.iter().map(|d| d.as_path()).collect();
    let set = load_rule_set(&dirs, &KindTable::new())?;
    for notice in &set.notices {
        eprintln!("note: {notice}");
    }
    Ok(set)
}

pub fn report_rule_errors(errors: Vec<RuleFileError>) -> Exit {
    let count = errors.len();
    for error in errors {
        eprintln!("{:?}", miette::Report::new(error));
    }
    eprintln!("error: {count} problem(s) in rule files; nothing was run");
    Exit::Error
}
