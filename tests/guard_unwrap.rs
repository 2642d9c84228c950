//! Unwrapping a validation guard moves whole statements and never the inside
//! of a string (issue 19: a block holding a triple-quoted string had only its
//! first line re-indented, an IndentationError written with exit 0 when no
//! Python was on PATH to catch it).

mod common;

use common::{Project, run_in_with_path, run_tool, tool_available};

const GUARDED: &str = r#"def load(path, validate_config=True):
    if validate_config:
        schema = """
{"a": 1}
    indented inside the string
"""
        checked = schema.strip()
        note = f"""{path}
  kept"""
    return path, schema, checked, note
"#;

/// What `load("p")` returns, printed by Python.
fn run_load(project: &Project) -> String {
    let (ok, output) = run_tool(
        project.root(),
        "python3",
        &[
            "-c",
            "from utils.loader import load; print(repr(load('p')))",
        ],
    );
    assert!(ok, "python failed: {output}");
    output
}

#[test]
fn the_unwrapped_block_keeps_its_strings_and_its_behaviour() {
    if !tool_available("python3", &["--version"]) {
        eprintln!("note: python3 not found; skipped");
        return;
    }
    let project = Project::new();
    project.write("utils/__init__.py", "");
    project.write("utils/loader.py", GUARDED);
    let before = run_load(&project);
    // No Python on PATH for the gate: the tool's own re-parse holds the line.
    let applied = run_in_with_path(
        project.root(),
        "apply --no-git --phase 1 .",
        Some("/nonexistent"),
    )
    .expect_code(0);
    assert!(
        applied.stderr.contains("no Python interpreter found"),
        "{}",
        applied.stderr
    );
    let after = project.read_text("utils/loader.py");
    assert!(after.contains("def load(path):\n    schema = \"\"\"\n{\"a\": 1}\n    indented inside the string\n\"\"\"\n    checked = schema.strip()\n    note = f\"\"\"{path}\n  kept\"\"\"\n"), "{after}");
    assert_eq!(run_load(&project), before);
}
