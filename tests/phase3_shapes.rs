//! Phase 3's shapes of shared state that are reported, not rewritten
//! (class-level mutable caches, hand-made singletons, `lru_cache` on module
//! functions; the sample's `utils/registry.py`): `diff` names them, and
//! `check` on the migrated sample finds exactly those and nothing else.

mod common;

use common::{Project, places};

#[test]
fn check_after_phase_3_finds_only_what_diff_reported() {
    let project = Project::sample();
    let diff = project.run("diff --phase 3 .").expect_code(1);
    let reported = places(&diff.stderr, "global-state-to-manager");
    assert_eq!(
        reported,
        [
            "utils/registry.py:21:5",
            "utils/registry.py:34:5",
            "utils/registry.py:46:1"
        ],
        "{}",
        diff.stderr
    );
    assert!(
        diff.stderr.contains(
            "utils/registry.py:21:5: warning[global-state-to-manager] class-level `EndpointRegistry._handlers` is one mutable object shared by every instance; create it in `__init__` (or annotate it `ClassVar` if sharing is meant) (reported, not rewritten: phase 3 moves module-level state only)"
        ),
        "{}",
        diff.stderr
    );
    assert!(!diff.stdout.contains("registry.py"), "{}", diff.stdout);
    let before = project.run("check --phase 3 .").expect_code(1);
    assert!(places(&before.stdout, "no-global-state").len() > reported.len());
    project.run("apply --no-git --phase 3 .").expect_code(0);
    let after = project.run("check --phase 3 .").expect_code(1);
    assert_eq!(
        places(&after.stdout, "no-global-state"),
        reported,
        "{}",
        after.stdout
    );
}
