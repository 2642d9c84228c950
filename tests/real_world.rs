//! Phases 1 and 2 on fixtures written in the style of real TXO-derived
//! projects (`tests/fixtures/real-world/`): each test runs the program with
//! Python before and after `apply` and shows that it behaves as the plan
//! intends (the same, or differently only where the plan says so).

mod common;

use common::{Project, run_tool, tool_available};

fn python() -> bool {
    let found = tool_available("python3", &["--version"]);
    if !found {
        eprintln!("note: python3 not found; the behaviour comparison is skipped");
    }
    found
}

/// A copy of `tests/fixtures/real-world/NAME`.
fn fixture(name: &str) -> Project {
    Project::fixture(&format!("real-world/{name}"))
}

/// What `python3 -B ARGS` prints (stdout, then stderr) and whether it succeeded.
fn run_python(project: &Project, args: &[&str]) -> (bool, String) {
    let mut all = vec!["-B"];
    all.extend_from_slice(args);
    run_tool(project.root(), "python3", &all)
}

/// Applies `phase` without git and returns the diff the apply wrote.
fn apply(project: &Project, phase: u8) -> common::Run {
    project
        .run(&format!("apply --no-git --phase {phase} ."))
        .expect_code(0)
}

#[test]
fn new_imports_never_move_the_module_docstring() {
    let project = fixture("docstring-header");
    if !python() {
        return;
    }
    let before = run_python(&project, &["show_docs.py"]);
    assert!(before.0, "{}", before.1);
    apply(&project, 2);
    let loader = project.read_text("utils/loader.py");
    assert!(
        loader.contains("raise HelpfulError(") && loader.contains("import HelpfulError"),
        "the exits were not converted:\n{loader}"
    );
    assert_eq!(run_python(&project, &["show_docs.py"]), before);
    assert!(
        loader.starts_with("# utils/loader.py\n\"\"\"Loads JSON schemas"),
        "the header moved:\n{loader}"
    );
}
