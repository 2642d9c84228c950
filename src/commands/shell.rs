//! `completions` and `man`: shell completion scripts and manual pages,
//! generated from the same clap definitions the parser uses, so they never
//! drift from the real flags.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::commands::{Exit, write_stdout};

const BIN: &str = "txo-codemod";

pub fn completions(args: &CompletionsArgs) -> Exit {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), BIN, &mut script);
    match write_stdout(&String::from_utf8_lossy(&script)) {
        Ok(()) => Exit::Clean,
        Err(exit) => exit,
    }
}

pub fn man(args: &ManArgs) -> Exit {
    let command = Cli::command();
    let rendered = match &args.dir {
        Some(dir) => std::fs::create_dir_all(dir)
            .and_then(|()| clap_mangen::generate_to(command, dir))
            .map(|()| None)
            .map_err(|e| format!("cannot write the manual pages to {}: {e}", dir.display())),
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .map(|()| Some(page))
                .map_err(|e| format!("cannot render the manual page: {e}"))
        }
    };
    match rendered {
        Ok(Some(page)) => match write_stdout(&String::from_utf8_lossy(&page)) {
            Ok(()) => Exit::Clean,
            Err(exit) => exit,
        },
        Ok(None) => Exit::Clean,
        Err(message) => {
            eprintln!("error: {message}");
            Exit::Error
        }
    }
}
