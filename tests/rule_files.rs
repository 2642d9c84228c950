//! User rule files (`--rules DIR`): broken files are rendered as located
//! diagnostics and stop the run; valid ones add or override rules.

mod common;

use common::{PRINT_RULE, Project};

/// `PRINT_RULE` with `from` replaced by `to` (which must be there).
fn edited(from: &str, to: &str) -> String {
    assert!(PRINT_RULE.contains(from), "`{from}` is not in the rule");
    PRINT_RULE.replacen(from, to, 1)
}

/// A project with `files` in `my-rules/`.
fn with_rules(files: &[(&str, &str)]) -> Project {
    let project = Project::new();
    for (name, text) in files {
        project.write(&format!("my-rules/{name}"), text);
    }
    project
}

/// Runs `rules test` and `diff` with the broken rule files: both must exit 2
/// with the same diagnostic, located at `location` (`file:line:column`).
/// Returns the diagnostic.
fn rejected(files: &[(&str, &str)], location: &str) -> String {
    let project = with_rules(files);
    let test = project.run("rules test --rules my-rules").expect_code(2);
    let diff = project
        .run("diff --phase 1 --rules my-rules .")
        .expect_code(2);
    assert_eq!((test.stdout.as_str(), diff.stdout.as_str()), ("", ""));
    assert_eq!(test.stderr, diff.stderr);
    assert!(
        test.stderr.contains(&format!("[my-rules/{location}]")),
        "expected a diagnostic at {location}:\n{}",
        test.stderr
    );
    assert!(
        test.stderr
            .ends_with("\nerror: 1 problem(s) in rule files; nothing was run\n"),
        "{}",
        test.stderr
    );
    test.stderr
}

#[test]
fn yaml_syntax_error() {
    let rule = edited("title: Library code logs", "title: Library code: logs");
    let stderr = rejected(&[("rule.yaml", &rule)], "rule.yaml:3:20");
    assert!(
        stderr.contains("mapping values are not allowed"),
        "{stderr}"
    );
    common::snapshot("rule_file_yaml_syntax_error", &stderr);
}

#[test]
fn unknown_field() {
    let rule = edited("title:", "titel:");
    let stderr = rejected(&[("rule.yaml", &rule)], "rule.yaml:3:1");
    assert!(stderr.contains("unknown field `titel`"), "{stderr}");
    common::snapshot("rule_file_unknown_field", &stderr);
}

#[test]
fn missing_required_field() {
    let message_line = PRINT_RULE.lines().nth(3).expect("line 4");
    let rule = edited(&format!("{message_line}\n"), "");
    let stderr = rejected(&[("rule.yaml", &rule)], "rule.yaml:1:1");
    assert!(stderr.contains("missing field `message`"), "{stderr}");
    common::snapshot("rule_file_missing_field", &stderr);
}

#[test]
fn pattern_that_is_not_python() {
    let rule = edited("pattern: print($MSG)", "pattern: print(\"a\",, $MSG)");
    // Column 21 is the first comma of `,,`.
    let stderr = rejected(&[("rule.yaml", &rule)], "rule.yaml:8:21");
    assert!(
        stderr.contains("the pattern is not valid Python"),
        "{stderr}"
    );
    common::snapshot("rule_file_invalid_pattern", &stderr);
}

#[test]
fn pattern_error_after_a_metavariable_points_at_the_error() {
    let rule = edited("pattern: print($MSG)", "pattern: print($MSG,, file)");
    // `print($MSG,,`: the commas are at columns 22 and 23, not at `MSG`.
    let project = with_rules(&[("rule.yaml", &rule)]);
    let run = project.run("rules test --rules my-rules").expect_code(2);
    assert!(
        ["rule.yaml:8:22]", "rule.yaml:8:23]"]
            .iter()
            .any(|location| run.stderr.contains(location)),
        "{}",
        run.stderr
    );
}

#[test]
fn fix_uses_an_unbound_metavariable() {
    let rule = edited("fix: logger.info($MSG)", "fix: logger.info($MESSAGE)");
    let stderr = rejected(&[("rule.yaml", &rule)], "rule.yaml:9:18");
    assert!(stderr.contains("`$MESSAGE` is used in `fix`"), "{stderr}");
    common::snapshot("rule_file_unbound_metavariable", &stderr);
}

#[test]
fn duplicate_id_across_two_files() {
    let files = [("a.yaml", PRINT_RULE), ("b.yaml", PRINT_RULE)];
    let stderr = rejected(&files, "b.yaml:1:5");
    assert!(
        stderr.contains("already used in my-rules/a.yaml"),
        "{stderr}"
    );
    common::snapshot("rule_file_duplicate_id", &stderr);
}

#[test]
fn unknown_phase() {
    let rule = edited("phase: 1", "phase: 9");
    let stderr = rejected(&[("rule.yaml", &rule)], "rule.yaml:2:8");
    assert!(stderr.contains("unknown phase 9"), "{stderr}");
    common::snapshot("rule_file_unknown_phase", &stderr);
}

#[test]
fn missing_rules_directory_is_explained() {
    let project = Project::new();
    let run = project.run("rules test --rules no-such-dir").expect_code(2);
    assert!(
        run.stderr.contains("rule directory does not exist"),
        "{}",
        run.stderr
    );
}

#[test]
fn user_rule_with_a_new_id_is_listed_and_runs() {
    let project = with_rules(&[("print.yaml", PRINT_RULE)]);
    // `logger` is defined: the gate fails a phase that adds an undefined name.
    let header = "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n";
    project.write(
        "utils/report.py",
        format!("{header}def report(count):\n    print(count)\n"),
    );

    let list = project.run("rules list --rules my-rules").expect_code(0);
    let listed: Vec<&str> = list
        .stdout
        .lines()
        .filter(|l| l.contains("print-call"))
        .collect();
    assert_eq!(
        listed,
        [
            "phase 1  print-call                               fix    info    breaking:none   Library code logs instead of printing"
        ]
    );
    let test = project.run("rules test --rules my-rules --rule print-call");
    assert_eq!(
        test.expect_code(0).stdout,
        "ok    print-call (2 cases)\n1 passed, 0 failed\n"
    );

    project
        .run("apply --no-git --phase 1 --rules my-rules .")
        .expect_code(0);
    assert_eq!(
        project.read_text("utils/report.py"),
        format!("{header}def report(count):\n    logger.info(count)\n")
    );
}

/// A report-only replacement for the embedded `config-get-with-default`.
const REPORT_ONLY_OVERRIDE: &str = r#"id: config-get-with-default
phase: 1
title: Soft-fail lookups are only reported in this project
message: "`$X.get($K, …)`: reported, not rewritten, in this project"
severity: warning
breaking: none
match:
  pattern: $X.get($K, $D)
  where:
    X:
      provenance: config
tests:
  valid:
    - |
      retry = response.headers.get("Retry-After", 5)
  invalid:
    - code: |
        def f(config):
            return config.get("a", 1)
"#;

const OVERRIDE_NOTE: &str = "note: rule `config-get-with-default` from my-rules/config.yaml \
                             overrides the one from rules/phase-1/config-get-with-default.yaml\n";

#[test]
fn user_rule_with_an_embedded_id_overrides_it() {
    let project = with_rules(&[("config.yaml", REPORT_ONLY_OVERRIDE)]);
    let source = "def f(config):\n    return config.get(\"a\", 1)\n";
    project.write("utils/settings.py", source);

    let list = project.run("rules list --rules my-rules").expect_code(0);
    assert_eq!(list.stderr, OVERRIDE_NOTE);
    let listed: Vec<&str> = list
        .stdout
        .lines()
        .filter(|l| l.contains(" config-get-with-default "))
        .collect();
    assert_eq!(listed.len(), 1, "{}", list.stdout);
    assert!(listed[0].ends_with("Soft-fail lookups are only reported in this project"));
    assert!(listed[0].contains(" report "), "{}", listed[0]);

    let diff = project
        .run("diff --phase 1 --rules my-rules .")
        .expect_code(0);
    assert_eq!(diff.stdout, "");
    assert_eq!(
        diff.stderr,
        format!(
            "{OVERRIDE_NOTE}utils/settings.py:2:12: warning[config-get-with-default] \
             `config.get(\"a\", …)`: reported, not rewritten, in this project\n\
             0 edits to make in 0 files (1 file scanned; 0 skipped: no rule could match; 0 with errors); 1 finding to review\n"
        )
    );
    assert_eq!(project.read_text("utils/settings.py"), source);
}

#[test]
fn embedded_rules_pass_their_own_tests() {
    let project = Project::new();
    let list = project.run("rules list").expect_code(0);
    let count = list.stdout.lines().count();
    assert!(count > 0);

    let test = project.run("rules test").expect_code(0);
    let lines: Vec<&str> = test.stdout.lines().collect();
    assert_eq!(
        lines.last(),
        Some(&format!("{count} passed, 0 failed").as_str())
    );
    assert_eq!(lines.len(), count + 1);
    for line in &lines[..count] {
        assert!(line.starts_with("ok    "), "{line}");
    }
}

#[test]
fn wrong_test_case_in_a_user_rule_fails_rules_test() {
    let wrong = edited(
        "      fixed: |\n        logger.info(",
        "      fixed: |\n        logger.warning(",
    );
    let project = with_rules(&[("print.yaml", &wrong)]);
    let embedded = Project::new().run("rules list").expect_code(0);
    let embedded_count = embedded.stdout.lines().count();

    let all = project.run("rules test --rules my-rules").expect_code(1);
    assert!(
        all.stdout
            .contains("\nFAIL  print-call (my-rules/print.yaml)\n"),
        "{}",
        all.stdout
    );
    assert!(
        all.stdout
            .ends_with(&format!("\n{embedded_count} passed, 1 failed\n")),
        "{}",
        all.stdout
    );

    let one = project.run("rules test --rules my-rules --rule print-call");
    common::snapshot("rules_test_wrong_fixed_case", &one.expect_code(1).stdout);
}

#[test]
fn rules_test_with_an_unknown_rule_id_is_an_error() {
    let project = Project::new();
    let run = project.run("rules test --rule no-such-rule").expect_code(2);
    assert!(run.stderr.contains("no-such-rule"), "{}", run.stderr);
}

/// A user rule whose pattern spans a block with a plain call statement.
const GUARDED_VALIDATION_RULE: &str = r#"id: guarded-validation
phase: 1
title: Validation behind a flag
message: "validation runs only when `$FLAG` is set"
severity: warning
breaking: none
match:
  pattern: |
    if $FLAG:
        validate_config(config)
tests:
  valid:
    - |
      validate_config(config)
  invalid:
    - code: |
        if strict:
            validate_config(config)
"#;

#[test]
fn block_patterns_match_call_statements() {
    let project = with_rules(&[("guard.yaml", GUARDED_VALIDATION_RULE)]);
    project.write(
        "utils/setup.py",
        "def load(config, strict):\n    if strict:\n        validate_config(config)\n    if strict:\n        check(config)\n",
    );
    project
        .run("rules test --rules my-rules --rule guarded-validation")
        .expect_code(0);
    let run = project
        .run("diff --phase 1 --rules my-rules --rule guarded-validation .")
        .expect_code(0);
    assert_eq!(
        run.stderr.lines().next(),
        Some(
            "utils/setup.py:2:5: warning[guarded-validation] validation runs only when `strict` is set"
        )
    );
    assert!(
        run.summary().contains("1 finding to review"),
        "{}",
        run.stderr
    );
}
