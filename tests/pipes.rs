//! A closed stdout (`txo-codemod … | head`) ends a command quietly: no
//! panic, no exit 101 (issue 19).

mod common;

use std::process::{Command, Stdio};

use common::Project;

#[test]
fn every_command_ends_quietly_when_its_reader_is_gone() {
    let project = Project::new();
    project.write("utils/a.py", "x = config.get(\"a\", 1)\n");
    let binary = assert_cmd::cargo::cargo_bin("txo-codemod");
    for args in [
        "status .",
        "rules show config-get-with-default",
        "rules test",
        "rules list",
        "diff --phase 1 .",
        "diff --phase 1 --json .",
        "check .",
        "assess .",
        "report .",
        "rollback --phase 1 --json .",
    ] {
        let mut child = Command::new(&binary)
            .args(args.split_whitespace())
            .current_dir(project.root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start txo-codemod");
        // Closing the read end first makes every write fail with EPIPE.
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("wait for txo-codemod");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains("panicked") && output.status.code() != Some(101),
            "`{args}` on a closed pipe: {:?}\n{stderr}",
            output.status
        );
    }
}

#[test]
fn a_closed_stderr_ends_quietly_too() {
    let project = Project::with_pyproject("[tool.txo-codemod]\nlibrary = 3\n");
    project.write("utils/a.py", "x = config.get(\"a\", 1)\n");
    let binary = assert_cmd::cargo::cargo_bin("txo-codemod");
    for args in ["apply --phase 1 --no-git .", "diff --phase 1 .", "check ."] {
        let mut child = Command::new(&binary)
            .args(args.split_whitespace())
            .current_dir(project.root())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start txo-codemod");
        drop(child.stderr.take());
        let status = child.wait().expect("wait for txo-codemod");
        // Bad settings: the usual exit 2, not a panic (101).
        assert_eq!(status.code(), Some(2), "`{args}` with stderr closed");
    }
}
