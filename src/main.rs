use clap::Parser;

use txo_codemod::cli::{Cli, Command};
use txo_codemod::commands;

fn main() {
    let cli = Cli::parse();
    let exit = match &cli.command {
        Command::Diff(args) => commands::migrate::execute(args),
        Command::Apply(args) => commands::apply::execute(args),
        Command::Status(args) => commands::state::status(args),
        Command::Check(args) => commands::check::execute(args),
        Command::Assess(args) => commands::assess::execute(args),
        Command::Report(args) => commands::report::execute(args),
        Command::Rollback(args) => commands::state::rollback(args),
        Command::ConfigAudit(args) => commands::config_audit::execute(args),
        Command::Rules { command } => commands::rules::execute(command),
        Command::BulkMatrix(args) => commands::bulk::matrix(args),
        Command::BulkSummary(args) => commands::bulk::summary(args),
        Command::Completions(args) => commands::shell::completions(args),
        Command::Man(args) => commands::shell::man(args),
    };
    std::process::exit(exit as i32);
}
