//! The tokenizer's own speed: reads every `.py` file below the given
//! directories into memory once, then runs what `check` runs per file
//! before deciding to parse over all of them `ROUNDS` times (environment,
//! default 10) on one thread: `tokenize::scan` alone, then `scan` and
//! `audit_needs_tree` with the default configuration names. Prints the
//! process CPU time (user+sys, from `/proc/self/stat`, 1/100 s ticks) of
//! each set of rounds, file reading excluded, as MB/s per core. Not part of the library; see bench/README.md.
//!
//!   ROUNDS=10 cargo run --release --example token_speed -- DIR...

#[path = "walk_args.rs"]
mod walk_args;

use txo_codemod::analysis::NameMatcher;
use txo_codemod::project::Settings;
use txo_codemod::tokenize::{audit_needs_tree, scan};

/// User+sys CPU seconds of this process so far (clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are
    // the 14th and 15th of the whole line, the 12th and 13th after it.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<f64> = after
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    (fields.get(11).unwrap_or(&0.0) + fields.get(12).unwrap_or(&0.0)) / 100.0
}

fn main() {
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    let files: Vec<String> = walk_args::python_files_from_args()
        .into_iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .collect();
    let bytes: usize = files.iter().map(String::len).sum();
    let names = NameMatcher::new(&Settings::default().config_names).expect("default names");
    let timed = |work: &dyn Fn(&str) -> bool| {
        let before = cpu_seconds();
        let mut counted = 0;
        for _ in 0..rounds {
            counted = files.iter().filter(|text| work(text)).count();
        }
        (cpu_seconds() - before, counted)
    };
    let (scan_cpu, _) = timed(&|text| !scan(text).suspect);
    let (audit_cpu, parsed) = timed(&|text| audit_needs_tree(&scan(text), text, &names));
    let megabytes = (bytes * rounds) as f64 / 1e6;
    let rate = |cpu: f64| megabytes / cpu.max(0.01);
    println!(
        "{} files, {:.1} MB, {rounds} rounds, one thread, CPU user+sys:",
        files.len(),
        bytes as f64 / 1e6
    );
    println!(
        "scan: {scan_cpu:.2} s, {:.0} MB/s; scan + audit_needs_tree: {audit_cpu:.2} s, {:.0} MB/s ({parsed} files need a tree)",
        rate(scan_cpu),
        rate(audit_cpu)
    );
}
