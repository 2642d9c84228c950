//! A mutation fuzzer for the engine, the pattern compiler and the rule loader,
//! on stable Rust (issue 19). Python sources (the bundled sample and
//! `tests/fuzz-regressions/`) are mutated at byte, token and line level;
//! rule files at line and token level. Properties:
//! - nothing panics (a panic fails the test and prints the seed);
//! - a rewrite of a file that parsed cleanly still parses cleanly;
//! - writing such a rewrite, then running again, finds nothing more to do
//!   in it (unless it hit the pass cap);
//! - the binary exits 0, 1 or 2, and prints the same for `-j 1` and `-j 2`.
//!
//! CI runs a short fixed-seed budget. A long campaign:
//! `TXO_FUZZ_ROUNDS=2000 TXO_FUZZ_SEED=$RANDOM TXO_FUZZ_REGRESSIONS=1 cargo test --release --test fuzz -- --nocapture`.
//! A failing input is kept in the round's directory (printed); add it to
//! `tests/fuzz-regressions/` so it is replayed on every run.

mod common;

use std::path::{Path, PathBuf};

use txo_codemod::engine::FileWarning;
use txo_codemod::rules::{Rule, load_rule_set};
use txo_codemod::run::{self, Outcome, RunOptions, RunResult};
use txo_codemod::syntax::{self, KindTable};
use txo_codemod::walk::WalkOptions;

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Bytes that break Python in interesting ways.
const INTERESTING: &[&[u8]] = &[
    b"(",
    b")",
    b"[",
    b"]",
    b"{",
    b"}",
    b":",
    b"\"",
    b"'",
    b"\"\"\"",
    b"\\",
    b"#",
    b"\n",
    b"\r",
    b"\r\n",
    b"\t",
    b"    ",
    b",",
    b".get(",
    b"$X",
    b"$$$",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\0",
    b"if validate_config:\n",
    b"sys.exit(1)\n",
    b"f\"{",
    b"lambda: ",
];

/// One random mutation of `bytes`: byte, token or line level.
fn mutate(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let at = rng.below(out.len() + 1);
    match rng.below(8) {
        0 => {
            let piece = INTERESTING[rng.below(INTERESTING.len())];
            out.splice(at..at, piece.iter().copied());
        }
        1 => {
            let end = (at + 1 + rng.below(16)).min(out.len());
            out.drain(at.min(end)..end);
        }
        2 => out.truncate(at),
        3..=5 => {
            let mut lines: Vec<Vec<u8>> = out
                .split_inclusive(|b| *b == b'\n')
                .map(<[u8]>::to_vec)
                .collect();
            if lines.is_empty() {
                return out;
            }
            let (i, j) = (rng.below(lines.len()), rng.below(lines.len()));
            match rng.below(3) {
                0 => {
                    lines.remove(i);
                }
                1 => {
                    let copy = lines[i].clone();
                    lines.insert(j, copy);
                }
                _ => lines.swap(i, j),
            }
            out = lines.concat();
        }
        _ => {
            // A token (a run of identifier bytes, or one other byte) repeated or dropped.
            let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
            let start = (0..at.min(out.len()))
                .rev()
                .find(|i| !is_word(out[*i]))
                .map_or(0, |i| i + 1);
            let end = (start..out.len())
                .find(|i| !is_word(out[*i]))
                .map_or(out.len(), |i| if i == start { i + 1 } else { i });
            let token = out[start..end].to_vec();
            if rng.below(2) == 0 {
                out.splice(end..end, token);
            } else {
                out.drain(start..end);
            }
        }
    }
    out
}

fn regressions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions")
}

/// The Python files to mutate: the sample's (and, with `TXO_FUZZ_REGRESSIONS=1`
/// in a long campaign, the regression fixtures, which are large).
fn seeds() -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    let mut dirs = vec![
        Path::new(common::SAMPLE).join("utils"),
        Path::new(common::SAMPLE).join("src"),
    ];
    if env_number("TXO_FUZZ_REGRESSIONS", 0) == 1 {
        dirs.push(regressions_dir());
    }
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        files.extend(
            paths
                .iter()
                .filter(|p| p.extension().is_some_and(|e| e == "py"))
                .filter_map(|p| std::fs::read(p).ok()),
        );
    }
    assert!(!files.is_empty(), "no seed files");
    files
}

fn run_rules(rules: &[&Rule], root: &Path, threads: usize) -> RunResult {
    let options = RunOptions {
        paths: vec![root.to_path_buf()],
        walk: WalkOptions::default(),
        threads,
        show_progress: false,
        explicit_rules: false,
        parse_every_file: false,
        edits_and_findings_only: false,
        render_edits: None,
    };
    run::run(rules, &options).expect("a run over Python files")
}

fn parses_cleanly(text: &str) -> bool {
    let tree = syntax::parse(text);
    syntax::first_error(&tree).is_none() && syntax::misindented(&tree, text).is_none()
}

/// Checks the engine's properties on one directory of mutated files.
fn check_round(rules: &[&Rule], root: &Path, round: u64) {
    let result = run_rules(rules, root, 2);
    let mut rewritten = Vec::new();
    for file in &result.files {
        let Outcome::Processed(processed) = &file.outcome else {
            continue;
        };
        let (Some(source), Some(new_text)) = (&processed.source, &processed.new_text) else {
            continue;
        };
        if !parses_cleanly(&source.text) {
            // Code inside a syntax error is never rewritten, and where an
            // error ends can move with the rewrite: no promise to check.
            continue;
        }
        assert!(
            parses_cleanly(new_text),
            "round {round}: the rewrite of {} does not parse",
            file.path.display()
        );
        let capped = processed
            .warnings
            .iter()
            .any(|w| matches!(w, FileWarning::PassCapReached { .. }));
        if !capped {
            std::fs::write(&file.path, source.encode(new_text)).expect("write the rewrite");
            rewritten.push(file.path.clone());
        }
    }
    if rewritten.is_empty() {
        return;
    }
    let again = run_rules(rules, root, 2);
    for file in again.files.iter().filter(|f| rewritten.contains(&f.path)) {
        if let Outcome::Processed(processed) = &file.outcome {
            assert!(
                processed.edits.is_empty(),
                "round {round}: {} still has edits after its rewrite was written",
                file.path.display()
            );
        }
    }
}

#[test]
fn mutated_sources_keep_the_engine_s_promises() {
    let seed = env_number("TXO_FUZZ_SEED", 19);
    let rounds = env_number("TXO_FUZZ_ROUNDS", 30);
    let mut rng = Rng(seed.max(1));
    let sources = seeds();
    let set = load_rule_set(&[], &KindTable::new()).expect("embedded rules load");
    // Kept when a round fails, so its inputs can be looked at and replayed.
    let work = tempfile::tempdir().expect("temporary directory").keep();
    for round in 0..rounds {
        let root = work.join(format!("round-{round}"));
        std::fs::create_dir_all(root.join("utils")).unwrap();
        std::fs::write(root.join("pyproject.toml"), "").unwrap();
        for index in 0..4 {
            let mut bytes = sources[rng.below(sources.len())].clone();
            for _ in 0..1 + rng.below(4) {
                bytes = mutate(&bytes, &mut rng);
            }
            std::fs::write(root.join(format!("utils/m{index}.py")), bytes).unwrap();
        }
        eprintln!("fuzz: seed {seed}, round {round}: {}", root.display());
        let phase = 1 + rng.below(2) as u8;
        check_round(&set.for_phase(phase), &root, round);
        std::fs::remove_dir_all(&root).unwrap();
    }
    std::fs::remove_dir_all(&work).unwrap();
}

#[test]
fn the_binary_exits_0_1_or_2_and_prints_the_same_for_any_thread_count() {
    let seed = env_number("TXO_FUZZ_SEED", 19);
    let rounds = env_number("TXO_FUZZ_ROUNDS", 30) / 8;
    let mut rng = Rng(seed.max(1) ^ 0x9e37_79b9);
    let sources = seeds();
    let project = common::Project::new();
    for round in 0..rounds.max(1) {
        for index in 0..6 {
            let mut bytes = sources[rng.below(sources.len())].clone();
            for _ in 0..1 + rng.below(3) {
                bytes = mutate(&bytes, &mut rng);
            }
            project.write(&format!("utils/m{index}.py"), bytes);
        }
        for command in ["diff --phase 1", "diff --phase 2", "check"] {
            let one = project.run(&format!("{command} -j 1 ."));
            let two = project.run(&format!("{command} -j 2 ."));
            assert!(
                (0..=2).contains(&one.code),
                "round {round}: `{command}` exited {}:\n{}",
                one.code,
                one.stderr
            );
            assert_eq!(
                (one.code, &one.stdout, &one.stderr),
                (two.code, &two.stdout, &two.stderr),
                "round {round}: `{command}` differs between -j 1 and -j 2"
            );
        }
    }
}

/// Inputs that once crashed or hung the tool, replayed as they are.
#[test]
fn regression_fixtures_are_handled() {
    let project = common::Project::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(regressions_dir())
        .expect("tests/fuzz-regressions")
        .flatten()
        .map(|e| e.path())
        .collect();
    paths.sort();
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        project.write(&format!("utils/{name}"), std::fs::read(path).unwrap());
    }
    for command in [
        "diff --phase 1 .",
        "diff --phase 2 .",
        "check .",
        "assess .",
    ] {
        let run = project.run(command);
        assert!(
            (0..=2).contains(&run.code),
            "`{command}` exited {}:\n{}",
            run.code,
            run.stderr
        );
    }
}

#[test]
fn mutated_rule_files_load_or_fail_cleanly() {
    let seed = env_number("TXO_FUZZ_SEED", 19);
    let rounds = env_number("TXO_FUZZ_ROUNDS", 30) * 3;
    let mut rng = Rng(seed.max(1) ^ 0x5151_5151);
    let rules_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut seeds: Vec<Vec<u8>> = Vec::new();
    for phase in ["phase-1", "phase-2"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(rules_dir.join(phase))
            .expect("rule folder")
            .flatten()
            .map(|e| e.path())
            .collect();
        paths.sort();
        seeds.extend(paths.iter().filter_map(|p| std::fs::read(p).ok()));
    }
    let kinds = KindTable::new();
    let work = tempfile::tempdir().expect("temporary directory");
    let mut loaded = 0;
    for round in 0..rounds {
        let mut bytes = seeds[rng.below(seeds.len())].clone();
        for _ in 0..1 + rng.below(3) {
            bytes = mutate(&bytes, &mut rng);
        }
        std::fs::write(work.path().join("rule.yaml"), &bytes).unwrap();
        // Loading must return (rules or located errors); a panic fails here.
        let result = load_rule_set(&[work.path()], &kinds);
        if let Err(errors) = &result {
            assert!(!errors.is_empty(), "round {round}: an error without errors");
        }
        loaded += usize::from(result.is_ok());
    }
    eprintln!("fuzz: {loaded} of {rounds} mutated rule files loaded");
}
