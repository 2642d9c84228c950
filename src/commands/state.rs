//! `status` and `rollback`: read the phase ledger of each repository.

use std::path::{Path, PathBuf};

use crate::cli::{RollbackArgs, StateArgs};
use crate::commands::{Exit, all_paths};
use crate::safety;

/// The repositories to act on; an error is printed here.
fn paths(args: &StateArgs) -> Result<Vec<PathBuf>, Exit> {
    all_paths(&args.paths, args.repos_from.as_deref()).map_err(|message| {
        eprintln!("error: {message}");
        Exit::Error
    })
}

pub fn status(args: &StateArgs) -> Exit {
    let paths = match paths(args) {
        Ok(paths) => paths,
        Err(exit) => return exit,
    };
    let mut exit = Exit::Clean;
    let mut reports = Vec::new();
    for path in &paths {
        match safety::status(path, args.no_git) {
            Ok((root, phases)) => {
                if !args.json {
                    print_status(&root, &phases);
                }
                reports.push(serde_json::json!({
                    "version": crate::present::json::JSON_VERSION,
                    "repo": root,
                    "phases": phases,
                }));
            }
            Err(error) => {
                eprintln!("error: {}: {error}", path.display());
                exit = Exit::Error;
            }
        }
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&reports).unwrap_or_default()
        );
    }
    exit
}

fn print_status(root: &str, phases: &[safety::PhaseStatus]) {
    println!("{root}");
    for phase in phases {
        let tag = phase
            .tag
            .as_deref()
            .map(|t| format!(" [{t}]"))
            .unwrap_or_default();
        let files = if phase.files > 0 {
            format!(", {} files", phase.files)
        } else {
            String::new()
        };
        println!(
            "  phase {}  {:<44} {}{files}{tag}",
            phase.phase, phase.title, phase.state
        );
        for file in &phase.edited {
            println!("           changed since the phase: {file}");
        }
    }
}

pub fn rollback(args: &RollbackArgs) -> Exit {
    let paths = match paths(&args.state) {
        Ok(paths) => paths,
        Err(exit) => return exit,
    };
    let mut exit = Exit::Clean;
    for path in &paths {
        let result = match (&args.to, args.phase) {
            (Some(tag), _) => safety::rollback_to(path, tag, args.force),
            (None, Some(phase)) => {
                safety::rollback_phase(path, phase, args.force, args.state.no_git)
            }
            (None, None) => Err("give --phase N or --to TAG".into()),
        };
        exit = exit.max_with(show_rollback(args, path, result));
    }
    exit
}

/// Prints how the rollback of one repository went.
fn show_rollback(
    args: &RollbackArgs,
    path: &Path,
    result: Result<safety::RollbackReport, String>,
) -> Exit {
    let shown = path.display();
    match result {
        Err(error) => {
            eprintln!("error: {shown}: {error}");
            Exit::Error
        }
        Ok(report) if !report.conflicts.is_empty() => {
            eprintln!(
                "error: {shown}: edited by hand since the phase, so not rolled back (use --force to overwrite):"
            );
            for file in &report.conflicts {
                eprintln!("  {file}");
            }
            Exit::Attention
        }
        Ok(report) => {
            for error in &report.errors {
                eprintln!("error: {shown}: {error}");
            }
            let what = args.phase.map_or_else(
                || format!("to {}", args.to.as_deref().unwrap_or_default()),
                |p| format!("phase {p}"),
            );
            eprintln!(
                "{shown}: rolled back {what}: {} files restored",
                report.restored.len()
            );
            if report.errors.is_empty() {
                Exit::Clean
            } else {
                Exit::Error
            }
        }
    }
}
