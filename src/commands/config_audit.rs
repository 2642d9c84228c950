//! `config-audit`: the configuration keys phase 1 makes required, checked
//! against the project's configuration files and schema.

use crate::cli::{AssessFormat, ConfigAuditArgs};
use crate::commands::{Exit, dry_run_options, load_rules, report_rule_errors, write_stdout};
use crate::config_audit::fix::{LEDGER_PHASE, planned_files};
use crate::config_audit::fix_schema::planned_schema;
use crate::config_audit::{self, Audit, ProjectAudit};
use crate::present::config_audit as present;
use crate::rules::Rule;
use crate::run::RunOptions;
use crate::safety::{self, ApplyStatus, PhasePlan, SafetyOptions};
use crate::walk::WalkOptions;

pub fn execute(args: &ConfigAuditArgs) -> Exit {
    let set = match load_rules(&args.sources.rule_dirs) {
        Ok(set) => set,
        Err(errors) => return report_rule_errors(errors),
    };
    let rules: Vec<&Rule> = set.rules.iter().filter(|r| r.phase == 1).collect();
    let walk = WalkOptions {
        no_ignore: args.no_ignore,
    };
    let options = dry_run_options(&args.paths, walk, args.threads);
    let audit = match run_audit(&rules, &options) {
        Ok(audit) => audit,
        Err(exit) => return exit,
    };
    let text = match args.format {
        AssessFormat::Text => present::text(&audit.projects),
        AssessFormat::Markdown => present::markdown(&audit.projects),
        AssessFormat::Json => present::json(&audit.projects),
    };
    if let Err(exit) = write_stdout(&text) {
        return exit;
    }
    let exit = exit_code(&audit.projects);
    if !args.fix_configs && !args.fix_schema {
        return exit;
    }
    let fixed = fix_files(args, &audit);
    // What the files lack now decides the exit code.
    match run_audit(&rules, &options) {
        Ok(after) => fixed.max_with(exit_code(&after.projects)),
        Err(exit) => exit,
    }
}

/// The configuration section of `assess` and `report` (text or Markdown):
/// empty when no project under `paths` has configuration files, or when
/// `rules` has no phase-1 rule. Its own phase-1 dry run; a failure is a
/// notice, never the command's failure.
pub fn appendix(rules: &[&Rule], paths: &[std::path::PathBuf], markdown: bool) -> String {
    let phase_1: Vec<&Rule> = rules.iter().copied().filter(|r| r.phase == 1).collect();
    if phase_1.is_empty() || !config_audit::any_config_files(paths) {
        return String::new();
    }
    let mut options = dry_run_options(paths, WalkOptions::default(), 0);
    options.show_progress = false;
    match config_audit::audit(&phase_1, &options) {
        Ok(audit) => present::summary(&audit.projects, markdown),
        Err(error) => {
            eprintln!("note: configuration files not audited: {error}");
            String::new()
        }
    }
}

fn run_audit(rules: &[&Rule], options: &RunOptions) -> Result<Audit, Exit> {
    config_audit::audit(rules, options).map_err(|error| {
        eprintln!("{:?}", miette::Report::new(error));
        Exit::Error
    })
}

/// Writes the missing keys (`--fix-configs`) and the schema's new
/// `required` entries (`--fix-schema`) of each project behind the ledger
/// (phase 0); nothing is written where a file cannot be read.
fn fix_files(args: &ConfigAuditArgs, audit: &Audit) -> Exit {
    let options = SafetyOptions {
        allow_dirty: args.allow_dirty,
        no_git: args.no_git,
        tag: Some("txo-codemod/pre-config-fix".into()),
        ..SafetyOptions::default()
    };
    let mut exit = Exit::Clean;
    for (index, root) in audit.project_roots.iter().enumerate() {
        if audit.projects[index].has_unreadable_files() {
            eprintln!(
                "config-audit: {}: nothing written (a file above cannot be read)",
                audit.projects[index].root
            );
            exit = Exit::Error;
            continue;
        }
        let (mut files, mut notices) = match args.fix_configs {
            true => planned_files(audit, index),
            false => Default::default(),
        };
        if args.fix_schema {
            match planned_schema(audit, index) {
                Ok(schema) => files.extend(schema),
                Err(error) => notices.push(format!("schema not written: {error}")),
            }
        }
        for notice in notices {
            eprintln!("note: {notice}");
        }
        if files.is_empty() {
            continue;
        }
        let keys: usize = files.iter().map(|f| f.edits).sum();
        let plan = PhasePlan {
            phase: LEDGER_PHASE,
            rules_hash: String::new(),
            phases_with_rules: &[],
            change_table: format!(
                "{keys} configuration keys added (missing keys with their old defaults, schema `required` entries)"
            ),
            files,
            edits: Vec::new(),
        };
        let outcome = safety::apply_phase(root, plan, &options);
        for line in outcome.notices.iter().chain(&outcome.errors) {
            eprintln!("{line}");
        }
        match outcome.status {
            ApplyStatus::Applied => eprintln!(
                "config-audit: wrote {keys} keys into {} files (undo: txo-codemod rollback --phase 0)",
                outcome.files_changed
            ),
            ApplyStatus::Refused => exit = Exit::Error,
            _ => exit = exit.max_with(Exit::Attention),
        }
    }
    exit
}

/// 2 when a configuration file or the schema cannot be read (each named on
/// stderr), else 1 when a configuration file lacks a required key.
fn exit_code(projects: &[ProjectAudit]) -> Exit {
    let mut exit = Exit::Clean;
    for project in projects {
        for file in &project.files {
            if let Some(problem) = &file.problem {
                let shown = shown_path(&project.root, &file.file);
                let at = format!("{}:{}", problem.line, problem.column);
                eprintln!("error: {shown}:{at}: {}; nothing written", problem.message);
                exit = Exit::Error;
            }
        }
        for (file, problem) in &project.schema_problems {
            let shown = shown_path(&project.root, file);
            eprintln!("error: {shown}:{}: {}", problem.line, problem.message);
            exit = Exit::Error;
        }
        if project.breaks_a_config() {
            exit = exit.max_with(Exit::Attention);
        }
    }
    exit
}

fn shown_path(root: &str, relative: &str) -> String {
    crate::source::display_path(&std::path::Path::new(root).join(relative))
}
