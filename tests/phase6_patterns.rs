//! Phase 6 on the bundled sample: the ConfigProxy module is created (with
//! its tests where the project has a tests package), imports and passes its
//! own tests, shows as a new-file diff `git apply` accepts, and is removed
//! by rollback; phases 5 and 6 roll back to the original bytes.

mod common;

use common::{Project, run_tool};

const MODULE: &str = "utils/config_proxy.py";
const TESTS: &str = "tests/test_config_proxy.py";

/// The sample with a `tests` package (the generated tests go there).
fn sample_with_tests() -> Project {
    let project = Project::sample();
    if !project.path("tests/__init__.py").exists() {
        project.write("tests/__init__.py", "");
    }
    project
}

fn git(project: &Project, args: &[&str]) {
    let (ok, output) = run_tool(project.root(), "git", args);
    assert!(ok, "git {args:?}: {output}");
}

#[test]
fn the_diff_creates_the_module_and_git_apply_accepts_it() {
    let project = sample_with_tests();
    let run = project.run("diff --phase 6 .").expect_code(1);
    assert!(
        run.stdout
            .contains("--- /dev/null\n+++ b/utils/config_proxy.py\n")
    );
    assert!(run.stdout.contains("+++ b/tests/test_config_proxy.py\n"));
    assert!(run.stderr.contains("2 file(s) to create"), "{}", run.stderr);
    assert!(!project.path(MODULE).exists(), "diff writes nothing");
    for args in [
        &["init", "-q"][..],
        &["-c", "user.email=t@t", "-c", "user.name=t", "add", "-A"],
        &[
            "-c",
            "user.email=t@t",
            "-c",
            "user.name=t",
            "commit",
            "-qm",
            "v2.1",
        ],
    ] {
        git(&project, args);
    }
    project.write("phase6.diff", &run.stdout);
    git(&project, &["apply", "phase6.diff"]);
    assert!(project.read_text(MODULE).contains("class ConfigProxy:"));
}

#[test]
fn the_created_module_imports_and_its_generated_tests_pass() {
    let project = sample_with_tests();
    let run = project.run("apply --no-git --phase 6 .").expect_code(0);
    let created = run.stderr.lines().find(|l| l.starts_with("created "));
    assert!(
        created.is_some_and(
            |l| l.ends_with("tests/test_config_proxy.py, ./utils/config_proxy.py")
                || l.ends_with("tests/test_config_proxy.py, utils/config_proxy.py")
        ),
        "{}",
        run.stderr
    );
    let (ok, output) = run_tool(
        project.root(),
        "python3",
        &[
            "-c",
            "import utils.config_proxy as m; print(m.ConfigProxy({'a': {'b': 1}}).require('a', 'b'))",
        ],
    );
    assert!(ok && output.trim() == "1", "{output}");
    let (ok, output) = run_tool(project.root(), "python3", &["-m", "pytest", "-q", TESTS]);
    assert!(ok, "{output}");
    assert!(output.contains("8 passed"), "{output}");
    project.run("diff --phase 6 .").expect_code(0);
}

#[test]
fn rollback_removes_created_files_unless_edited_by_hand() {
    let project = sample_with_tests();
    project.run("apply --no-git --phase 6 .").expect_code(0);
    let generated = project.read_text(MODULE);
    project.write(MODULE, format!("{generated}# edited\n"));
    let refused = project.run("rollback --phase 6 .").expect_code(1);
    assert!(refused.stderr.contains(MODULE), "{}", refused.stderr);
    assert!(project.path(MODULE).exists());
    project.run("rollback --force --phase 6 .").expect_code(0);
    assert!(!project.path(MODULE).exists());
    assert!(!project.path(TESTS).exists());
}

#[test]
fn phases_5_and_6_roll_back_to_the_original_bytes() {
    let project = Project::sample();
    project.run("apply --no-git --phase 5 .").expect_code(0);
    project.run("apply --no-git --phase 6 .").expect_code(0);
    assert!(project.path(MODULE).exists());
    project.run("rollback --phase 6 .").expect_code(0);
    project.run("rollback --phase 5 .").expect_code(0);
    assert!(!project.path(MODULE).exists());
    assert_eq!(project.changed_from_sample(), Vec::<String>::new());
    assert_eq!(
        project.python_files(),
        Project::sample().python_files(),
        "no file is left behind"
    );
}

#[test]
fn an_existing_file_is_skipped_or_refuses() {
    let project = Project::sample();
    project.write(MODULE, "# our own\n");
    let skipped = project.run("apply --no-git --phase 6 .").expect_code(0);
    assert!(
        skipped
            .stderr
            .contains("exists with other content (if-exists: skip"),
        "{}",
        skipped.stderr
    );
    assert_eq!(project.read_text(MODULE), "# our own\n");
    let pyproject = project.read_text("pyproject.toml");
    project.write(
        "pyproject.toml",
        format!("{pyproject}\n[tool.txo-codemod.rule-options.config-proxy-scaffold]\nif-exists = \"refuse\"\n"),
    );
    let refused = project.run("apply --no-git --phase 6 .").expect_code(2);
    assert!(
        refused.stderr.contains("if-exists: refuse"),
        "{}",
        refused.stderr
    );
    assert_eq!(project.read_text(MODULE), "# our own\n");
}

#[test]
fn commit_includes_created_files_and_rollback_removes_them() {
    let project = sample_with_tests();
    for args in [
        &["init", "-q"][..],
        &["config", "user.email", "t@t"],
        &["config", "user.name", "t"],
        &["add", "-A"],
        &["commit", "-qm", "v2.1"],
    ] {
        git(&project, args);
    }
    project.run("apply --commit --phase 6 .").expect_code(0);
    let (ok, shown) = run_tool(
        project.root(),
        "git",
        &["show", "--stat", "--format=%s", "HEAD"],
    );
    assert!(ok, "{shown}");
    assert!(shown.contains(MODULE) && shown.contains(TESTS), "{shown}");
    project.run("rollback --phase 6 .").expect_code(0);
    assert!(!project.path(MODULE).exists());
}

#[test]
fn method_metrics_is_created_only_when_asked_and_its_tests_pass() {
    let project = sample_with_tests();
    project.run("apply --no-git --phase 6 .").expect_code(0);
    assert!(!project.path("utils/method_metrics.py").exists(), "opt-in");
    project.run("rollback --phase 6 .").expect_code(0);
    let pyproject = project.read_text("pyproject.toml");
    project.write(
        "pyproject.toml",
        pyproject.replace(
            "[tool.txo-codemod]\n",
            "[tool.txo-codemod]\nenable-rules = [\"method-metrics-scaffold\"]\n",
        ),
    );
    project.run("apply --no-git --phase 6 .").expect_code(0);
    let (ok, output) = run_tool(
        project.root(),
        "python3",
        &["-m", "pytest", "-q", "tests/test_method_metrics.py", TESTS],
    );
    assert!(ok, "{output}");
    assert!(output.contains("12 passed"), "{output}");
    let sources =
        project.read_text("src/sync_customers.py") + &project.read_text("utils/helpers.py");
    assert!(
        !sources.contains("measure_complexity"),
        "nothing is decorated"
    );
}

/// Builds `TxoRestAPI` with a complete and an incomplete configuration and
/// prints what happens: the base URL, then the exception classes raised.
const CHAIN_PROBE: &str = "
from utils.rest_api_helpers import TxoRestAPI
print(TxoRestAPI({'_token': 't', 'global': {'api-base-url': 'https://x.example/api'}}).base_url)
try:
    TxoRestAPI({'_token': 't', 'global': {}})
except KeyError as error:
    print('KeyError', [c.__name__ for c in type(error).__mro__][:2])
";

#[test]
fn config_chains_read_through_the_proxy_and_still_raise_key_error() {
    let project = sample_with_tests();
    let (ok, before) = run_tool(project.root(), "python3", &["-c", CHAIN_PROBE]);
    assert!(ok, "{before}");
    let pyproject = project.read_text("pyproject.toml");
    project.write(
        "pyproject.toml",
        pyproject.replace(
            "[tool.txo-codemod]\n",
            "[tool.txo-codemod]\nenable-rules = [\"config-chain-to-require\"]\n",
        ),
    );
    project.run("apply --no-git --phase 6 .").expect_code(0);
    let api = project.read_text("utils/rest_api_helpers.py");
    assert!(api.contains("ConfigProxy(config).require(\"global\", \"api-base-url\")"));
    assert!(api.contains("from utils.config_proxy import ConfigProxy\n"));
    let (ok, after) = run_tool(project.root(), "python3", &["-c", CHAIN_PROBE]);
    assert!(ok, "{after}");
    let url = |out: &str| {
        out.lines()
            .find(|l| l.starts_with("https://"))
            .map(str::to_string)
    };
    assert_eq!(url(&before), Some("https://x.example/api/".to_string()));
    assert_eq!(url(&before), url(&after), "same base URL");
    assert!(
        before.contains("KeyError ['KeyError', 'LookupError']"),
        "{before}"
    );
    assert!(
        after.contains("KeyError ['MissingConfigError', 'HelpfulError']"),
        "{after}"
    );
    project.run("diff --phase 6 .").expect_code(0);
    project.run("rollback --phase 6 .").expect_code(0);
    assert_eq!(project.changed_from_sample(), ["tests/__init__.py"]);
}
