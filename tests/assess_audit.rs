//! `assess` audits every library file, also those its first dry run
//! (phase 1) does not parse because no rule may apply to them: those are
//! audited tokenizer first, as `check` audits them, and must count the same
//! as where the run parses the file.

mod common;

use common::Project;
use serde_json::Value;

/// A function of `lines` lines (`end_lineno - lineno`).
fn long_function(name: &str, lines: usize) -> String {
    let body: String = (0..lines).map(|n| format!("    a{n} = {n}\n")).collect();
    format!("def {name}():\n{body}")
}

fn assessment(project: &Project) -> Value {
    let run = project
        .run("assess --no-cache --format json .")
        .expect_code(0);
    serde_json::from_str(&run.stdout).expect("assess --format json prints JSON")
}

fn row<'a>(json: &'a Value, file: &str) -> &'a Value {
    json["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|row| row["file"] == file)
        .unwrap_or_else(|| panic!("no row for {file}: {json}"))
}

#[test]
fn files_no_phase_1_rule_may_apply_to_are_still_audited() {
    let project = Project::new();
    // Phase 1's rules look for `.get(`: none of these has one.
    project.write(
        "utils/exits.py",
        "import sys\n\ndef stop():\n    sys.exit(1)\n",
    );
    let state = format!("_cache = {{}}\n{}", long_function("long", 60));
    project.write("utils/state.py", state);
    project.write(
        "utils/lookup.py",
        "def f(config):\n    return config.get('a', 1)\n",
    );
    let json = assessment(&project);
    assert_eq!(json["library_files"], 3, "{json}");
    let exits = row(&json, "utils/exits.py");
    assert_eq!(exits["exits"], 1, "{exits}");
    let state = row(&json, "utils/state.py");
    assert_eq!(state["global_state"], 1, "{state}");
    assert_eq!(state["over_50_lines"], 1, "{state}");
    assert_eq!(row(&json, "utils/lookup.py")["soft_fail"], 1, "{json}");
}

#[test]
fn a_file_nested_too_deep_is_not_audited_though_no_rule_parses_it() {
    let project = Project::new();
    // The tokens alone would count the long function; its tree is too deep
    // to analyse, so where the run parses it nothing is counted.
    let deep = format!("{}x = {}1\n", long_function("long", 60), "-".repeat(12_000));
    project.write("utils/deep.py", deep);
    project.write("utils/plain.py", long_function("plain", 60));
    let json = assessment(&project);
    assert_eq!(json["library_files"], 2, "{json}");
    assert_eq!(row(&json, "utils/plain.py")["over_50_lines"], 1, "{json}");
    let deep = row(&json, "utils/deep.py");
    assert_eq!(deep["over_50_lines"], 0, "{deep}");
}
