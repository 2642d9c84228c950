use clap::Parser;

use txo_codemod::cli::{Cli, Command};
use txo_codemod::commands::{self, migrate::Mode};

fn main() {
    let cli = Cli::parse();
    let exit = match &cli.command {
        Command::Diff(args) => commands::migrate::execute(args, Mode::Diff),
        Command::Apply(args) => commands::migrate::execute(args, Mode::Apply),
        Command::Rules { command } => commands::rules::execute(command),
    };
    std::process::exit(exit as i32);
}
