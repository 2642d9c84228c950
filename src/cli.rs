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
    Diff(MigrateArgs),
    /// Make a phase's edits in place.
    Apply(MigrateArgs),
    /// List, show or test the rules.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
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
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=6))]
    pub phase: u8,
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
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long = "threads", default_value_t = 0)]
    pub threads: usize,
    /// Also process files that .gitignore, hidden directories or virtualenvs would hide.
    #[arg(long)]
    pub no_ignore: bool,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules, grouped by phase.
    List {
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=6))]
        phase: Option<u8>,
        #[command(flatten)]
        sources: RuleSourceArgs,
    },
    /// Show one rule in full.
    Show {
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
