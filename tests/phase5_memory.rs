//! Phase 5 on the bundled sample, checked by running Python: every
//! dataclass behaves as before (pickle, copy, asdict, ==), the slotted ones
//! lose their `__dict__`, and weak references work where they failed.

mod common;

use std::process::Command;

use common::Project;
use serde_json::Value;
use txo_codemod::transforms::memory::{self, SourceFile};
use txo_codemod::transforms::target::PythonVersion;
use txo_codemod::transforms::{Outcome, memory::RuleOutcome};

const PROBE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/phase5/roundtrip.py"
);

fn probe(project: &Project) -> Value {
    let output = Command::new("python3")
        .arg(PROBE)
        .arg(project.root())
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed for the phase 5 checks: {e}"));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the probe prints JSON")
}

/// Migrates the project's Python files in place (the sample requires 3.10).
fn migrate(project: &Project) -> Vec<(String, RuleOutcome)> {
    let files: Vec<(String, String)> = project
        .python_files()
        .into_iter()
        .map(|f| {
            let text = project.read_text(&f);
            (f, text)
        })
        .collect();
    let sources: Vec<SourceFile> = files
        .iter()
        .map(|(display, text)| SourceFile { display, text })
        .collect();
    let target = PythonVersion::lower_bound(">=3.10");
    let mut outcomes = Vec::new();
    for result in memory::migrate(&sources, target) {
        if let Some(new_text) = &result.new_text {
            project.write(&result.display, new_text);
        }
        outcomes.extend(
            result
                .outcomes
                .into_iter()
                .map(|o| (result.display.clone(), o)),
        );
    }
    outcomes
}

fn refused(outcomes: &[(String, RuleOutcome)]) -> Vec<String> {
    outcomes
        .iter()
        .filter_map(|(file, o)| match &o.outcome {
            Outcome::Refused(r) => Some(format!("{file} {} {}: {}", o.rule, r.subject, r.reason)),
            Outcome::Rewrite { .. } => None,
        })
        .collect()
}

#[test]
fn dataclasses_behave_as_before_and_weak_references_work() {
    let project = Project::sample();
    let before = probe(&project);
    let outcomes = migrate(&project);
    let after = probe(&project);

    assert_eq!(
        before["behaviour"], after["behaviour"],
        "dataclass behaviour changed"
    );
    assert_eq!(before["slotted"], serde_json::json!([]));
    assert_eq!(
        after["slotted"],
        serde_json::json!(["BatchStats", "ProcessingResult", "RetryPolicy"])
    );
    assert_eq!(
        before["weak"]["CachedToken"],
        "cannot create weak reference to 'CachedToken' object"
    );
    assert_eq!(after["weak"]["CachedToken"], true);
    assert_eq!(after["weak"]["PageCursor"], true);

    let refusals = refused(&outcomes);
    assert_eq!(refusals.len(), 2, "{refusals:#?}");
    assert!(
        refusals[1].contains("DownloadState")
            && refusals[1].contains("`finished_at` (utils/batch_models.py:47)"),
        "{refusals:#?}"
    );
    assert!(refusals[0].contains("PageCursor") && refusals[0].contains("needs Python 3.11"));
    let models = project.read_text("utils/batch_models.py");
    assert!(
        !models.contains("No __slots__ here"),
        "the stale comment goes"
    );
    assert!(models.contains("__slots__ = (\"value\", \"expires_at\", \"__weakref__\")"));
}

#[test]
fn migrated_sample_compiles_and_a_second_pass_changes_nothing() {
    let project = Project::sample();
    migrate(&project);
    let changed = project.changed_from_sample();
    assert_eq!(changed, ["utils/batch_models.py", "utils/load_n_save.py"]);
    let again = migrate(&project);
    assert!(project.changed_from_sample() == changed);
    assert!(
        again
            .iter()
            .all(|(_, o)| matches!(o.outcome, Outcome::Refused(_)))
    );
    let (ok, output) = common::run_tool(
        project.root(),
        "python3",
        &["-m", "compileall", "-q", "utils"],
    );
    assert!(ok, "{output}");
}
