//! Command-line interface definition.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::present::ColorChoice;

#[derive(Debug, Parser)]
#[command(
    name = "txo-codemod",
    version,
    about = "Migrates TXO v2.1 Python projects to v3.0, phase by phase: exact, reviewable, reversible."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the edits a phase would make, as a unified diff (changes nothing).
    Diff(DiffArgs),
    /// Make a phase's edits in place, behind a rollback tag and the phase ledger.
    Apply(ApplyArgs),
    /// Show which phases are applied, interrupted or edited by hand since.
    Status(StateArgs),
    /// Undo a phase (`--phase N`) or everything since a tag (`--to TAG`).
    Rollback(RollbackArgs),
    /// Where a project stands: per phase and file, what will change and what needs a person.
    Assess(AssessArgs),
    /// The plan's change-tracking table and migration guide (Markdown or JSON).
    Report(ReportArgs),
    /// The plan's validation suite as a CI gate (exit 1 on findings).
    Check(CheckArgs),
    /// Which configuration keys phase 1 makes required, and which config files lack them.
    ConfigAudit(ConfigAuditArgs),
    /// List, show or test the rules.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Print a GitHub Actions matrix (JSON) with one job per repository of a --repos-from list.
    BulkMatrix(BulkMatrixArgs),
    /// Merge per-repository `apply --json` summaries into one Markdown table.
    BulkSummary(BulkSummaryArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// Print the manual page (roff), or write one per subcommand with --dir.
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct BulkMatrixArgs {
    /// The repository list `--repos-from` reads: one per line, `#` comments.
    #[arg(value_name = "FILE")]
    pub repos: PathBuf,
}

#[derive(Debug, Args)]
pub struct BulkSummaryArgs {
    /// `apply --json` outputs (a summary, or an array of them, per file).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write txo-codemod.1 and txo-codemod-SUBCOMMAND.1 pages into DIR instead of printing.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RuleSourceArgs {
    /// Directory of extra rule files (*.yaml); a rule with an embedded id overrides it.
    #[arg(long = "rules", value_name = "DIR")]
    pub rule_dirs: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Phase of the TXO v3 plan (1-6).
    #[arg(long, required = true, value_parser = phase)]
    pub phase: Option<u8>,
    /// Files or directories to process.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Run only these rules (repeatable).
    #[arg(long = "rule", value_name = "ID")]
    pub rule_ids: Vec<String>,
    #[command(flatten)]
    pub sources: RuleSourceArgs,
    /// Print edits and findings as JSON instead of a diff.
    #[arg(long)]
    pub json: bool,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long = "threads", default_value_t = 0)]
    pub threads: usize,
    /// Also process files that .gitignore, hidden directories or virtualenvs would hide.
    #[arg(long)]
    pub no_ignore: bool,
    /// Read more paths (repositories) from FILE, one per line.
    #[arg(long, value_name = "FILE")]
    pub repos_from: Option<PathBuf>,
}

/// `diff`: the run's arguments plus how the diff looks.
#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub migrate: MigrateArgs,
    /// Color the diff: auto = when stdout is a terminal and NO_COLOR is unset.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Parse every file, even those the prefilter would skip: a check that
    /// it skips nothing (the output must be the same).
    #[arg(long, hide = true)]
    pub no_prefilter: bool,
}

#[derive(Debug, Args)]
#[command(mut_arg("json", |arg| arg.help(
    "Print a JSON array, one summary per repository ({version, repo, phase, status, files_changed, edits, tag, errors}), instead of text",
)))]
// `--through` replaces `--phase`, which `diff` requires.
#[command(mut_arg("phase", |a| a.required(false).required_unless_present("through")))]
pub struct ApplyArgs {
    #[command(flatten)]
    pub migrate: MigrateArgs,
    /// Apply every phase after the last applied one up to N, in order, each
    /// behind its own tag, ledger entry and gate; stop at the first that fails.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=6),
          conflicts_with_all = ["phase", "tag", "rule_ids"])]
    pub through: Option<u8>,
    /// Apply even if files this phase changes have uncommitted changes.
    #[arg(long)]
    pub allow_dirty: bool,
    /// Name of the rollback tag (default `txo-codemod/pre-phase-N`).
    #[arg(long, value_name = "NAME")]
    pub tag: Option<String>,
    /// Move the rollback tag if it exists elsewhere.
    #[arg(long)]
    pub force_tag: bool,
    /// Outside git: back up every touched file instead of tagging.
    #[arg(long)]
    pub no_git: bool,
    /// With --no-git: where backups go (default `.txo-codemod/backup`), e.g. `utils_v2_backup`.
    #[arg(long, value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,
    /// Refuse to apply a phase before the earlier phases that have rules.
    #[arg(long)]
    pub strict: bool,
    /// Commit the phase (one commit per phase, change table in the body).
    #[arg(long)]
    pub commit: bool,
    /// Python interpreter for the py_compile check (default: python3 on PATH).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// A command that must pass after the phase (run by `sh -c` in the repository), e.g. "pytest -q".
    #[arg(long, value_name = "COMMAND")]
    pub verify: Option<String>,
}

#[derive(Debug, Args)]
pub struct StateArgs {
    /// Repositories (or projects with --no-git).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Read more paths from FILE, one per line.
    #[arg(long, value_name = "FILE")]
    pub repos_from: Option<PathBuf>,
    /// Use the project's ledger even inside a git repository.
    #[arg(long)]
    pub no_git: bool,
    /// Print the state as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub state: StateArgs,
    /// The phase to undo (0: the configuration files `config-audit --fix-configs` completed).
    #[arg(long, value_parser = rollback_phase, conflicts_with = "to", required_unless_present = "to")]
    pub phase: Option<u8>,
    /// Undo every phase since this tag (e.g. v2.1.0).
    #[arg(long, value_name = "TAG")]
    pub to: Option<String>,
    /// Also overwrite files edited by hand since the phase.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules, grouped by phase.
    List {
        /// Only the rules of this phase.
        #[arg(long, value_parser = phase)]
        phase: Option<u8>,
        #[command(flatten)]
        sources: RuleSourceArgs,
    },
    /// Show one rule in full.
    Show {
        /// The rule's id (see `rules list`).
        id: String,
        #[command(flatten)]
        sources: RuleSourceArgs,
    },
    /// Run every rule's own test cases.
    Test {
        /// Test only these rules.
        #[arg(long = "rule", value_name = "ID")]
        rule_ids: Vec<String>,
        #[command(flatten)]
        sources: RuleSourceArgs,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to check (only library files are checked).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output: text, json, sarif (code scanning) or github (Actions annotations).
    #[arg(long, value_enum, default_value = "text")]
    pub format: CheckFormat,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Run only these checks (no-soft-fail, no-sys-exit, no-global-state, method-length, unused-suppression).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these checks.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Only the checks of this phase.
    #[arg(long, value_parser = phase)]
    pub phase: Option<u8>,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long = "threads", default_value_t = 0)]
    pub threads: usize,
    /// Also process files that .gitignore, hidden directories or virtualenvs would hide.
    #[arg(long)]
    pub no_ignore: bool,
    /// Exit 0 when no library file is among the paths (for hooks that pass only changed files).
    #[arg(long)]
    pub allow_empty: bool,
    /// Color the text output: auto = when stdout is a terminal and NO_COLOR is unset.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Parse every file instead of only those the tokenizer finds something
    /// to check in (for the equivalence tests: the output must not change).
    #[arg(long, hide = true)]
    pub full_parse: bool,
    /// Neither read nor write the findings cache (`.txo-codemod/cache`).
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AssessFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Debug, Args)]
pub struct AssessArgs {
    /// Files or directories to assess.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output: text, markdown (for a PR or wiki) or json.
    #[arg(long, value_enum, default_value = "text")]
    pub format: AssessFormat,
    #[command(flatten)]
    pub sources: RuleSourceArgs,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long = "threads", default_value_t = 0)]
    pub threads: usize,
    /// Also process files that .gitignore, hidden directories or virtualenvs would hide.
    #[arg(long)]
    pub no_ignore: bool,
    /// Neither read nor write the result cache (`.txo-codemod/cache/assess.json`).
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Markdown,
    Json,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Files or directories to report on.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Only this phase.
    #[arg(long, value_parser = phase)]
    pub phase: Option<u8>,
    /// Output: markdown or json.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: ReportFormat,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub sources: RuleSourceArgs,
}

#[derive(Debug, Args)]
pub struct ConfigAuditArgs {
    /// Files or directories of the projects to audit.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: AssessFormat,
    /// Write the missing keys, with their old defaults, into the JSON configuration files
    /// (recorded in the ledger as phase 0; undo with `rollback --phase 0`).
    #[arg(long)]
    pub fix_configs: bool,
    /// Add the keys phase 1 makes required to the schema's `required` lists (also phase 0
    /// in the ledger: give it together with --fix-configs to make both at once).
    #[arg(long)]
    pub fix_schema: bool,
    /// With --fix-configs/--fix-schema: write even if those files have uncommitted changes.
    #[arg(long)]
    pub allow_dirty: bool,
    /// With --fix-configs/--fix-schema: outside git, back the files up instead of tagging.
    #[arg(long)]
    pub no_git: bool,
    #[command(flatten)]
    pub sources: RuleSourceArgs,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long = "threads", default_value_t = 0)]
    pub threads: usize,
    /// Also process files that .gitignore, hidden directories or virtualenvs would hide.
    #[arg(long)]
    pub no_ignore: bool,
}

/// A phase of the plan, with an error that says what phases exist.
fn phase(text: &str) -> Result<u8, String> {
    match text.parse::<u8>() {
        Ok(number @ 1..=6) => Ok(number),
        _ => Err("the plan has phases 1 to 6".to_string()),
    }
}

/// A phase `rollback` can undo: the plan's, or 0 for `config-audit`'s fixes.
fn rollback_phase(text: &str) -> Result<u8, String> {
    match text.parse::<u8>() {
        Ok(0) => Ok(0),
        _ => {
            phase(text).map_err(|e| format!("{e} (or 0: the configuration fixes of config-audit)"))
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// `name arg` for every argument without a help text, in every subcommand,
    /// and `name` for every subcommand without one.
    fn missing_help(command: &clap::Command, name: &str, missing: &mut Vec<String>) {
        for arg in command.get_arguments() {
            if arg.get_help().is_none() {
                missing.push(format!("{name} {}", arg.get_id()));
            }
        }
        for sub in command.get_subcommands() {
            let sub_name = format!("{name} {}", sub.get_name());
            if sub.get_about().is_none() {
                missing.push(sub_name.clone());
            }
            missing_help(sub, &sub_name, missing);
        }
    }

    #[test]
    fn every_subcommand_and_argument_has_help() {
        let mut missing = Vec::new();
        missing_help(&super::Cli::command(), "txo-codemod", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:?}");
    }

    /// clap checks its own rules (e.g. `--through` replacing a required
    /// `--phase`) only when a subcommand is built; this builds them all.
    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
