//! `check` and `diff` word the same site the same way: each of `check`'s
//! configuration lookups and exits on the sample is compared with what
//! `diff` says at that site (a finding's message, or the message of the edit
//! that starts there, which for a chain of lookups joins the messages of
//! every lookup it rewrites).

mod common;

use std::collections::BTreeMap;

use common::Project;
use serde_json::Value;

/// (file, line, column) of a site.
type Site = (String, u64, u64);

fn site(item: &Value) -> Site {
    (
        item["file"].as_str().unwrap_or_default().to_string(),
        item["line"].as_u64().unwrap_or_default(),
        item["column"].as_u64().unwrap_or_default(),
    )
}

/// Every message `diff --phase N --json` gives per site: its findings' and
/// its edits'.
fn diff_messages(sample: &Project, phase: u8) -> BTreeMap<Site, Vec<String>> {
    let run = sample.run(&format!("diff --phase {phase} --json ."));
    let document: Value = serde_json::from_str(&run.stdout).unwrap();
    let mut messages: BTreeMap<Site, Vec<String>> = BTreeMap::new();
    for key in ["findings", "edits"] {
        for item in document[key].as_array().unwrap() {
            let message = item["message"].as_str().unwrap_or_default().to_string();
            messages.entry(site(item)).or_default().push(message);
        }
    }
    messages
}

/// `check --format json`'s findings of one check that phase `phase` acts on
/// (allowed ones excepted: the phase leaves them alone and says nothing).
fn check_findings(sample: &Project, check: &str) -> Vec<(Site, String)> {
    let run = sample.run("check --format json .").expect_code(1);
    let document: Value = serde_json::from_str(&run.stdout).unwrap();
    document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == check && f["allowed"].is_null())
        .map(|f| (site(f), f["message"].as_str().unwrap().to_string()))
        .collect()
}

/// Sites both commands report, and those whose wordings differ.
fn compare(check: &[(Site, String)], diff: &BTreeMap<Site, Vec<String>>) -> (usize, Vec<String>) {
    let mut shared = 0;
    let mut differing = Vec::new();
    for (site, message) in check {
        let Some(said) = diff.get(site) else {
            continue;
        };
        shared += 1;
        if !said.iter().any(|d| {
            d == message
                || d.contains(&format!("{message}; "))
                || d.ends_with(&format!("; {message}"))
        }) {
            differing.push(format!("{site:?}\n  check: {message}\n  diff:  {said:?}"));
        }
    }
    (shared, differing)
}

#[test]
fn configuration_lookups_are_worded_alike_by_check_and_diff() {
    let sample = Project::sample();
    let check = check_findings(&sample, "no-soft-fail");
    let (shared, differing) = compare(&check, &diff_messages(&sample, 1));
    assert!(differing.is_empty(), "{}", differing.join("\n"));
    // The rewritten lookups, chains, the injected key, the lookup without a
    // default and the one on a defaulted argument: every lookup check flags.
    assert_eq!(shared, check.len());
    assert!(shared >= 30, "only {shared} sites in common");
}

#[test]
fn exits_are_worded_alike_by_check_and_diff() {
    let sample = Project::sample();
    let check = check_findings(&sample, "no-sys-exit");
    let (shared, differing) = compare(&check, &diff_messages(&sample, 2));
    assert!(differing.is_empty(), "{}", differing.join("\n"));
    // Rewritten exits (one under a local alias of HelpfulError), the two
    // that need review and the success exit: every exit check flags.
    assert_eq!(shared, check.len());
    assert!(shared >= 8, "only {shared} sites in common");
}
