//! `assess`: the plan's first instruction — where a v2.1 project stands and
//! what each phase will change or can only report.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use tree_sitter::{Parser, Tree};

use crate::analysis::subject::Subject;
use crate::audit::{self, AuditPlan, FileAudit};
use crate::cli::{AssessArgs, AssessFormat};
use crate::commands::{Exit, dry_run_options, load_rules, report_rule_errors, write_stdout};
use crate::rules::Rule;
use crate::run::{Outcome, Overlay, ParsedFileHook, RunError, RunOptions, RunResult};
use crate::safety::phase_title;
use crate::walk::WalkOptions;

/// Counts for one phase. Its texts are the tool's own (`Cow` only so that
/// `assess`'s cache can read them back).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct PhaseCounts {
    pub phase: u8,
    pub title: Cow<'static, str>,
    pub edits: usize,
    pub files: usize,
    pub to_review: usize,
    /// Files the phase would create (absent now), project-relative, sorted.
    pub created: Vec<String>,
    /// Audit facts for this phase: rule → count.
    pub facts: BTreeMap<Cow<'static, str>, usize>,
    /// What is behind each count, by fact, then file and line.
    pub items: Vec<AssessItem>,
}

/// One occurrence behind a fact's count: where it is and what it is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AssessItem {
    pub fact: Cow<'static, str>,
    pub file: String,
    pub line: usize,
    #[serde(flatten)]
    pub subject: Subject,
    /// Exits: why this one is allowed (entry point, `main()`, `__main__`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<String>,
}

/// One row per file.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct FileRow {
    pub file: String,
    pub soft_fail: usize,
    pub exits: usize,
    pub allowed_exits: usize,
    pub global_state: usize,
    pub over_50_lines: usize,
    pub over_100_lines: usize,
    pub thread_local: usize,
    pub dataclass_slots: usize,
    pub escape_hatches: usize,
    pub edits: BTreeMap<u8, usize>,
    pub to_review: usize,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Assessment {
    pub library_files: usize,
    pub phases: Vec<PhaseCounts>,
    pub files: Vec<FileRow>,
}

pub fn execute(args: &AssessArgs) -> Exit {
    let set = match load_rules(&args.sources.rule_dirs) {
        Ok(set) => set,
        Err(errors) => return report_rule_errors(errors),
    };
    let rules: Vec<&Rule> = set.rules.iter().collect();
    let walk = WalkOptions {
        no_ignore: args.no_ignore,
    };
    let options = RunOptions {
        edits_and_findings_only: true,
        render_edits: None,
        ..dry_run_options(&args.paths, walk, args.threads)
    };
    let assessment = match cached_or_assessed(args, &rules, &options) {
        Ok(assessment) => assessment,
        Err(error) => {
            eprintln!("{:?}", miette::Report::new(error));
            return Exit::Error;
        }
    };
    let text = match args.format {
        AssessFormat::Text => crate::present::assess::text(&assessment),
        AssessFormat::Markdown => crate::present::assess::markdown(&assessment),
        AssessFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&crate::present::json::versioned(&assessment))
                .unwrap_or_default()
        ),
    };
    // A separate section: the configuration preflight (config-audit).
    let text = match args.format {
        AssessFormat::Json => text,
        format => {
            let markdown = format == AssessFormat::Markdown;
            text + &super::config_audit::appendix(&rules, &args.paths, markdown)
        }
    };
    write_stdout(&text).err().unwrap_or(Exit::Clean)
}

/// The assessment from the cache where it is current (see
/// `assess_cache`), else from the phases' dry runs (then cached).
fn cached_or_assessed(
    args: &AssessArgs,
    rules: &[&Rule],
    options: &RunOptions,
) -> Result<Assessment, RunError> {
    let opened = match args.no_cache {
        true => None,
        false => Some(super::assess_cache::open(
            &args.sources.rule_dirs,
            rules,
            options,
        )),
    };
    let (cache, hit) = match opened {
        Some(opened) => {
            for warning in &opened.warnings {
                eprintln!("warning: {warning}");
            }
            (opened.cache, opened.hit)
        }
        None => (None, None),
    };
    if let Some(assessment) = hit {
        return Ok(assessment);
    }
    let (runs, audits) = phase_runs(rules, options)?;
    let assessment = assess(&runs, &audits);
    if let Some(warning) = cache.and_then(|c| c.save(&assessment, options)) {
        eprintln!("warning: {warning}");
    }
    Ok(assessment)
}

/// One phase's dry run: its rules (the run's rule indices point into them)
/// and what it would do.
pub struct PhaseRun<'r> {
    pub rules: Vec<&'r Rule>,
    pub result: RunResult,
}

/// The phases' dry runs in order, each on the text the earlier ones would
/// leave (held in memory, nothing written), as `apply` would meet it phase
/// after phase: a transform refuses a change set in a file the same run's
/// pattern rules edit, so one run of every phase on the original text
/// undercounts phases 3 and 4. The library audit describes the project as
/// it is: it runs with the first run, on the original text, on that run's
/// parse where it parses a file, else tokenizer first as `check`'s does, so
/// no file is parsed twice. A phase none of whose rules a project runs does no run.
/// The runs before phase 5 hand it the class facts of the files they parse
/// (phase 3 parses every file), so that it parses only files its
/// transforms may rewrite or that changed since; phase 3's run also does
/// phase 4's extract-method on its parse, so phase 4 parses only files
/// phase 3 changed.
fn phase_runs<'r>(
    rules: &[&'r Rule],
    options: &RunOptions,
) -> Result<(Vec<PhaseRun<'r>>, Vec<AuditCounts>), RunError> {
    let of_phase = |phase: u8| -> Vec<&'r Rule> {
        rules.iter().filter(|r| r.phase == phase).copied().collect()
    };
    let mut overlay = Overlay::default();
    let first = of_phase(1);
    let (result, audits) = crate::run::run_over_with(&first, options, &overlay, |files| {
        AuditPlan::new(files).map(CountingAudit)
    })?;
    overlay.absorb(&result);
    let mut runs = vec![PhaseRun {
        rules: first,
        result,
    }];
    let projects = &runs[0].result.projects;
    let runs_any = |rules: &[&Rule]| {
        projects.iter().any(|project| {
            rules
                .iter()
                .any(|rule| project.settings.runs_rule(&rule.id, rule.enabled))
        })
    };
    let phase5_runs = runs_any(&of_phase(5));
    let mut later = Vec::new();
    for phase in 2..=6 {
        let phase_rules = of_phase(phase);
        if !runs_any(&phase_rules) {
            continue;
        }
        overlay.keep_class_facts(phase < 5 && phase5_runs);
        // Phase 3 parses every file: phase 4's extract-method (no index)
        // is done on that parse where phase 4 will see the same text.
        let next = match phase == 3 && runs_any(&of_phase(4)) {
            true => of_phase(4),
            false => Vec::new(),
        };
        let mut result = crate::run::run_over_ahead(&phase_rules, &next, options, &overlay)?;
        overlay.absorb_class_facts(&mut result);
        overlay.absorb_own_work(&mut result);
        overlay.absorb(&result);
        later.push(PhaseRun {
            rules: phase_rules,
            result,
        });
    }
    runs.extend(later);
    Ok((runs, audits))
}

pub fn assess(runs: &[PhaseRun], audits: &[AuditCounts]) -> Assessment {
    let mut phases: Vec<PhaseCounts> = (1..=6)
        .map(|phase| PhaseCounts {
            phase,
            title: Cow::Borrowed(phase_title(phase)),
            ..PhaseCounts::default()
        })
        .collect();
    let mut rows: BTreeMap<String, FileRow> = BTreeMap::new();
    for run in runs {
        count_run(&run.rules, &run.result, &mut phases, &mut rows);
        count_created(&run.rules, &run.result, &mut phases);
    }
    count_audits(audits, &mut phases, &mut rows);
    let audited: HashSet<&str> = audits.iter().map(|a| a.file.as_str()).collect();
    let files = rows
        .into_iter()
        .map(|(file, mut row)| {
            row.file = file;
            row
        })
        .filter(|row| {
            audited.contains(row.file.as_str()) || !row.edits.is_empty() || row.to_review > 0
        })
        .collect();
    Assessment {
        library_files: audits.len(),
        phases,
        files,
    }
}

/// Counts the dry run's edits and findings per phase and per file.
fn count_run(
    rules: &[&Rule],
    result: &RunResult,
    phases: &mut [PhaseCounts],
    rows: &mut BTreeMap<String, FileRow>,
) {
    for file in &result.files {
        let Outcome::Processed(processed) = &file.outcome else {
            continue;
        };
        let mut touched = [false; 7];
        for edit in &processed.edits {
            for rule in &edit.rules {
                let phase = rules[*rule].phase;
                phases[phase as usize - 1].edits += 1;
                touched[phase as usize] = true;
                let row = rows.entry(file.display.clone()).or_default();
                *row.edits.entry(phase).or_default() += 1;
            }
        }
        for finding in &processed.findings {
            phases[rules[finding.rule].phase as usize - 1].to_review += 1;
            rows.entry(file.display.clone()).or_default().to_review += 1;
        }
        for phase in 1..=6 {
            phases[phase - 1].files += usize::from(touched[phase]);
        }
    }
}

/// The files each phase would create (those already there are not listed).
fn count_created(rules: &[&Rule], result: &RunResult, phases: &mut [PhaseCounts]) {
    for file in &result.created {
        let phase = rules.get(file.rule).map_or(0, |r| r.phase as usize);
        if let Some(counts) = phases.get_mut(phase.wrapping_sub(1))
            && file.on_disk() == crate::transforms::created::OnDisk::Absent
        {
            counts.created.push(file.display.clone());
        }
    }
}

/// One library file's audit as `assess` counts it: per finding, its phase
/// and the item it lists (key: the rule, or `allowed-exit`). Kept instead
/// of the findings, whose messages and source lines `assess` never shows,
/// so a large repository's thousands of findings do not pile up in memory.
pub struct AuditCounts {
    file: String,
    facts: Vec<(u8, AssessItem)>,
}

impl From<FileAudit> for AuditCounts {
    fn from(audit: FileAudit) -> Self {
        let facts = audit
            .findings
            .into_iter()
            .map(|finding| {
                let fact = if finding.allowed.is_some() && finding.rule == "no-sys-exit" {
                    "allowed-exit"
                } else {
                    finding.rule
                };
                let item = AssessItem {
                    fact: Cow::Borrowed(fact),
                    file: finding.file,
                    line: finding.line,
                    subject: finding.subject,
                    allowed: finding.allowed,
                };
                (audit::phase_of(finding.rule), item)
            })
            .collect();
        AuditCounts {
            file: audit.file,
            facts,
        }
    }
}

/// The audit, reduced to counts in the worker that audited the file: on
/// the run's tree where the run parses the file, else as `check` audits
/// it (tokenizer first, a parse only where the tokens cannot decide).
struct CountingAudit(AuditPlan);

impl ParsedFileHook for CountingAudit {
    type Output = AuditCounts;
    const TEXT_SUFFICES: bool = true;

    fn wants(&self, index: usize) -> bool {
        self.0.is_library(index)
    }

    fn parsed(&self, index: usize, path: &Path, parsed: Option<(&str, &Tree)>) -> AuditCounts {
        self.0.audit_parsed(index, path, parsed).into()
    }

    fn text(&self, index: usize, path: &Path, text: &str, parser: &mut Parser) -> AuditCounts {
        self.0.audit_text(index, path, text, parser).into()
    }
}

/// Counts the audit's facts per phase and per file; allowed exits apart.
fn count_audits(
    audits: &[AuditCounts],
    phases: &mut [PhaseCounts],
    rows: &mut BTreeMap<String, FileRow>,
) {
    for file_audit in audits {
        let row = rows.entry(file_audit.file.clone()).or_default();
        for (phase, item) in &file_audit.facts {
            if *phase > 0 {
                let counts = &mut phases[*phase as usize - 1];
                *counts.facts.entry(item.fact.clone()).or_default() += 1;
                counts.items.push(item.clone());
            }
            count_into(row, &item.fact);
        }
    }
    for phase in phases {
        phase
            .items
            .sort_by(|a, b| (&a.fact, &a.file, a.line).cmp(&(&b.fact, &b.file, b.line)));
    }
}

fn count_into(row: &mut FileRow, key: &str) {
    let slot = match key {
        "no-soft-fail" => &mut row.soft_fail,
        "no-sys-exit" => &mut row.exits,
        "allowed-exit" => &mut row.allowed_exits,
        "no-global-state" => &mut row.global_state,
        "method-length" => &mut row.over_50_lines,
        "long-method-100" => &mut row.over_100_lines,
        "thread-local" => &mut row.thread_local,
        "dataclass-slots" => &mut row.dataclass_slots,
        "escape-hatch" => &mut row.escape_hatches,
        _ => return,
    };
    *slot += 1;
}
