//! `diff` and `apply` on a copy of the bundled sample project.

mod common;

use common::{Project, require_tool, run_in, run_tool};
use serde::Deserialize;

/// Files named in the `+++ b/…` headers of a unified diff.
fn files_in_diff(diff: &str) -> Vec<String> {
    diff.lines()
        .filter_map(|line| line.strip_prefix("+++ b/"))
        .map(String::from)
        .collect()
}

#[test]
fn diff_shows_the_phase_1_edits_and_writes_nothing() {
    let sample = Project::sample();
    let run = sample.run("diff --phase 1 .").expect_code(1);
    common::snapshot("diff_phase_1_stdout", &run.stdout);
    common::snapshot("diff_phase_1_stderr", &run.stderr);
    assert_eq!(sample.changed_from_sample(), Vec::<String>::new());
}

#[test]
fn apply_writes_the_diff_and_a_second_diff_is_clean() {
    let sample = Project::sample();
    let diff = sample.run("diff --phase 1 .").expect_code(1);
    let apply = sample.run("apply --no-git --phase 1 .").expect_code(0);
    assert_eq!(
        apply.summary(),
        diff.summary().replace(" to make ", " made ")
    );
    assert_eq!(sample.changed_from_sample(), files_in_diff(&diff.stdout));

    let again = sample.run("diff --phase 1 .").expect_code(0);
    assert_eq!(again.stdout, "");
    assert!(
        again.summary().starts_with("0 edits to make in 0 files"),
        "{}",
        again.stderr
    );
    assert_python_files_compile(&sample);
}

/// `py_compile` on every file (and, when pyflakes is installed, no
/// undefined names); skipped with a note when python3 is missing.
fn assert_python_files_compile(project: &Project) {
    if !require_tool("python3", &["--version"], "the py_compile check") {
        return;
    }
    let files = project.python_files();
    let mut args = vec!["-m", "py_compile"];
    args.extend(files.iter().map(String::as_str));
    let (ok, output) = run_tool(project.root(), "python3", &args);
    assert!(ok, "rewritten files do not compile:\n{output}");

    if !require_tool(
        "python3",
        &["-m", "pyflakes", "--version"],
        "the undefined-name check",
    ) {
        return;
    }
    args[1] = "pyflakes";
    let (_, output) = run_tool(project.root(), "python3", &args);
    assert!(
        !output.contains("undefined name"),
        "undefined names after apply:\n{output}"
    );
}

#[test]
fn the_diff_applies_with_git_apply_and_matches_apply() {
    if !require_tool("git", &["--version"], "the git apply check") {
        return;
    }
    let patched = Project::sample();
    let diff = patched.run("diff --phase 1 .").expect_code(1);
    patched.write("phase-1.diff", &diff.stdout);
    let (ok, output) = run_tool(patched.root(), "git", &["apply", "phase-1.diff"]);
    assert!(ok, "git apply failed:\n{output}");

    let applied = Project::sample();
    applied.run("apply --no-git --phase 1 .").expect_code(0);
    for file in applied.python_files() {
        assert_eq!(patched.read_text(&file), applied.read_text(&file), "{file}");
    }
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let sample = Project::sample();
    let one = sample.run("diff --phase 1 -j 1 .").expect_code(1);
    let four = sample.run("diff --phase 1 -j 4 .").expect_code(1);
    assert!(!one.stdout.is_empty());
    assert_eq!(one.stdout, four.stdout);
    assert_eq!(one.stderr, four.stderr);
}

/// The `--json` report; deserializing fails if a field is missing.
#[derive(Deserialize)]
struct Report {
    edits: Vec<JsonEdit>,
    findings: Vec<serde_json::Value>,
    summary: Summary,
}

#[derive(Deserialize, Debug)]
struct JsonEdit {
    file: String,
    rule: String,
    rules: Vec<String>,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    before: String,
    after: String,
    message: String,
}

#[derive(Deserialize)]
struct Summary {
    edits: usize,
}

fn parse_report(stdout: &str) -> Report {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not a JSON report ({e}):\n{stdout}"))
}

/// Byte offset of a 1-based line and (character) column.
fn offset(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum();
    let rest = &text[line_start..];
    let in_line = rest.char_indices().nth(column - 1).map(|(i, _)| i);
    line_start + in_line.unwrap_or(rest.len())
}

#[test]
fn json_lists_every_edit_with_its_position() {
    let sample = Project::sample();
    let run = sample.run("diff --phase 1 --json .").expect_code(1);
    let report = parse_report(&run.stdout);
    assert!(!report.edits.is_empty());
    for edit in &report.edits {
        assert_eq!(edit.rules[0], edit.rule, "{edit:?}");
        assert!(!edit.message.is_empty(), "{edit:?}");
        assert_ne!(edit.before, edit.after, "{edit:?}");
        // `before` is exactly the original text between the two positions.
        let text = sample.read_text(&edit.file);
        let start = offset(&text, edit.line, edit.column);
        let end = offset(&text, edit.end_line, edit.end_column);
        assert_eq!(text[start..end], edit.before, "{edit:?}");
    }
    let rule_edits: usize = report.edits.iter().map(|e| e.rules.len()).sum();
    assert_eq!(report.summary.edits, rule_edits);
    common::snapshot("diff_phase_1_json", &run.stdout);
}

#[test]
fn a_phase_whose_rules_the_project_disables_changes_nothing() {
    let project =
        Project::with_pyproject("[tool.txo-codemod]\ndisable-rules = [\"split-long-functions\"]\n");
    let body: String = (0..60).map(|i| format!("    x = x + {i}\n")).collect();
    let long = format!("def f(x):\n{body}    return x\n");
    project.write("utils/long.py", &long);
    let run = project.run("diff --phase 4 .").expect_code(0);
    assert_eq!(run.stdout, "");
    project.run("apply --no-git --phase 4 .").expect_code(0);
    assert_eq!(project.read_text("utils/long.py"), long);
}

#[test]
fn rule_option_runs_only_that_rule() {
    let sample = Project::sample();
    let args = "diff --phase 1 --json --rule config-get-with-default .";
    let report = parse_report(&sample.run(args).expect_code(1).stdout);
    assert!(!report.edits.is_empty());
    for edit in &report.edits {
        assert!(
            edit.rules.iter().all(|r| r == "config-get-with-default"),
            "{edit:?}"
        );
    }
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}

#[test]
fn unknown_rule_id_is_an_error() {
    let sample = Project::sample();
    let run = sample
        .run("diff --phase 1 --rule no-such-rule .")
        .expect_code(2);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "error: phase 1 has no rule `no-such-rule` (see `txo-codemod rules list --phase 1`)\n"
    );
}

#[test]
fn missing_path_is_an_error() {
    let sample = Project::sample();
    let run = sample.run("diff --phase 1 no-such-dir").expect_code(2);
    assert_eq!(run.stdout, "");
    common::snapshot("diff_missing_path_stderr", &run.stderr);
}

#[test]
fn running_inside_a_subdirectory_applies_library_rules() {
    let sample = Project::sample();
    let from_root = sample.run("diff --phase 1 utils").expect_code(1);
    let inside = run_in(&sample.path("utils"), "diff --phase 1 .").expect_code(1);
    let logger_fix = "+        logger.setLevel(logging.DEBUG)";
    assert!(inside.stdout.contains(logger_fix), "{}", inside.stdout);
    assert_eq!(inside.summary(), from_root.summary());
}
