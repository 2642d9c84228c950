//! `check`: the plan's validation suite and success criteria as a CI gate.

use crate::audit::{self, AuditFinding, AuditOptions, CHECKS, FileAudit, NotAudited};
use crate::cli::{CheckArgs, CheckFormat, FailOn};
use crate::commands::{Exit, write_stdout};
use crate::present::check as present;
use crate::rules::Severity;
use crate::walk::WalkOptions;

pub fn execute(args: &CheckArgs) -> Exit {
    let known: Vec<&str> = CHECKS.iter().map(|(id, ..)| *id).collect();
    if let Some(unknown) = args
        .select
        .iter()
        .chain(&args.ignore)
        .find(|id| !known.contains(&id.as_str()))
    {
        eprintln!("error: no check `{unknown}`; checks: {}", known.join(", "));
        return Exit::Error;
    }
    let audits = match run_audit(args) {
        Ok(audits) => audits,
        Err(exit) => return exit,
    };
    if audits.is_empty() && !args.allow_empty {
        // A gate that checks nothing must not pass: the paths or the
        // `library` globs are probably wrong.
        eprintln!(
            "error: no library files under {}; nothing was checked\n  \
             help: library files are those matching `library` in [tool.txo-codemod] \
             (default `utils/**`); --allow-empty accepts paths with none",
            shown_paths(&args.paths)
        );
        return Exit::Error;
    }
    let unreadable = report_not_audited(&audits);
    let (allowed, findings): (Vec<&AuditFinding>, Vec<&AuditFinding>) = audits
        .iter()
        .flat_map(|a| &a.findings)
        .filter(|f| selected(args, &known, f))
        .partition(|f| f.allowed.is_some());
    let color = args.color.enabled();
    if let Err(exit) = write_stdout(&render(
        args.format,
        &findings,
        &allowed,
        audits.len(),
        color,
    )) {
        return exit;
    }
    let threshold = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    };
    if unreadable {
        Exit::Error
    } else if findings.iter().any(|f| f.severity >= threshold) {
        Exit::Attention
    } else {
        Exit::Clean
    }
}

fn shown_paths(paths: &[std::path::PathBuf]) -> String {
    let shown: Vec<String> = paths
        .iter()
        .map(|p| crate::source::display_path(p))
        .collect();
    shown.join(", ")
}

/// Names on stderr each file that was not audited; whether one could not
/// be read (then `check` exits 2, as `diff` does).
fn report_not_audited(audits: &[FileAudit]) -> bool {
    let mut unreadable = false;
    for audit in audits {
        match &audit.not_audited {
            Some(NotAudited::Unreadable(error)) => {
                eprintln!("error: {}: cannot read: {error}", audit.file);
                unreadable = true;
            }
            Some(NotAudited::Skipped(reason)) => {
                eprintln!("warning: {}: skipped: {reason}", audit.file);
            }
            None => {}
        }
    }
    unreadable
}

/// The audit of `args.paths`; an error is printed here.
fn run_audit(args: &CheckArgs) -> Result<Vec<FileAudit>, Exit> {
    let options = AuditOptions {
        paths: args.paths.clone(),
        walk: WalkOptions {
            no_ignore: args.no_ignore,
        },
        threads: args.threads,
        full_parse: args.full_parse,
        cache: !args.no_cache,
    };
    let audited = audit::audit(&options).map_err(|error| {
        eprintln!("{:?}", miette::Report::new(error));
        Exit::Error
    })?;
    for warning in &audited.cache_warnings {
        eprintln!("warning: {warning}");
    }
    Ok(audited.files)
}

/// Whether `--select`, `--ignore` and `--phase` keep this finding (the
/// assessment-only facts are never checks).
fn selected(args: &CheckArgs, known: &[&str], finding: &AuditFinding) -> bool {
    let rule = finding.rule;
    known.contains(&rule)
        && (args.select.is_empty() || args.select.iter().any(|s| s == rule))
        && !args.ignore.iter().any(|s| s == rule)
        && args
            .phase
            .is_none_or(|p| audit::phase_of(rule) == p || rule == "unused-suppression")
}

fn render(
    format: CheckFormat,
    findings: &[&AuditFinding],
    allowed: &[&AuditFinding],
    files: usize,
    color: bool,
) -> String {
    match format {
        CheckFormat::Text => render_text(findings, allowed, files, color),
        CheckFormat::Json => {
            let report = serde_json::json!({
                "version": crate::present::json::JSON_VERSION,
                "findings": findings,
                "allowed": allowed,
                "files_checked": files,
            });
            format!(
                "{}\n",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            )
        }
        CheckFormat::Sarif => format!(
            "{}\n",
            serde_json::to_string_pretty(&present::sarif(findings)).unwrap_or_default()
        ),
        CheckFormat::Github => findings
            .iter()
            .map(|finding| format!("{}\n", present::github(finding)))
            .collect(),
    }
}

fn render_text(
    findings: &[&AuditFinding],
    allowed: &[&AuditFinding],
    files: usize,
    color: bool,
) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for finding in findings {
        let _ = writeln!(out, "{}", present::text_finding(finding, color));
    }
    let (exits, lookups): (Vec<&AuditFinding>, Vec<&AuditFinding>) =
        allowed.iter().partition(|f| f.rule == "no-sys-exit");
    list_allowed(
        &mut out,
        "Allowed exits (entry points, main(), __main__ blocks):",
        &exits,
    );
    list_allowed(
        &mut out,
        "Allowed lookups (phase 1 leaves a default the caller passes in):",
        &lookups,
    );
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let lookups = match lookups.len() {
        0 => String::new(),
        1 => ", 1 allowed lookup".to_string(),
        n => format!(", {n} allowed lookups"),
    };
    let _ = writeln!(
        out,
        "{} errors, {} warnings in {files} library files; {} allowed exits{lookups}",
        count(Severity::Error),
        count(Severity::Warning),
        exits.len()
    );
    out
}

fn list_allowed(out: &mut String, heading: &str, allowed: &[&AuditFinding]) {
    use std::fmt::Write;
    if allowed.is_empty() {
        return;
    }
    let _ = writeln!(out, "{heading}");
    for site in allowed {
        let _ = writeln!(
            out,
            "  {}:{}:{}: {}",
            site.file,
            site.line,
            site.column,
            site.allowed.as_deref().unwrap_or_default()
        );
    }
}
