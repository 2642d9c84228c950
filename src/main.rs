use clap::Parser;

use txo_codemod::cli::{Cli, Command};
use txo_codemod::commands;

fn main() {
    bound_allocator_arenas();
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

/// glibc's malloc gives a thread that finds an arena locked an arena of its
/// own (up to 8 per core), and the pages freed in each stay with it; with
/// tree-sitter's many small allocations on every worker, that held 5–7 MiB
/// of the peak RSS of `diff` on the 10× stdlib corpus (`bench/README.md`).
/// One arena per core keeps the peak near the heap's own. One arena for
/// the whole process was tried and is worse: the workers then queue on its
/// lock, and on the 2-core machine `check` and `diff` ran at one core's
/// speed (twice the wall time, more CPU time in futex waits). What
/// `MALLOC_ARENA_MAX=<cores>` does, without asking users to set it; a
/// `MALLOC_ARENA_MAX` that is set still wins (glibc has read it at
/// start-up, and this call is skipped).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn bound_allocator_arenas() {
    use std::ffi::c_int;
    const M_ARENA_MAX: c_int = -8;
    unsafe extern "C" {
        fn mallopt(param: c_int, value: c_int) -> c_int;
    }
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let arenas = c_int::try_from(cores).unwrap_or(c_int::MAX);
        // SAFETY: `mallopt` only sets a parameter of glibc's allocator; it
        // is called before any other thread exists.
        unsafe {
            mallopt(M_ARENA_MAX, arenas);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn bound_allocator_arenas() {}
