//! `status` and `rollback`: read the phase ledger of each repository.

use std::path::{Path, PathBuf};

use crate::cli::{RollbackArgs, StateArgs};
use crate::commands::{Exit, all_paths};
use crate::safety;

/// The repositories to act on; an error is printed here.
fn paths(args: &StateArgs) -> Result<Vec<PathBuf>, Exit> {
    let paths = all_paths(&args.paths, args.repos_from.as_deref()).map_err(|message| {
        eprintln!("error: {message}");
        Exit::Error
    })?;
    // A missing path would otherwise fall back to the current directory's
    // repository and act on it.
    let missing: Vec<String> = paths
        .iter()
        .filter(|p| !p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !missing.is_empty() {
        eprintln!("error: path not found: {}", missing.join(", "));
        return Err(Exit::Error);
    }
    Ok(paths)
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
        super::print_line(format_args!(
            "{}",
            serde_json::to_string_pretty(&reports).unwrap_or_default()
        ));
    }
    exit
}

fn print_status(root: &str, phases: &[safety::PhaseStatus]) {
    super::print_line(format_args!("{root}"));
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
        super::print_line(format_args!(
            "  phase {}  {:<44} {}{files}{tag}",
            phase.phase, phase.title, phase.state
        ));
        for file in &phase.edited {
            super::print_line(format_args!("           changed since the phase: {file}"));
        }
    }
}

pub fn rollback(args: &RollbackArgs) -> Exit {
    let paths = match paths(&args.state) {
        Ok(paths) => paths,
        Err(exit) => return exit,
    };
    let mut exit = Exit::Clean;
    let mut summaries = Vec::new();
    for path in &paths {
        let result = match (&args.to, args.phase) {
            (Some(tag), _) => safety::rollback_to(path, tag, args.force),
            (None, Some(phase)) => {
                safety::rollback_phase(path, phase, args.force, args.state.no_git)
            }
            (None, None) => Err("give --phase N or --to TAG".into()),
        };
        let (code, summary) = rollback_summary(args, path, result);
        if !args.state.json {
            print_rollback(&summary);
        }
        exit = exit.max_with(code);
        summaries.push(summary);
    }
    if args.state.json {
        super::print_line(format_args!(
            "{}",
            serde_json::to_string_pretty(&summaries).unwrap_or_default()
        ));
    }
    exit
}

/// How the rollback of one repository went (`rollback --json` prints these).
#[derive(Debug, serde::Serialize)]
struct RollbackSummary {
    repo: String,
    /// `phase N` or `to TAG`.
    target: String,
    /// rolled-back | nothing-rolled-back | incomplete | error
    status: &'static str,
    message: String,
    #[serde(flatten)]
    report: safety::RollbackReport,
}

fn rollback_summary(
    args: &RollbackArgs,
    path: &Path,
    result: Result<safety::RollbackReport, String>,
) -> (Exit, RollbackSummary) {
    let target = args.phase.map_or_else(
        || format!("to {}", args.to.as_deref().unwrap_or_default()),
        |p| format!("phase {p}"),
    );
    let (exit, status, message, report) = match result {
        Err(error) => (Exit::Error, "error", error, Default::default()),
        Ok(report) if !report.conflicts.is_empty() => (
            Exit::Attention,
            "nothing-rolled-back",
            format!(
                "nothing was rolled back: {} file(s) were edited by hand since the phase (use --force to overwrite them)",
                report.conflicts.len()
            ),
            report,
        ),
        Ok(report) if !report.errors.is_empty() => (
            Exit::Error,
            "incomplete",
            format!(
                "rolled back {target} only in part: {} of {} files restored; {} failed (the phase stays recorded)",
                report.restored.len(),
                report.to_restore(),
                report.errors.len()
            ),
            report,
        ),
        Ok(report) => (
            Exit::Clean,
            "rolled-back",
            format!(
                "rolled back {target}: {} files restored{}",
                report.restored.len(),
                match report.unchanged.len() {
                    0 => String::new(),
                    n => format!(", {n} already had their old content"),
                }
            ),
            report,
        ),
    };
    let summary = RollbackSummary {
        repo: path.display().to_string(),
        target,
        status,
        message,
        report,
    };
    (exit, summary)
}

fn print_rollback(summary: &RollbackSummary) {
    let shown = &summary.repo;
    match summary.status {
        "rolled-back" => eprintln!("{shown}: {}", summary.message),
        _ => eprintln!("error: {shown}: {}", summary.message),
    }
    for file in &summary.report.conflicts {
        eprintln!("  edited: {file}");
    }
    for error in &summary.report.errors {
        eprintln!("  failed: {error}");
    }
}
