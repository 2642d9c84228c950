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
    match args.format {
        CheckFormat::Text | CheckFormat::Github => streamed(args, &known),
        CheckFormat::Json | CheckFormat::Sarif => whole(args, &known),
    }
}

/// JSON and SARIF: one document, written once every file is audited.
fn whole(args: &CheckArgs, known: &[&str]) -> Exit {
    let audits = match run_audit(args) {
        Ok(audits) => audits,
        Err(exit) => return exit,
    };
    if audits.is_empty() && !args.allow_empty {
        return nothing_checked(args);
    }
    let unreadable = report_not_audited(&audits);
    let (allowed, findings): (Vec<&AuditFinding>, Vec<&AuditFinding>) = audits
        .iter()
        .flat_map(|a| &a.findings)
        .filter(|f| selected(args, known, f))
        .partition(|f| f.allowed.is_some());
    if let Err(exit) = write_stdout(&render(args.format, &findings, &allowed, audits.len())) {
        return exit;
    }
    let attention = findings.iter().any(|f| f.severity >= threshold(args));
    exit_code(unreadable, attention)
}

/// Text and GitHub annotations: each finding is written as its chunk of
/// files is done (in path order), so a run holds only the allowed sites
/// and the counts, not every finding, until the end.
fn streamed(args: &CheckArgs, known: &[&str]) -> Exit {
    let color = args.color.enabled();
    let mut out = Streamed::new();
    let mut not_audited = Vec::new();
    let mut allowed: Vec<AuditFinding> = Vec::new();
    let mut counts = Counts::default();
    let audited = audit::audit_each(&audit_options(args), |audit| {
        counts.files += 1;
        if let Some(reason) = audit.not_audited {
            not_audited.push((audit.file, reason));
        }
        for finding in audit.findings {
            if !selected(args, known, &finding) {
                continue;
            }
            if finding.allowed.is_some() {
                allowed.push(finding);
                continue;
            }
            counts.note(&finding, threshold(args));
            out.write(&match args.format {
                CheckFormat::Github => format!("{}\n", present::github(&finding)),
                _ => format!("{}\n", present::text_finding(&finding, color)),
            });
        }
    });
    let cache_warnings = match audited {
        Ok(warnings) => warnings,
        Err(error) => {
            eprintln!("{:?}", miette::Report::new(error));
            return Exit::Error;
        }
    };
    for warning in &cache_warnings {
        eprintln!("warning: {warning}");
    }
    if counts.files == 0 && !args.allow_empty {
        return nothing_checked(args);
    }
    let unreadable = report_each_not_audited(&not_audited);
    if args.format == CheckFormat::Text {
        let allowed: Vec<&AuditFinding> = allowed.iter().collect();
        out.write(&render_text_end(&allowed, &counts));
    }
    if let Err(exit) = out.finish() {
        return exit;
    }
    exit_code(unreadable, counts.attention)
}

/// What the text summary counts, and whether a finding reached `--fail-on`.
#[derive(Default)]
struct Counts {
    files: usize,
    errors: usize,
    warnings: usize,
    attention: bool,
}

impl Counts {
    fn note(&mut self, finding: &AuditFinding, threshold: Severity) {
        self.errors += usize::from(finding.severity == Severity::Error);
        self.warnings += usize::from(finding.severity == Severity::Warning);
        self.attention |= finding.severity >= threshold;
    }
}

/// Standard output, buffered, written piece by piece; after an error
/// nothing more is written (a closed pipe is no error, as in `write_stdout`).
struct Streamed {
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    failed: Option<std::io::Error>,
}

impl Streamed {
    fn new() -> Self {
        Streamed {
            out: std::io::BufWriter::new(std::io::stdout().lock()),
            failed: None,
        }
    }

    fn write(&mut self, text: &str) {
        use std::io::Write;
        if self.failed.is_none()
            && let Err(error) = self.out.write_all(text.as_bytes())
        {
            self.failed = Some(error);
        }
    }

    fn finish(mut self) -> Result<(), Exit> {
        use std::io::Write;
        let result = match self.failed.take() {
            Some(error) => Err(error),
            None => self.out.flush(),
        };
        match result {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(error) => {
                eprintln!("error: cannot write the output: {error}");
                Err(Exit::Error)
            }
        }
    }
}

fn threshold(args: &CheckArgs) -> Severity {
    match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    }
}

fn exit_code(unreadable: bool, attention: bool) -> Exit {
    if unreadable {
        Exit::Error
    } else if attention {
        Exit::Attention
    } else {
        Exit::Clean
    }
}

/// A gate that checks nothing must not pass: the paths or the `library`
/// globs are probably wrong.
fn nothing_checked(args: &CheckArgs) -> Exit {
    eprintln!(
        "error: no library files under {}; nothing was checked\n  \
         help: library files are those matching `library` in [tool.txo-codemod] \
         (default `utils/**`); --allow-empty accepts paths with none",
        shown_paths(&args.paths)
    );
    Exit::Error
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
    let listed: Vec<(String, NotAudited)> = audits
        .iter()
        .filter_map(|a| Some((a.file.clone(), a.not_audited.clone()?)))
        .collect();
    report_each_not_audited(&listed)
}

fn report_each_not_audited(not_audited: &[(String, NotAudited)]) -> bool {
    let mut unreadable = false;
    for (file, reason) in not_audited {
        match reason {
            NotAudited::Unreadable(error) => {
                eprintln!("error: {file}: cannot read: {error}");
                unreadable = true;
            }
            NotAudited::Skipped(reason) => {
                eprintln!("warning: {file}: skipped: {reason}");
            }
        }
    }
    unreadable
}

/// The audit of `args.paths`; an error is printed here.
fn run_audit(args: &CheckArgs) -> Result<Vec<FileAudit>, Exit> {
    let audited = audit::audit(&audit_options(args)).map_err(|error| {
        eprintln!("{:?}", miette::Report::new(error));
        Exit::Error
    })?;
    for warning in &audited.cache_warnings {
        eprintln!("warning: {warning}");
    }
    Ok(audited.files)
}

fn audit_options(args: &CheckArgs) -> AuditOptions {
    AuditOptions {
        paths: args.paths.clone(),
        walk: WalkOptions {
            no_ignore: args.no_ignore,
        },
        threads: args.threads,
        full_parse: args.full_parse,
        cache: !args.no_cache,
    }
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

/// The JSON or SARIF document.
fn render(
    format: CheckFormat,
    findings: &[&AuditFinding],
    allowed: &[&AuditFinding],
    files: usize,
) -> String {
    if format == CheckFormat::Sarif {
        return format!(
            "{}\n",
            serde_json::to_string_pretty(&present::sarif(findings)).unwrap_or_default()
        );
    }
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

/// What the text output ends with, after the findings: the allowed sites
/// and the summary line.
fn render_text_end(allowed: &[&AuditFinding], counts: &Counts) -> String {
    use std::fmt::Write;
    let mut out = String::new();
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
    let lookups = match lookups.len() {
        0 => String::new(),
        1 => ", 1 allowed lookup".to_string(),
        n => format!(", {n} allowed lookups"),
    };
    let _ = writeln!(
        out,
        "{} errors, {} warnings in {} library files; {} allowed exits{lookups}",
        counts.errors,
        counts.warnings,
        counts.files,
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
