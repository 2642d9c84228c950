use clap::Parser;

use txo_codemod::cli::{Cli, Command};
use txo_codemod::commands;

fn main() {
    let cli = Cli::parse();
    let exit = match &cli.command {
        Command::Diff(args) => commands::migrate::execute(args),
        Command::Apply(args) => commands::apply::execute(args),
        Command::Status(args) => commands::state::status(args),
        Command::Rollback(args) => commands::state::rollback(args),
        Command::Rules { command } => commands::rules::execute(command),
    };
    std::process::exit(exit as i32);
}
