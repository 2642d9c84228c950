//! Each subcommand: turns parsed arguments into a run and an exit code.

pub mod apply;
pub mod assess;
pub mod assess_cache;
pub mod bulk;
pub mod check;
pub mod config_audit;
pub mod migrate;
pub mod report;
pub mod report_managers;
pub mod rules;
pub mod shell;
pub mod state;
pub mod through;

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

impl Exit {
    /// The more serious of two outcomes.
    pub fn max_with(self, other: Exit) -> Exit {
        if other as i32 > self as i32 {
            other
        } else {
            self
        }
    }
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

/// The given paths plus those listed in `--repos-from` (blank lines and
/// `#` comments skipped).
pub fn all_paths(
    paths: &[std::path::PathBuf],
    repos_from: Option<&std::path::Path>,
) -> Result<Vec<std::path::PathBuf>, String> {
    let mut all = paths.to_vec();
    if let Some(file) = repos_from {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        all.extend(listed_repos(&text).map(std::path::PathBuf::from));
        if paths == [std::path::PathBuf::from(".")] {
            all.remove(0);
        }
    }
    Ok(all)
}

/// The entries of a `--repos-from` list: one per line, trimmed, blank lines
/// and `#` comments skipped.
pub fn listed_repos(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// A run of `rules` over `paths` that changes nothing.
pub fn dry_run(
    rules: &[&crate::rules::Rule],
    paths: &[std::path::PathBuf],
    walk: crate::walk::WalkOptions,
    threads: usize,
) -> Result<crate::run::RunResult, crate::run::RunError> {
    crate::run::run(rules, &dry_run_options(paths, walk, threads))
}

/// The options of a dry run (also for one with a hook, as `assess` makes).
pub fn dry_run_options(
    paths: &[std::path::PathBuf],
    walk: crate::walk::WalkOptions,
    threads: usize,
) -> crate::run::RunOptions {
    crate::run::RunOptions {
        paths: paths.to_vec(),
        walk,
        threads,
        show_progress: true,
        explicit_rules: false,
        parse_every_file: false,
        edits_and_findings_only: false,
        render_edits: None,
    }
}

/// Writes a command's output to stdout in one piece. A reader that stopped
/// early (`| head`) is not an error; any other failure (a full disk under a
/// redirect) is, so a CI gate does not pass on a half-written report.
/// Prints a line on stdout; a closed pipe (`| head`) ends the output
/// quietly instead of a panic.
pub fn print_line(line: impl std::fmt::Display) {
    let _ = write_stdout(&format!("{line}\n"));
}

pub fn write_stdout(text: &str) -> Result<(), Exit> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => {
            eprintln!("error: cannot write the output: {error}");
            Err(Exit::Error)
        }
    }
}

pub fn report_rule_errors(errors: Vec<RuleFileError>) -> Exit {
    let count = errors.len();
    for error in errors {
        eprintln!("{:?}", miette::Report::new(error));
    }
    eprintln!("error: {count} problem(s) in rule files; nothing was run");
    Exit::Error
}
