//! The bundled sample's own pytest suite (`examples/txo-v21-sample/tests/`)
//! as the verification gate of a whole migration: phases 1 to 6 in order on a
//! git copy of the sample, each gated by the suite, then `rollback --to
//! v2.1.0` restores every byte. These tests need Python with pytest, requests
//! and jsonschema (`.ci/run` installs them); without them they are skipped
//! with a note, except under `CI=true`, where they fail.

mod common;

use std::fs;
use std::path::Path;

use common::{Project, Run, SAMPLE, run_argv, run_tool, suite_runs_here};

/// The gate command: the interpreter `.ci/run` installs the suite's tools into.
const VERIFY: &str = "python3 -m pytest -q";

/// Runs the sample's suite in the project; returns (passed, output).
fn pytest(project: &Project) -> (bool, String) {
    run_tool(project.root(), "python3", &["-m", "pytest", "-q"])
}

fn apply(project: &Project, phase: u8) -> Run {
    let phase = phase.to_string();
    let args = ["apply", "--phase", &phase, "--verify", VERIFY, "--commit"];
    run_argv(project.root(), &args)
}

/// Every file of the bundled sample, relative to it, with its bytes.
fn sample_files(dir: &Path, relative: &Path, found: &mut Vec<(String, Vec<u8>)>) {
    for entry in fs::read_dir(dir.join(relative)).expect("read the sample") {
        let entry = entry.expect("dir entry");
        let path = relative.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            if entry.file_name() != "__pycache__" {
                sample_files(dir, &path, found);
            }
        } else {
            let bytes = fs::read(entry.path()).expect("read a sample file");
            found.push((path.to_string_lossy().replace('\\', "/"), bytes));
        }
    }
}

#[test]
fn six_phases_each_gated_by_the_suite_then_rollback_restores_every_byte() {
    if !suite_runs_here() {
        return;
    }
    let project = Project::sample_repo();
    let (passed, output) = pytest(&project);
    assert!(passed, "the suite fails on the v2.1 sample:\n{output}");

    for phase in 1..=6 {
        let run = apply(&project, phase);
        assert_eq!(
            run.code, 0,
            "phase {phase} failed its gate or was refused\n{}",
            run.stderr
        );
        let (passed, output) = pytest(&project);
        assert!(passed, "the suite fails after phase {phase}:\n{output}");
    }
    let changed = project.changed_from_sample();
    assert!(
        changed.contains(&"utils/api_factory.py".to_string())
            && changed.contains(&"utils/config_loader.py".to_string()),
        "phases 1 and 2 changed nothing? {changed:?}"
    );
    let ledger = project.read_text(".txo-codemod/ledger.json");
    assert!(
        !ledger.contains("\"rolled-back\"") && !ledger.contains("\"applying\""),
        "{ledger}"
    );

    let run = run_argv(project.root(), &["rollback", "--to", "v2.1.0"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut files = Vec::new();
    sample_files(Path::new(SAMPLE), Path::new(""), &mut files);
    let differing: Vec<&str> = files
        .iter()
        .filter(|(path, bytes)| fs::read(project.path(path)).ok().as_ref() != Some(bytes))
        .map(|(path, _)| path.as_str())
        .collect();
    assert!(
        differing.is_empty(),
        "not restored byte for byte: {differing:?}"
    );
    let (passed, output) = pytest(&project);
    assert!(passed, "the suite fails after the rollback:\n{output}");
}

/// The phase-keyed tests are real: run against v2.1 code while the ledger
/// claims phases 1 and 2, exactly the tests stating a breaking change fail.
#[test]
fn the_suite_states_each_breaking_change_by_phase() {
    if !suite_runs_here() {
        return;
    }
    let project = Project::sample();
    project.write(
        ".txo-codemod/ledger.json",
        r#"{"version": 1, "entries": [{"phase": 1, "state": "applied"}, {"phase": 2, "state": "applied"}]}"#,
    );
    let (passed, output) = pytest(&project);
    assert!(!passed, "{output}");
    let mut failed: Vec<&str> = output
        .lines()
        .filter_map(|line| line.strip_prefix("FAILED "))
        .map(|rest| rest.split(" - ").next().unwrap_or(rest))
        .collect();
    failed.sort();
    assert_eq!(
        failed,
        [
            "tests/test_config_loader.py::test_a_config_that_breaks_the_schema_stops_the_script",
            "tests/test_config_loader.py::test_a_config_without_a_global_section",
            "tests/test_config_loader.py::test_a_missing_schema_file_stops_the_script",
            "tests/test_config_loader.py::test_a_schema_that_is_not_json_stops_the_script",
            "tests/test_path_helpers.py::test_a_directory_that_cannot_be_created",
            "tests/test_rest_api.py::test_an_enabled_rate_limit_without_a_rate",
            "tests/test_rest_api.py::test_script_behavior_settings_that_are_missing",
            "tests/test_script_runner.py::test_debug_raises_the_log_level",
            "tests/test_script_runner.py::test_the_no_validation_flag",
            "tests/test_script_runner.py::test_the_validate_config_parameter",
        ],
        "{output}"
    );
}

/// A rewrite that changes behaviour is caught by the suite and undone.
#[test]
fn the_suite_gate_undoes_a_rewrite_that_changes_the_backoff() {
    if !suite_runs_here() {
        return;
    }
    let project = Project::sample_repo();
    project.write(
        "my-rules/linear-backoff.yaml",
        r#"id: linear-backoff
phase: 1
title: A wrong rewrite, for the test
message: "backoff"
severity: warning
breaking: none
files: ["utils/rest_api_helpers.py"]
match:
  pattern: min($B ** $A, 60)
fix: min($B * $A, 60)
tests:
  valid: ["x = min(a * b, 60)\n"]
  invalid:
    - code: "x = min(a ** b, 60)\n"
      fixed: "x = min(a * b, 60)\n"
"#,
    );
    common::git_in(project.root(), &["add", "-A"]);
    common::git_in(project.root(), &["commit", "-q", "-m", "a user rule"]);
    let args = [
        "apply",
        "--phase",
        "1",
        "--rules",
        "my-rules",
        "--rule",
        "linear-backoff",
        "--verify",
        VERIFY,
    ];
    let run = run_argv(project.root(), &args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("verification failed, phase 1 undone"),
        "{}",
        run.stderr
    );
    assert!(project.changed_from_sample().is_empty());
}
