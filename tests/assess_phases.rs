//! `assess` counts each phase on the text the earlier phases leave: its
//! figures for phase N are those `diff --phase N` shows once phases 1..N-1
//! are applied. (A transform's change set is refused in a file that pattern
//! rules of the same run edit, so one run of every phase's rules on the
//! original text undercounted phases 3 and 4, e.g. `create_rest_api` in the
//! sample's `utils/api_factory.py`.)

mod common;

use std::collections::BTreeSet;

use common::{Project, run_argv};
use serde_json::Value;

/// A phase's figures as `assess` reports them and as `diff --json` shows them.
#[derive(Debug, PartialEq, Eq)]
struct Counts {
    edits: u64,
    files: u64,
    to_review: u64,
    created: Vec<String>,
}

/// Runs a command that prints JSON; `diff` exits 1 when it has edits.
fn json(project: &Project, args: &[&str]) -> Value {
    let run = run_argv(project.root(), args);
    assert!(
        run.code <= 1,
        "`{}` exited {}: {}",
        run.args,
        run.code,
        run.stderr
    );
    serde_json::from_str(&run.stdout).expect("JSON output")
}

fn assessed(assessment: &Value, phase: u64) -> Counts {
    let counts = assessment["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .find(|p| p["phase"] == phase)
        .expect("every phase is listed");
    Counts {
        edits: counts["edits"].as_u64().unwrap(),
        files: counts["files"].as_u64().unwrap(),
        to_review: counts["to_review"].as_u64().unwrap(),
        created: strings(counts["created"].as_array().unwrap().iter()),
    }
}

/// What `diff --phase N --json` shows: edits counted per rule (as `assess`
/// and `apply` count them), the files they are in, the findings, the files
/// to create.
fn diffed(project: &Project, phase: u64) -> Counts {
    let diff = json(project, &["diff", "--phase", &phase.to_string(), "--json"]);
    let edits = diff["edits"].as_array().expect("edits");
    let files: BTreeSet<&str> = edits.iter().map(|e| e["file"].as_str().unwrap()).collect();
    let created = diff["created"].as_array().expect("created");
    Counts {
        edits: edits
            .iter()
            .map(|e| e["rules"].as_array().unwrap().len() as u64)
            .sum(),
        files: files.len() as u64,
        to_review: diff["findings"].as_array().expect("findings").len() as u64,
        created: strings(
            created
                .iter()
                .filter(|c| c["status"] == "create")
                .map(|c| &c["file"]),
        ),
    }
}

fn strings<'v>(values: impl Iterator<Item = &'v Value>) -> Vec<String> {
    let mut list: Vec<String> = values.map(|v| v.as_str().unwrap().to_string()).collect();
    list.sort();
    list
}

#[test]
fn each_phase_counts_what_its_diff_shows_after_the_earlier_phases() {
    let project = Project::sample_repo();
    let assessment = json(&project, &["assess", "--format", "json"]);
    for phase in 1..=6 {
        let shown = diffed(&project, phase);
        assert_eq!(
            assessed(&assessment, phase),
            shown,
            "phase {phase}: assess against diff after phases 1..{}",
            phase - 1
        );
        if phase < 6 && shown.edits > 0 {
            let applied = run_argv(
                project.root(),
                &["apply", "--phase", &phase.to_string(), "--commit"],
            );
            assert_eq!(applied.code, 0, "apply --phase {phase}: {}", applied.stderr);
        }
    }
}
