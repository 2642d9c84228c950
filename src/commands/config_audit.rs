//! `config-audit`: the configuration keys phase 1 makes required, checked
//! against the project's configuration files and schema.

use crate::cli::{AssessFormat, ConfigAuditArgs};
use crate::commands::{Exit, dry_run_options, load_rules, report_rule_errors, write_stdout};
use crate::config_audit::{self, ProjectAudit};
use crate::present::config_audit as present;
use crate::rules::Rule;
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
    let audit = match config_audit::audit(&rules, &options) {
        Ok(audit) => audit,
        Err(error) => {
            eprintln!("{:?}", miette::Report::new(error));
            return Exit::Error;
        }
    };
    let text = match args.format {
        AssessFormat::Text => present::text(&audit.projects),
        AssessFormat::Markdown => present::markdown(&audit.projects),
        AssessFormat::Json => present::json(&audit.projects),
    };
    if let Err(exit) = write_stdout(&text) {
        return exit;
    }
    exit_code(&audit.projects)
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
