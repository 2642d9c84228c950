//! `apply --through N`: every phase after the last applied one, in order,
//! each behind its own tag, ledger entry, gate and commit; stopping at the
//! first phase whose gate fails.

mod common;

use common::{Project, Run, run_argv};
use serde_json::Value;

fn git(project: &Project, args: &[&str]) -> String {
    common::git_in(project.root(), args)
}

fn run(project: &Project, args: &[&str]) -> Run {
    run_argv(project.root(), args)
}

/// `(phase, <key>)` of each object in a JSON list.
fn phases_with(list: &Value, key: &str) -> Vec<(u64, String)> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|o| {
            (
                o["phase"].as_u64().unwrap(),
                o[key].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn ledger_states(project: &Project) -> Vec<(u64, String)> {
    let ledger: Value =
        serde_json::from_str(&project.read_text(".txo-codemod/ledger.json")).expect("JSON");
    phases_with(&ledger["entries"], "state")
}

fn statuses(json: &str) -> Vec<(u64, String)> {
    let outcomes: Value = serde_json::from_str(json).expect("--json prints JSON");
    phases_with(&outcomes, "status")
}

fn owned(pairs: &[(u64, &str)]) -> Vec<(u64, String)> {
    pairs.iter().map(|(p, s)| (*p, s.to_string())).collect()
}

#[test]
fn through_6_applies_each_phase_with_its_own_tag_entry_and_commit() {
    let project = Project::sample_repo();
    let done = run(&project, &["apply", "--through", "6", "--commit", "--json"]);
    assert_eq!(done.code, 0, "{}", done.stderr);

    // Phases without rules yet are reported, not recorded; the expectation
    // follows `rules list`, so it stays true as phases gain rules.
    let with_rules: Vec<u64> = (1..=6)
        .filter(|p| {
            !run(&project, &["rules", "list", "--phase", &p.to_string()])
                .stdout
                .trim()
                .is_empty()
        })
        .collect();
    assert!(with_rules.starts_with(&[1, 2]), "{with_rules:?}");
    let expected: Vec<(u64, &str)> = (1..=6)
        .map(|p| {
            (
                p,
                if with_rules.contains(&p) {
                    "applied"
                } else {
                    "no-rules"
                },
            )
        })
        .collect();
    assert_eq!(statuses(&done.stdout), owned(&expected));
    let recorded: Vec<(u64, &str)> = with_rules.iter().map(|p| (*p, "applied")).collect();
    assert_eq!(ledger_states(&project), owned(&recorded));
    let log = git(&project, &["log", "--format=%s"]);
    let commits: Vec<&str> = log.lines().collect();
    assert_eq!(commits.len(), with_rules.len() + 1, "{log}");
    assert_eq!(commits.last(), Some(&"TXO v2.1"), "{log}");
    for (commit, phase) in commits.iter().rev().skip(1).zip(&with_rules) {
        assert!(
            commit.starts_with(&format!("txo-codemod: phase {phase} — ")),
            "{log}"
        );
    }
    let tags = git(&project, &["tag"]);
    assert!(tags.contains("v2.1.0"), "{tags}");
    for phase in &with_rules {
        assert!(
            tags.contains(&format!("txo-codemod/pre-phase-{phase}")),
            "{tags}"
        );
    }
    for line in [
        "summary, phases 1-6:",
        "  phase 1  Eliminate soft-fail configuration access   applied: 36 edits in 5 files, tag txo-codemod/pre-phase-1",
        "  phase 2  Remove sys.exit() from library code        applied: 6 edits in 3 files, tag txo-codemod/pre-phase-2",
    ] {
        assert!(
            done.stderr.contains(line),
            "missing {line:?} in\n{}",
            done.stderr
        );
    }
    if let Some(first_without) = (1..=6).find(|p| !with_rules.contains(p)) {
        let line = format!("  phase {first_without}  ");
        let shown = done
            .stderr
            .lines()
            .find(|l| l.starts_with(&line))
            .unwrap_or("");
        assert!(
            shown.ends_with("no rules yet: nothing to do, not recorded"),
            "{}",
            done.stderr
        );
    }
    let status = run(&project, &["status"]);
    assert!(
        status
            .stdout
            .contains("applied, 5 files [txo-codemod/pre-phase-1]"),
        "{}",
        status.stdout
    );
    assert!(
        !status.stdout.contains("changed since"),
        "{}",
        status.stdout
    );

    // Again: it starts after the last applied phase, changes and commits nothing.
    let again = run(&project, &["apply", "--through", "6", "--commit"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let last = with_rules.last().copied().unwrap_or(0);
    if last < 6 {
        let summary = format!("summary, phases {}-6:", last + 1);
        assert!(again.stderr.contains(&summary), "{}", again.stderr);
    }
    assert_eq!(git(&project, &["log", "--format=%s"]), log);
}

#[test]
fn without_commit_each_phase_still_gets_its_entry_and_rollback_restores_all() {
    let project = Project::sample_repo();
    let done = run(&project, &["apply", "--through", "2"]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert_eq!(
        ledger_states(&project),
        owned(&[(1, "applied"), (2, "applied")])
    );
    assert!(!done.stderr.contains("phase 3"), "{}", done.stderr);

    run(&project, &["rollback", "--to", "v2.1.0"]);
    assert!(project.changed_from_sample().is_empty());
}

#[test]
fn it_stops_at_the_first_phase_whose_gate_fails_and_keeps_the_earlier_ones() {
    let project = Project::sample_repo();
    // Passes after phase 1; fails once phase 2 has dropped `import sys`.
    let verify = "grep -q '^import sys' utils/config_loader.py";
    let stopped = run(
        &project,
        &["apply", "--through", "6", "--verify", verify, "--json"],
    );
    assert_eq!(stopped.code, 1, "{}", stopped.stderr);

    assert_eq!(
        statuses(&stopped.stdout),
        owned(&[
            (1, "applied"),
            (2, "rolled-back"),
            (3, "not-run"),
            (4, "not-run"),
            (5, "not-run"),
            (6, "not-run"),
        ])
    );
    assert_eq!(
        ledger_states(&project),
        owned(&[(1, "applied"), (2, "rolled-back")])
    );
    let changed = project.changed_from_sample();
    assert!(
        changed.contains(&"utils/api_factory.py".to_string()),
        "{changed:?}"
    );
    assert!(
        !changed.contains(&"utils/path_helpers.py".to_string()),
        "{changed:?}"
    );
    assert!(
        stopped
            .stderr
            .contains("verification failed: undone, stopped here")
            && stopped
                .stderr
                .contains("not run: an earlier phase did not apply"),
        "{}",
        stopped.stderr
    );
}

#[test]
fn it_starts_after_the_last_applied_phase() {
    let project = Project::sample_repo();
    assert_eq!(run(&project, &["apply", "--phase", "1"]).code, 0);
    let rest = run(&project, &["apply", "--through", "2", "--json"]);
    assert_eq!(rest.code, 0, "{}", rest.stderr);
    assert_eq!(statuses(&rest.stdout), owned(&[(2, "applied")]));

    let nothing = run(&project, &["apply", "--through", "2"]);
    assert_eq!(nothing.code, 0);
    assert!(
        nothing
            .stderr
            .contains("nothing to do: every phase up to 2 is already applied"),
        "{}",
        nothing.stderr
    );
}

#[test]
fn bulk_runs_take_each_repository_through_on_its_own() {
    let first = Project::sample_repo();
    let second = Project::sample_repo();
    let outside = Project::sample();
    let list = first.path("repos.txt");
    std::fs::write(
        &list,
        format!(
            "{}\n{}\n{}\n",
            first.root().display(),
            second.root().display(),
            outside.root().display()
        ),
    )
    .expect("write the list");
    let list = list.to_string_lossy().to_string();
    let bulk = run(
        &first,
        &["apply", "--through", "2", "--repos-from", &list, "--json"],
    );
    assert_eq!(bulk.code, 2, "one repository is refused: {}", bulk.stderr);
    let outcomes: Value = serde_json::from_str(&bulk.stdout).expect("JSON");
    let applied = outcomes
        .as_array()
        .expect("a list")
        .iter()
        .filter(|o| o["status"] == "applied")
        .count();
    assert_eq!(
        applied, 4,
        "phases 1 and 2 in both repositories: {outcomes:#}"
    );
    assert_eq!(
        ledger_states(&second),
        owned(&[(1, "applied"), (2, "applied")])
    );
    assert!(outside.changed_from_sample().is_empty());
}

#[test]
fn through_replaces_phase_tag_and_rule() {
    let project = Project::sample_repo();
    for args in [
        &["apply", "--through", "2", "--phase", "1"][..],
        &["apply", "--through", "2", "--tag", "mine"][..],
        &[
            "apply",
            "--through",
            "2",
            "--rule",
            "config-get-with-default",
        ][..],
        &["apply"][..],
    ] {
        let refused = run(&project, args);
        assert_eq!(refused.code, 2, "{args:?}: {}", refused.stderr);
    }
    assert!(project.changed_from_sample().is_empty());
    assert_eq!(run(&project, &["diff"]).code, 2, "diff still needs --phase");
}

#[test]
fn a_hand_edit_on_top_of_an_uncommitted_phase_is_still_refused() {
    let project = Project::sample_repo();
    assert_eq!(run(&project, &["apply", "--phase", "1"]).code, 0);
    let mut edited = project.read_text("utils/config_loader.py");
    edited.push_str("# a note by hand\n");
    project.write("utils/config_loader.py", edited);

    let refused = run(&project, &["apply", "--phase", "2"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains(
            "uncommitted changes in files this phase would change: utils/config_loader.py"
        ),
        "{}",
        refused.stderr
    );
}

#[test]
fn an_interrupted_phase_is_refused_until_rolled_back() {
    let project = Project::sample_repo();
    assert_eq!(run(&project, &["apply", "--phase", "1"]).code, 0);
    let ledger = project.read_text(".txo-codemod/ledger.json");
    project.write(
        ".txo-codemod/ledger.json",
        ledger.replace("\"applied\"", "\"applying\""),
    );

    let refused = run(&project, &["apply", "--through", "6"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("phase 1 was interrupted; run `txo-codemod rollback --phase 1` first"),
        "{}",
        refused.stderr
    );
    assert_eq!(ledger_states(&project), owned(&[(1, "applying")]));
}
