//! Files too large or too deeply nested to parse safely are skipped with a
//! warning naming them, and the rest of the tree is still processed (issue 19:
//! tree-sitter aborted the whole process on ~511 indentation levels, deep
//! expressions overflowed the stack, a 50 MB file took gigabytes).

mod common;

use common::{Project, run_tool};

const GOOD: &str = "def load(config):\n    return config.get(\"a\", 1)\n";
const GOOD_AFTER: &str = "def load(config):\n    return config[\"a\"]\n";

/// `levels` nested `if` blocks around a soft-fail lookup.
fn nested_ifs(levels: usize) -> String {
    let mut text = String::new();
    for level in 0..levels {
        text.push_str(&format!("{}if x:\n", "    ".repeat(level)));
    }
    text.push_str(&format!(
        "{}y = config.get(\"a\", 1)\n",
        "    ".repeat(levels)
    ));
    text
}

fn project_with(name: &str, contents: &str) -> Project {
    let project = Project::new();
    project.write("utils/good.py", GOOD);
    project.write(&format!("utils/{name}"), contents);
    project
}

#[test]
fn deep_indentation_is_skipped_by_every_command() {
    let project = project_with("deep.py", &nested_ifs(600));
    let diff = project.run("diff --phase 1 .").expect_code(1);
    assert!(
        diff.stdout.contains("+++ b/utils/good.py"),
        "{}",
        diff.stdout
    );
    assert!(
        diff.stderr
            .contains("warning: utils/deep.py: skipped: indented at 601 different depths"),
        "{}",
        diff.stderr
    );
    let check = project.run("check .").expect_code(1);
    assert!(
        check.stderr.contains("warning: utils/deep.py: skipped"),
        "{}",
        check.stderr
    );
    assert!(
        check.stdout.contains("utils/good.py:2:12"),
        "{}",
        check.stdout
    );
    project.run("assess .").expect_code(0);
    project.run("apply --no-git --phase 1 .").expect_code(0);
    assert_eq!(project.read_text("utils/good.py"), GOOD_AFTER);
    assert_eq!(project.read_text("utils/deep.py"), nested_ifs(600));
}

#[test]
fn deep_expressions_are_skipped_not_a_stack_overflow() {
    for (name, expression) in [
        ("conditional.py", "a if b else ".repeat(20_000) + "1"),
        ("parens.py", "(".repeat(12_000) + "1" + &")".repeat(12_000)),
    ] {
        let source = format!("y = config.get(\"a\", 1)\nx = {expression}\n");
        let project = project_with(name, &source);
        let diff = project.run("diff --phase 1 .").expect_code(1);
        assert!(
            diff.stderr
                .contains(&format!("warning: utils/{name}: skipped: nested more than")),
            "{name}: {}",
            diff.stderr
        );
        project.run("check .").expect_code(1);
    }
}

#[test]
fn check_skips_a_file_too_deep_as_the_full_parse_does() {
    // The tokens alone would report the long function; the tree is too
    // deep to analyse, so `check` must skip the file as `--full-parse` does.
    let body: String = (0..60).map(|n| format!("    a{n} = {n}\n")).collect();
    let deep = format!("def long():\n{body}x = {}1\n", "-".repeat(12_000));
    let project = project_with("deep.py", &deep);
    let skipped = "warning: utils/deep.py: skipped: nested more than 10000 levels deep";
    for command in ["check --no-cache .", "check --no-cache --full-parse ."] {
        let check = project.run(command).expect_code(1);
        assert!(
            check.stderr.contains(skipped),
            "{command}: {}",
            check.stderr
        );
        assert!(
            !check.stdout.contains("method-length"),
            "{command}: {}",
            check.stdout
        );
    }
}

#[test]
fn the_size_limit_is_a_project_setting() {
    let project = Project::with_pyproject("[tool.txo-codemod]\nmax-file-size = 100\n");
    project.write("utils/good.py", GOOD);
    project.write("utils/big.py", GOOD.repeat(10));
    let diff = project.run("diff --phase 1 .").expect_code(1);
    assert!(
        diff.stderr.contains(
            "warning: utils/big.py: skipped: 480 bytes, over the size limit of 100 bytes"
        ),
        "{}",
        diff.stderr
    );
    assert!(!diff.stdout.contains("big.py"), "{}", diff.stdout);
}

#[test]
fn check_fails_on_a_file_it_cannot_read() {
    let (_, uid) = run_tool(std::path::Path::new("."), "id", &["-u"]);
    if uid.trim() == "0" {
        eprintln!("note: running as root, which reads any file; skipped");
        return;
    }
    let project = project_with("secret.py", GOOD);
    let path = project.path("utils/secret.py");
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let check = project.run("check .").expect_code(2);
    assert!(
        check.stderr.contains("error: utils/secret.py: cannot read"),
        "{}",
        check.stderr
    );
}

#[test]
fn a_long_chain_of_lookups_is_rewritten_pass_by_pass_with_short_messages() {
    let chain = ".get(\"a\", {})".repeat(400);
    let project = project_with(
        "chain.py",
        &format!("def f(config):\n    return config{chain}\n"),
    );
    let run = project.run("diff --phase 1 --json .").expect_code(1);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON report");
    let edits = report["edits"].as_array().expect("edits");
    let chained: Vec<&serde_json::Value> = edits
        .iter()
        .filter(|e| e["file"] == "utils/chain.py")
        .collect();
    assert!(!chained.is_empty(), "{}", run.stdout);
    for edit in chained {
        let message = edit["message"].as_str().unwrap();
        assert!(message.chars().count() < 600, "{message}");
        assert!(message.contains('…'), "{message}");
    }
}
