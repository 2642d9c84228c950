//! `assess`'s result cache (`.txo-codemod/cache/assess.json`): a warm run
//! prints what a cold one does; a changed file, rule file, setting, schema,
//! or file where a phase would create one means a full run; a broken cache
//! is a warning and a full run; `--no-cache` neither reads nor writes it.
//!
//! Whether the cache was used is seen from outside: the test rewrites the
//! stored library-file count, which shows up in the output only if the
//! assessment was taken from the cache.

mod common;

use common::{PRINT_RULE, Project};

const CACHE: &str = ".txo-codemod/cache/assess.json";

/// A library-file count no sample run produces.
const MARK: u64 = 424_242;

fn assess(project: &Project, extra: &str) -> common::Run {
    project
        .run(&format!("assess --format json . {extra}"))
        .expect_code(0)
}

fn library_files(run: &common::Run) -> u64 {
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON output");
    report["library_files"].as_u64().expect("library_files")
}

/// Rewrites the cached assessment's library-file count.
fn mark_cache(project: &Project) {
    let mut cache: serde_json::Value =
        serde_json::from_str(&project.read_text(CACHE)).expect("the cache is JSON");
    cache["assessment"]["library_files"] = MARK.into();
    project.write(CACHE, cache.to_string());
}

/// A full run's output equals a run without the cache (after it, the cache
/// holds that run's assessment: the next run takes it from there).
fn assert_full_run(project: &Project, run: &common::Run) {
    assert_ne!(library_files(run), MARK, "the stale cache was used");
    assert_eq!(run.stdout, assess(project, "--no-cache").stdout);
    mark_cache(project);
    assert_eq!(library_files(&assess(project, "")), MARK);
}

#[test]
fn a_warm_run_prints_what_a_cold_run_prints_and_stays_out_of_git() {
    let project = Project::sample_repo();
    let cold = assess(&project, "");
    assert!(project.path(CACHE).exists());
    let warm = assess(&project, "");
    assert_eq!((&warm.stdout, &warm.stderr), (&cold.stdout, &cold.stderr));
    assert_eq!(warm.stdout, assess(&project, "--no-cache").stdout);
    for format in ["text", "markdown"] {
        let cold = project.run(&format!("assess --no-cache --format {format} ."));
        let warm = project.run(&format!("assess --format {format} ."));
        assert_eq!(warm.stdout, cold.stdout, "{format}");
    }
    assert_eq!(common::git(&project, "status --porcelain --ignored=no"), "");
    // The warm runs above came from the cache:
    mark_cache(&project);
    assert_eq!(library_files(&assess(&project, "")), MARK);
}

#[test]
fn editing_one_file_means_a_full_run() {
    let project = Project::sample();
    let before = assess(&project, "");
    mark_cache(&project);
    let edited = project.read_text("utils/helpers.py") + "\nimport sys\nsys.exit(3)\n";
    project.write("utils/helpers.py", edited);
    let after = assess(&project, "");
    assert_ne!(after.stdout, before.stdout, "the new exit is counted");
    assert_full_run(&project, &after);
    // A new file, and a removed one, too.
    project.write("utils/extra.py", "import sys\nsys.exit(4)\n");
    assert_full_run(&project, &assess(&project, ""));
    std::fs::remove_file(project.path("utils/extra.py")).expect("remove the file");
    assert_full_run(&project, &assess(&project, ""));
}

#[test]
fn a_changed_setting_rule_file_or_schema_means_a_full_run() {
    let project = Project::sample();
    assess(&project, "");
    mark_cache(&project);
    let settings = project
        .read_text("pyproject.toml")
        .replace("\"*_settings\"]", "\"*_settings\", \"opts\"]");
    project.write("pyproject.toml", settings);
    assert_full_run(&project, &assess(&project, ""));

    let rules = tempfile::tempdir().expect("a rules directory");
    std::fs::write(rules.path().join("print.yaml"), PRINT_RULE).expect("write the rule");
    let with_rules = format!("--rules {}", rules.path().display());
    assert_full_run_with(&project, &with_rules);
    mark_cache(&project);
    assert_eq!(library_files(&assess(&project, &with_rules)), MARK);
    let edited = PRINT_RULE.replace("severity: info", "severity: warning");
    std::fs::write(rules.path().join("print.yaml"), edited).expect("edit the rule");
    assert_full_run_with(&project, &with_rules);

    mark_cache(&project);
    let schema = "schemas/org-env-config-schema.json";
    let text = project.read_text(schema);
    project.write(schema, text.replacen('{', "{\n  \"title\": \"edited\",", 1));
    assert_full_run(&project, &assess(&project, ""));
}

/// [`assert_full_run`] for runs with `extra` arguments.
fn assert_full_run_with(project: &Project, extra: &str) {
    let run = assess(project, extra);
    assert_ne!(library_files(&run), MARK, "the stale cache was used");
    assert_eq!(
        run.stdout,
        assess(project, &format!("{extra} --no-cache")).stdout
    );
}

/// Phase 6 lists the files it would create only where nothing is there:
/// a file git ignores (so the walk does not see it) still counts.
#[test]
fn a_file_where_a_phase_would_create_one_means_a_full_run() {
    let project = Project::sample_repo();
    let before = assess(&project, "");
    assert!(before.stdout.contains("utils/config_proxy.py"));
    mark_cache(&project);
    // The ignore file alone changes nothing the assessment depends on.
    project.write(".gitignore", "utils/config_proxy.py\n");
    assert_eq!(library_files(&assess(&project, "")), MARK);
    project.write("utils/config_proxy.py", "# something else\n");
    let after = assess(&project, "");
    assert!(
        !after.stdout.contains("utils/config_proxy.py"),
        "{}",
        after.stdout
    );
    assert_full_run(&project, &after);
}

#[test]
fn a_broken_cache_is_a_warning_and_a_full_run() {
    let project = Project::sample();
    let expected = assess(&project, "--no-cache").stdout;
    for broken in ["{\"key\": \"abc\", \"assess", "", "[1, 2]"] {
        assess(&project, "");
        project.write(CACHE, broken);
        let run = assess(&project, "");
        assert_eq!(run.stdout, expected);
        assert!(
            run.stderr.contains("warning: ignoring the assess cache")
                && run.stderr.contains("assess.json"),
            "{}",
            run.stderr
        );
        assert_full_run(&project, &assess(&project, ""));
    }
}

#[test]
fn no_cache_neither_reads_nor_writes_it() {
    let project = Project::sample();
    let run = assess(&project, "--no-cache");
    assert!(!project.path(".txo-codemod/cache").exists());
    assess(&project, "");
    mark_cache(&project);
    let uncached = assess(&project, "--no-cache");
    assert_eq!(uncached.stdout, run.stdout);
    assert_eq!(library_files(&assess(&project, "")), MARK);
}

/// A run over two projects is not cached (the result is not one project's).
#[test]
fn a_run_over_two_projects_writes_no_cache() {
    let first = Project::sample();
    let second = Project::sample();
    let args = format!(
        "assess --format json {} {}",
        first.root().display(),
        second.root().display()
    );
    let cold = first.run(&args).expect_code(0);
    assert!(!first.path(CACHE).exists() && !second.path(CACHE).exists());
    assert!(cold.stdout.contains("library_files"));
}
