//! `check`'s findings cache (`.txo-codemod/cache/check.json`): a warm run
//! prints what a cold one does; an edited file is audited again and only
//! it; a settings change or `--no-cache` bypasses every entry; a broken or
//! unwritable cache is named in a warning and never fails the run.
//!
//! Whether an entry was used is seen from outside: an entry whose message
//! the test rewrote shows up in the output only if it was taken from the
//! cache.

mod common;

use common::Project;

const CACHE: &str = ".txo-codemod/cache/check.json";
const MARK: &str = "MARKED IN THE CACHE";

fn check(project: &Project, extra: &str) -> common::Run {
    project.run(&format!("check --format json . {extra}"))
}

fn findings_of(run: &common::Run) -> Vec<serde_json::Value> {
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON output");
    report["findings"].as_array().expect("findings").clone()
}

/// Rewrites the message of every cached finding of `file`.
fn mark_cached(project: &Project, file: &str) {
    let mut cache: serde_json::Value =
        serde_json::from_str(&project.read_text(CACHE)).expect("the cache is JSON");
    let findings = cache["files"][file]["findings"]
        .as_array_mut()
        .unwrap_or_else(|| panic!("{file} is cached"));
    assert!(!findings.is_empty(), "{file} has findings to mark");
    for finding in findings {
        finding["message"] = MARK.into();
    }
    project.write(CACHE, cache.to_string());
}

/// Files whose findings in `run` carry the mark.
fn marked_files(run: &common::Run) -> Vec<String> {
    let mut files: Vec<String> = findings_of(run)
        .iter()
        .filter(|f| f["message"] == MARK)
        .map(|f| f["file"].as_str().unwrap_or_default().to_string())
        .collect();
    files.dedup();
    files
}

#[test]
fn a_warm_run_prints_what_a_cold_run_prints_and_stays_out_of_git() {
    let project = Project::sample_repo();
    let cold = check(&project, "").expect_code(1);
    assert!(project.path(CACHE).exists());
    let warm = check(&project, "").expect_code(1);
    assert_eq!((warm.stdout, warm.stderr), (cold.stdout, cold.stderr));
    let text_cold = project.run("check --no-cache .");
    let text_warm = project.run("check .");
    assert_eq!(text_warm.stdout, text_cold.stdout);
    assert_eq!(common::git(&project, "status --porcelain --ignored=no"), "");
}

#[test]
fn an_edited_file_is_audited_again_and_the_others_come_from_the_cache() {
    let project = Project::sample();
    check(&project, "").expect_code(1);
    mark_cached(&project, "utils/helpers.py");
    mark_cached(&project, "utils/config_loader.py");
    let warm = check(&project, "");
    assert_eq!(
        marked_files(&warm),
        ["utils/config_loader.py", "utils/helpers.py"]
    );
    let edited = project.read_text("utils/helpers.py") + "\nimport sys\nsys.exit(3)\n";
    project.write("utils/helpers.py", edited);
    let after_edit = check(&project, "");
    assert_eq!(marked_files(&after_edit), ["utils/config_loader.py"]);
    let new_exit = findings_of(&after_edit).into_iter().any(|f| {
        f["file"] == "utils/helpers.py"
            && f["message"]
                .as_str()
                .is_some_and(|m| m.contains("sys.exit(3)"))
    });
    assert!(new_exit, "{}", after_edit.stdout);
}

#[test]
fn a_settings_change_or_no_cache_bypasses_every_entry() {
    let project = Project::sample();
    check(&project, "").expect_code(1);
    mark_cached(&project, "utils/helpers.py");
    let cached = project.read(CACHE);
    let bypassed = check(&project, "--no-cache");
    assert!(marked_files(&bypassed).is_empty());
    assert_eq!(project.read(CACHE), cached, "--no-cache wrote the cache");
    assert_eq!(marked_files(&check(&project, "")), ["utils/helpers.py"]);
    // A setting that changes no finding still invalidates the cache.
    let settings = project.read_text("pyproject.toml");
    project.write(
        "pyproject.toml",
        settings.replace(
            "[tool.txo-codemod]\n",
            "[tool.txo-codemod]\nrewrite-tests = true\n",
        ),
    );
    assert!(marked_files(&check(&project, "")).is_empty());
}

#[test]
fn a_corrupt_cache_is_named_and_rebuilt() {
    let project = Project::sample();
    let reference = check(&project, "--no-cache").expect_code(1);
    project.write(CACHE, "{ not a cache");
    let run = check(&project, "").expect_code(1);
    assert_eq!(run.stdout, reference.stdout);
    assert!(
        run.stderr.contains("warning: ignoring the check cache")
            && run.stderr.contains("check.json"),
        "{}",
        run.stderr
    );
    let again = check(&project, "").expect_code(1);
    assert_eq!(
        (again.stdout, again.stderr),
        (reference.stdout, reference.stderr)
    );
}

#[test]
fn an_unwritable_cache_is_named_and_the_run_goes_on() {
    let project = Project::sample();
    // A file where the cache's directory would be: nothing can be written.
    project.write(".txo-codemod/cache", "in the way");
    let run = check(&project, "").expect_code(1);
    let reference = check(&project, "--no-cache").expect_code(1);
    assert_eq!(run.stdout, reference.stdout);
    assert!(
        run.stderr.contains("warning: cannot write the check cache"),
        "{}",
        run.stderr
    );
}

/// The files the cache holds entries for, sorted.
fn cached_files(project: &Project) -> Vec<String> {
    let cache: serde_json::Value =
        serde_json::from_str(&project.read_text(CACHE)).expect("the cache is JSON");
    let mut files: Vec<String> = cache["files"]
        .as_object()
        .expect("files")
        .keys()
        .cloned()
        .collect();
    files.sort();
    files
}

#[test]
fn entries_of_deleted_and_unreadable_files_are_pruned_and_a_partial_run_keeps_the_rest() {
    let project = Project::sample();
    project.write("utils/gone.py", "_cache = {}\n");
    project.write("utils/latin1.py", "_cache = {}\n");
    check(&project, "").expect_code(1);
    let all = cached_files(&project);
    assert!(
        all.iter().any(|f| f == "utils/gone.py") && all.iter().any(|f| f == "utils/latin1.py"),
        "{all:?}"
    );
    std::fs::remove_file(project.path("utils/gone.py")).expect("delete a file");
    project.write("utils/latin1.py", b"_cache = {'caf\xe9': 1}\n");
    check(&project, "");
    let pruned: Vec<String> = all
        .iter()
        .filter(|f| !matches!(f.as_str(), "utils/gone.py" | "utils/latin1.py"))
        .cloned()
        .collect();
    assert_eq!(cached_files(&project), pruned);
    // A run over one file keeps the entries of the other files that exist,
    // and they are still used.
    mark_cached(&project, "utils/config_loader.py");
    project.run("check --format json utils/helpers.py");
    assert_eq!(cached_files(&project), pruned);
    assert_eq!(
        marked_files(&check(&project, "")),
        ["utils/config_loader.py"]
    );
}
