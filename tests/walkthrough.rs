//! The README's walkthrough, run line by line on a git copy of the sample,
//! so that every command it shows keeps working as shown. A line's expected
//! exit code is its `# exit N` comment (0 without one).

mod common;

use std::path::Path;
use std::process::Command;

use common::{Project, git_in, suite_runs_here};

const README: &str = include_str!("../README.md");
const MARKER: &str = "<!-- walkthrough:";

/// The lines of the `sh` block after the walkthrough marker.
fn walkthrough() -> Vec<&'static str> {
    let after = README
        .split_once(MARKER)
        .expect("the README has a walkthrough marker")
        .1;
    let block = after
        .split_once("```sh\n")
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .expect("a ```sh block follows the marker")
        .0;
    block.lines().filter(|l| !l.trim().is_empty()).collect()
}

fn expected_exit(line: &str) -> i32 {
    line.split_once("# exit ")
        .and_then(|(_, rest)| rest.split(':').next())
        .map_or(0, |code| {
            code.trim().parse().expect("a number after `# exit`")
        })
}

/// Runs `line` with `sh` in `dir`, the built binary first on PATH.
fn shell(dir: &Path, line: &str) -> (i32, String) {
    let binary = assert_cmd::cargo::cargo_bin("txo-codemod");
    let bin_dir = binary.parent().expect("the binary has a directory");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![bin_dir.to_path_buf()];
    dirs.extend(std::env::split_paths(&path));
    let output = Command::new("sh")
        .args(["-c", line])
        .current_dir(dir)
        .env("PATH", std::env::join_paths(dirs).expect("a valid PATH"))
        .env("NO_COLOR", "1")
        .output()
        .expect("run sh");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

#[test]
fn the_walkthrough_covers_the_whole_migration() {
    let lines = walkthrough().join("\n");
    for step in [
        "txo-codemod assess",
        "txo-codemod diff --phase 1",
        "txo-codemod apply --through 6 --commit",
        "txo-codemod check",
        "txo-codemod report",
        "txo-codemod rollback --to v2.1.0",
    ] {
        assert!(lines.contains(step), "the walkthrough lost `{step}`");
    }
}

#[test]
fn every_walkthrough_command_runs_as_shown() {
    if !suite_runs_here() {
        return;
    }
    let project = Project::sample_repo();
    let root = project.root();

    for line in walkthrough() {
        let (code, output) = shell(root, line);
        assert_eq!(code, expected_exit(line), "`{line}` printed:\n{output}");
    }

    assert!(
        project
            .read_text("assessment.md")
            .contains("## Behind the counts")
    );
    let report = project.read_text("migration-report.md");
    assert!(
        report.contains("| File | Issue | Fix | Status | Breaking |"),
        "{report}"
    );
    assert!(report.contains("| applied |"), "{report}");
    let log = git_in(root, &["log", "--format=%s"]);
    assert!(
        log.contains("txo-codemod: phase 1 —") && log.contains("txo-codemod: phase 2 —"),
        "{log}"
    );
    // Rolled back and committed: the tree is the sample again.
    assert!(project.changed_from_sample().is_empty());
    let status = git_in(root, &["status", "--porcelain", "--untracked-files=no"]);
    assert_eq!(status, "", "everything restored is committed");
}
