//! Unusual or broken input files: line endings, BOM, tabs, syntax errors,
//! encodings, permissions and comments inside a match.

mod common;

use common::{Project, Run};

/// Writes `utils/mod.py` in a fresh project, runs `apply --phase 1`, and
/// returns the run and the file's bytes afterwards.
fn apply_to_one_file(project: &Project, before: &[u8]) -> (Run, Vec<u8>) {
    project.write("utils/mod.py", before);
    let run = project.run("apply --no-git --phase 1 .");
    (run, project.read("utils/mod.py"))
}

/// The bytes as text, failing on anything that is not UTF-8.
fn utf8(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("UTF-8 output")
}

/// Whether every `\n` in `bytes` is preceded by `\r`.
fn only_crlf(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .enumerate()
        .all(|(i, b)| *b != b'\n' || (i > 0 && bytes[i - 1] == b'\r'))
}

#[test]
fn crlf_line_endings_and_comments_are_kept() {
    let before = b"def f(config):\r\n    x = config.get(\"a\", 1)  # keep\r\n    return x\r\n";
    let (run, after) = apply_to_one_file(&Project::new(), before);
    run.expect_code(0);
    assert_eq!(
        utf8(after),
        "def f(config):\r\n    x = config[\"a\"]  # keep\r\n    return x\r\n"
    );
}

#[test]
fn utf8_bom_is_kept() {
    let before = b"\xef\xbb\xbfdef f(config):\n    return config.get(\"a\", 1)\n";
    let (run, after) = apply_to_one_file(&Project::new(), before);
    run.expect_code(0);
    assert_eq!(
        after,
        b"\xef\xbb\xbfdef f(config):\n    return config[\"a\"]\n"
    );
}

#[test]
fn tab_indentation_is_kept() {
    let before = b"def f(config):\n\tif config:\n\t\treturn config.get(\"a\", 1)\n";
    let (run, after) = apply_to_one_file(&Project::new(), before);
    run.expect_code(0);
    assert_eq!(
        utf8(after),
        "def f(config):\n\tif config:\n\t\treturn config[\"a\"]\n"
    );
}

#[test]
fn missing_final_newline_stays_missing() {
    let before = b"def f(config):\n    return config.get(\"a\", 1)";
    let (run, after) = apply_to_one_file(&Project::new(), before);
    run.expect_code(0);
    assert_eq!(utf8(after), "def f(config):\n    return config[\"a\"]");
}

const TRY_EXCEPT: &str = "[tool.txo-codemod]\nenable-rules = [\"config-get-try-except\"]\n";

#[test]
fn multi_line_fix_in_a_crlf_file_writes_crlf_lines_only() {
    let project = Project::with_pyproject(TRY_EXCEPT);
    let before = b"def f(config):\r\n    x = config.get(\"a\", 1)\r\n    return x\r\n";
    let (run, after) = apply_to_one_file(&project, before);
    run.expect_code(0);
    assert!(only_crlf(&after));
    assert_eq!(
        utf8(after),
        "def f(config):\r\n    try:\r\n        x = config[\"a\"]\r\n    except KeyError:\r\n        x = 1\r\n    return x\r\n"
    );
}

#[test]
fn multi_line_fix_in_a_tab_indented_file_indents_with_tabs() {
    let project = Project::with_pyproject(TRY_EXCEPT);
    let before = b"def f(config):\n\tif config:\n\t\tx = config.get(\"a\", 1)\n\treturn x\n";
    let (run, after) = apply_to_one_file(&project, before);
    run.expect_code(0);
    assert_eq!(
        utf8(after),
        "def f(config):\n\tif config:\n\t\ttry:\n\t\t\tx = config[\"a\"]\n\t\texcept KeyError:\n\t\t\tx = 1\n\treturn x\n"
    );
}

/// `g` has an unclosed parenthesis (line 6): tree-sitter's error region
/// covers its body; `f` and `h` parse normally.
const WITH_SYNTAX_ERROR: &str = "\
def f(config):
    return config.get(\"a\", 1)


def g(config):
    x = (config.get(\"b\", 2)
    return x


def h(config):
    return config.get(\"c\", 3)
";

#[test]
fn code_inside_a_syntax_error_is_not_rewritten() {
    let project = Project::new();
    project.write("utils/broken.py", WITH_SYNTAX_ERROR);
    let run = project.run("apply --no-git --phase 1 .").expect_code(0);
    assert_eq!(
        run.stderr,
        "warning: utils/broken.py:6:5: the file has a syntax error; code inside the error is not rewritten\n\
         2 edits made in 1 file (1 file scanned; 0 skipped: no rule could match; 1 with errors); 0 findings to review\n"
    );
    let expected = WITH_SYNTAX_ERROR
        .replace("config.get(\"a\", 1)", "config[\"a\"]")
        .replace("config.get(\"c\", 3)", "config[\"c\"]");
    assert_eq!(project.read_text("utils/broken.py"), expected);
}

const BROKEN_FIX_RULE: &str = r#"
id: unbalanced-fix
phase: 1
title: A fix whose result does not parse
message: "frobnicate is deprecated"
severity: warning
breaking: none
match:
  pattern: frobnicate($A)
fix: "frobnicate($A"
tests:
  valid: ["x = 1\n"]
  invalid:
    - code: "frobnicate(1)\n"
      fixed: "frobnicate(1\n"
"#;

#[test]
fn fix_that_breaks_syntax_is_not_kept_in_a_file_with_an_existing_error() {
    let project = Project::new();
    project.write("my-rules/unbalanced.yaml", BROKEN_FIX_RULE);
    let before = "frobnicate(1)\n\n\ndef g(:\n    pass\n";
    project.write("utils/broken.py", before);
    let run = project.run("apply --no-git --phase 1 --rules my-rules --rule unbalanced-fix .");
    assert!(
        run.stderr.contains("the rewrite would not parse"),
        "{}",
        run.stderr
    );
    assert_eq!(project.read_text("utils/broken.py"), before);
}

#[test]
fn non_utf8_file_is_skipped_with_a_warning() {
    let project = Project::new();
    let latin1 = b"x = '\xff'\ndef f(config):\n    return config.get(\"a\", 1)\n";
    project.write("utils/latin1.py", latin1);
    project.write(
        "utils/ok.py",
        "def f(config):\n    return config.get(\"a\", 1)\n",
    );
    let run = project.run("apply --no-git --phase 1 .").expect_code(0);
    assert_eq!(
        run.stderr,
        "warning: utils/latin1.py:1: not valid UTF-8 (byte 5); file skipped\n\
         1 edit made in 1 file (2 files scanned; 0 skipped: no rule could match; 1 with errors); 0 findings to review\n"
    );
    assert_eq!(project.read("utils/latin1.py"), latin1);
    assert_eq!(
        project.read_text("utils/ok.py"),
        "def f(config):\n    return config[\"a\"]\n"
    );
}

/// The prefilter skips files no rule can match, but not one that is not
/// UTF-8: `diff` reports it as the run that parses every file does, even
/// when its bytes hold no rule's words.
#[test]
fn non_utf8_file_without_rule_words_is_reported_with_and_without_the_prefilter() {
    let project = Project::new();
    let latin1 = b"# caf\xe9\nx = 1\n";
    project.write("utils/latin1.py", latin1);
    project.write(
        "utils/ok.py",
        "def f(config):\n    return config.get(\"a\", 1)\n",
    );
    let expected = "warning: utils/latin1.py:1: not valid UTF-8 (byte 5); file skipped\n";
    let filtered = project.run("diff --phase 1 .").expect_code(1);
    let unfiltered = project
        .run("diff --phase 1 --no-prefilter .")
        .expect_code(1);
    assert!(filtered.stderr.starts_with(expected), "{}", filtered.stderr);
    assert_eq!(
        (&filtered.stdout, &filtered.stderr),
        (&unfiltered.stdout, &unfiltered.stderr)
    );
    assert!(
        filtered.stdout.contains("config[\"a\"]"),
        "{}",
        filtered.stdout
    );
}

#[test]
fn read_only_file_is_reported_and_left_untouched() {
    let project = Project::new();
    let locked = "def f(config):\n    return config.get(\"locked\", 1)\n";
    project.write("utils/locked.py", locked);
    project.write(
        "utils/open.py",
        "def f(config):\n    return config.get(\"open\", 1)\n",
    );
    project.set_read_only("utils/locked.py");
    let run = project.run("apply --no-git --phase 1 .").expect_code(1);
    assert_eq!(
        run.stderr,
        "error: utils/locked.py: file is read-only; left untouched\n\
         1 edit made in 1 file (2 files scanned; 0 skipped: no rule could match; 0 with errors); 0 findings to review\n\
         1 file(s) were not written; see the errors above\n"
    );
    assert_eq!(project.read_text("utils/locked.py"), locked);
    assert!(project.is_read_only("utils/locked.py"));
    assert_eq!(
        project.read_text("utils/open.py"),
        "def f(config):\n    return config[\"open\"]\n"
    );
}

#[test]
fn comment_inside_a_matched_call_is_not_dropped() {
    let project = Project::new();
    let before =
        "def f(config):\n    return config.get(\n        \"a\",  # why\n        1,\n    )\n";
    project.write("utils/commented.py", before);
    let run = project.run("apply --no-git --phase 1 .").expect_code(0);
    assert_eq!(
        run.stderr,
        "utils/commented.py:2:12: error[config-get-with-default] `config.get(\"a\", …)` hides a \
         missing configuration key; `config[\"a\"]` fails loudly instead (not rewritten: the fix \
         would drop a comment inside the matched code)\n\
         0 edits made in 0 files (1 file scanned; 0 skipped: no rule could match; 0 with errors); 1 finding to review\n"
    );
    assert_eq!(project.read_text("utils/commented.py"), before);
}
