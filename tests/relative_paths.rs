//! Every output names files relative to the project root, however the paths
//! were given (absolute, `..`, a subdirectory), and `diff` headers are
//! relative to the repository root, so the diff applies with `git apply`
//! there.

mod common;

use std::fs;

use common::{Project, commit_all, run_argv, run_in, run_tool};

/// `diff` stdout applies cleanly with `git apply` from `repo`.
fn applies_from(repo: &std::path::Path, patch: &str) {
    let file = repo.join("../phase.diff");
    fs::write(&file, patch).expect("write the patch");
    let file = file.to_string_lossy().to_string();
    let (ok, output) = run_tool(repo, "git", &["apply", "--check", &file]);
    assert!(ok, "git apply --check failed: {output}\n{patch}");
}

fn headers(patch: &str) -> Vec<&str> {
    patch.lines().filter(|l| l.starts_with("+++ ")).collect()
}

const HEADERS: [&str; 5] = [
    "+++ b/src/sync_customers.py",
    "+++ b/utils/api_factory.py",
    "+++ b/utils/config_loader.py",
    "+++ b/utils/rest_api_helpers.py",
    "+++ b/utils/script_runner.py",
];

#[test]
fn absolute_dotdot_and_subdirectory_paths_give_the_same_relative_output() {
    let sample = Project::sample_repo();
    let elsewhere = tempfile::tempdir().expect("a temporary directory");
    let absolute = sample.root().to_string_lossy().to_string();
    let runs = [
        run_argv(elsewhere.path(), &["diff", "--phase", "1", &absolute]),
        run_in(&sample.path("utils"), "diff --phase 1 .."),
        run_in(sample.root(), "diff --phase 1 ."),
    ];
    for run in &runs {
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert_eq!(headers(&run.stdout), HEADERS, "{}", run.args);
        assert!(
            run.stderr
                .starts_with("utils/config_loader.py:131:30: warning"),
            "{}",
            run.stderr
        );
        applies_from(sample.root(), &run.stdout);
    }
    let inside = run_in(sample.root(), "diff --phase 1 utils");
    assert!(headers(&inside.stdout).contains(&"+++ b/utils/api_factory.py"));
    applies_from(sample.root(), &inside.stdout);

    let check = run_argv(elsewhere.path(), &["check", &absolute]);
    assert!(check.stdout.starts_with("utils/"), "{}", check.stdout);
    let assess = run_argv(elsewhere.path(), &["assess", "--format", "json", &absolute]);
    assert!(!assess.stdout.contains(&absolute), "{}", assess.stdout);
    assert!(assess.stdout.contains("\"file\": \"utils/api_factory.py\""));
    let report = run_argv(elsewhere.path(), &["report", "--phase", "1", &absolute]);
    assert!(
        report.stdout.contains("| `utils/api_factory.py:80` |")
            && !report.stdout.contains(&absolute),
        "{}",
        report.stdout
    );
}

#[test]
fn a_project_in_a_subdirectory_of_the_repository() {
    let repo = Project::new();
    let sample = Project::sample();
    fs::rename(sample.root(), repo.path("app")).expect("move the sample into the repository");
    commit_all(repo.root());

    let run = run_in(repo.root(), "diff --phase 1 app");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        headers(&run.stdout).contains(&"+++ b/app/utils/api_factory.py"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.starts_with("utils/config_loader.py:131:30"),
        "{}",
        run.stderr
    );
    applies_from(repo.root(), &run.stdout);
}
