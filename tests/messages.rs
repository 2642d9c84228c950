//! Every refusal says why (issue 19): `apply` used to exit 2 printing
//! nothing for a missing path or bad settings, which `diff` reports.

mod common;

use common::{Project, run_in_with_path};

/// Runs each command, expecting exit 2 and `message` on stderr.
fn refused(project: &Project, commands: &[&str], message: &str) {
    for command in commands {
        let run = project.run(command).expect_code(2);
        assert!(run.stderr.contains(message), "`{command}`: {}", run.stderr);
    }
}

#[test]
fn apply_reports_what_diff_reports() {
    let project = Project::with_pyproject("[tool.txo-codemod]\nlibrary = 3\n");
    project.write("utils/a.py", "x = config.get(\"a\", 1)\n");
    refused(
        &project,
        &["diff --phase 1 .", "apply --no-git --phase 1 ."],
        "invalid txo-codemod settings in pyproject.toml",
    );
    refused(
        &project,
        &["diff --phase 1 nothere", "apply --no-git --phase 1 nothere"],
        "path not found: nothere",
    );
}

#[test]
fn status_and_rollback_refuse_a_missing_path() {
    let project = Project::new();
    refused(
        &project,
        &["status nothere", "rollback --phase 1 nothere"],
        "path not found: nothere",
    );
}

#[test]
fn git_missing_from_path_is_named_as_such() {
    let project = Project::new();
    project.write("utils/a.py", "x = config.get(\"a\", 1)\n");
    let run = run_in_with_path(project.root(), "apply --phase 1 .", Some("/nonexistent"));
    let run = run.expect_code(2);
    assert!(
        run.stderr.contains("git is not installed or not on PATH"),
        "{}",
        run.stderr
    );
}

#[test]
fn report_refuses_a_corrupted_ledger() {
    let project = Project::new();
    project.write("utils/a.py", "x = config.get(\"a\", 1)\n");
    project.write(".txo-codemod/ledger.json", "{ not json");
    let run = project.run("report .").expect_code(2);
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);
}

#[test]
fn an_empty_entry_point_list_means_no_entry_points_for_every_command() {
    let project = Project::with_pyproject("[tool.txo-codemod]\nentry-points = []\n");
    project.write(
        "utils/runner.py",
        "import sys\n\n\ndef stop(logger):\n    logger.error(\"bad input\")\n    sys.exit(1)\n",
    );
    let check = project.run("check .").expect_code(1);
    assert!(
        check.stdout.contains("error[no-sys-exit]"),
        "check treats the file as library code:\n{}",
        check.stdout
    );
    let diff = project.run("diff --phase 2 .").expect_code(1);
    assert!(
        diff.stdout.contains("+    raise HelpfulError("),
        "{}",
        diff.stdout
    );
    let none = Project::with_pyproject("[tool.txo-codemod]\nlibrary = []\n");
    none.write("utils/a.py", "x = config.get(\"a\", 1)\n");
    // `library = []` names no files: a gate that checks nothing fails
    // unless told that is intended.
    let check = none.run("check .").expect_code(2);
    assert!(
        check.stderr.contains("no library files"),
        "{}",
        check.stderr
    );
    let check = none.run("check --allow-empty .").expect_code(0);
    assert!(
        check.stdout.contains("in 0 library files"),
        "{}",
        check.stdout
    );
    none.run("diff --phase 1 .").expect_code(1);
}
