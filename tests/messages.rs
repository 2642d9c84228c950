//! Every refusal says why (issue 19): `apply` used to exit 2 printing
//! nothing for a missing path or bad settings, which `diff` reports.

mod common;

use common::Project;

#[test]
fn apply_reports_what_diff_reports() {
    let project = Project::with_pyproject("[tool.txo-codemod]\nlibrary = 3\n");
    project.write("utils/a.py", "x = config.get(\"a\", 1)\n");
    for command in ["diff --phase 1 .", "apply --no-git --phase 1 ."] {
        let run = project.run(command).expect_code(2);
        assert!(
            run.stderr
                .contains("invalid txo-codemod settings in pyproject.toml"),
            "`{command}`: {}",
            run.stderr
        );
    }
    for command in ["diff --phase 1 nothere", "apply --no-git --phase 1 nothere"] {
        let run = project.run(command).expect_code(2);
        assert!(
            run.stderr.contains("path not found: nothere"),
            "`{command}`: {}",
            run.stderr
        );
    }
}

#[test]
fn status_and_rollback_refuse_a_missing_path() {
    let project = Project::new();
    for command in ["status nothere", "rollback --phase 1 nothere"] {
        let run = project.run(command).expect_code(2);
        assert!(
            run.stderr.contains("path not found: nothere"),
            "`{command}`: {}",
            run.stderr
        );
    }
}

#[test]
fn git_missing_from_path_is_named_as_such() {
    let project = Project::new();
    project.write("utils/a.py", "x = config.get(\"a\", 1)\n");
    let output = assert_cmd::Command::cargo_bin("txo-codemod")
        .expect("the binary is built")
        .current_dir(project.root())
        .args(["apply", "--phase", "1", "."])
        .env("PATH", "/nonexistent")
        .output()
        .expect("run txo-codemod");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("git is not installed or not on PATH"),
        "{stderr}"
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
