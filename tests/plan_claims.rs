//! The plan's own example code for phases 3, 5 and 6 is wrong when run.
//! txo-codemod departs from it (docs/plan-departures.md); these tests run
//! each claim on CPython, so the reasons for departing stay checked facts.

use std::path::Path;
use std::process::Command;

const CLAIMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/plan_claims");

/// Runs one claim script and returns its stdout; the script asserts the
/// claim itself and exits non-zero when CPython disagrees.
fn confirm(script: &str) -> String {
    let path = Path::new(CLAIMS).join(script);
    let output = Command::new("python3")
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed to check the plan's claims: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{script} did not confirm its claim:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn plans_slotted_dataclass_has_no_fields() {
    assert!(confirm("dataclass_slots.py").contains("CONFIRMED dataclass-slots"));
}

#[test]
fn plans_deprecated_wrapper_breaks_old_calls() {
    assert!(confirm("deprecated_wrapper.py").contains("CONFIRMED deprecated-wrapper"));
}

#[test]
fn plans_config_proxy_cannot_report_a_missing_key() {
    assert!(confirm("config_proxy.py").contains("CONFIRMED config-proxy"));
}

#[test]
fn plans_method_metrics_reads_source_per_call() {
    assert!(confirm("method_metrics.py").contains("CONFIRMED method-metrics"));
}

#[test]
fn thread_local_storage_is_freed_with_its_thread() {
    assert!(confirm("thread_local.py").contains("CONFIRMED thread-local"));
}

#[test]
fn moving_a_public_name_into_a_manager_breaks_its_importers() {
    assert!(confirm("public_names.py").contains("CONFIRMED public-names"));
}
