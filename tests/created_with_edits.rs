//! A change set that edits files and creates one, as a whole:
//! `config-chain-to-require` in a project without a ConfigProxy module
//! rewrites the chains and creates the module they import. `diff` shows
//! both (and `git apply` takes them), `apply --commit` writes and commits
//! both, `rollback` undoes both, and a file in the way refuses both.

mod common;

use common::{Project, commit_all, git, run_tool};

const APP: &str = "def url(config):\n    return config[\"global\"][\"api-base-url\"]\n";
const MODULE: &str = "utils/config_proxy.py";
const RUN: &str = "--phase 6 --rule config-chain-to-require .";

fn project() -> Project {
    let project = Project::with_pyproject(
        "[tool.txo-codemod]\nlibrary = [\"utils/**\"]\nenable-rules = [\"config-chain-to-require\"]\n",
    );
    project.write("utils/__init__.py", "");
    project.write(
        "utils/exceptions.py",
        "class HelpfulError(Exception):\n    def __init__(self, what_went_wrong, how_to_fix, example=None):\n        super().__init__(what_went_wrong)\n",
    );
    project.write("utils/app.py", APP);
    project
}

/// What `url` does with a config that has the key and one that lacks it.
fn behaviour(project: &Project) -> String {
    let (ok, output) = run_tool(
        project.root(),
        "python3",
        &[
            "-c",
            "from utils.app import url\nprint(url({'global': {'api-base-url': 'x'}}))\ntry:\n    url({})\nexcept KeyError:\n    print('KeyError')",
        ],
    );
    assert!(ok, "{output}");
    output
}

#[test]
fn the_diff_shows_the_edit_and_the_new_module_and_git_applies_both() {
    let project = project();
    commit_all(project.root());
    let run = project.run(&format!("diff {RUN}")).expect_code(1);
    assert!(
        run.stdout
            .contains("--- a/utils/app.py\n+++ b/utils/app.py\n")
    );
    assert!(
        run.stdout
            .contains("--- /dev/null\n+++ b/utils/config_proxy.py\n"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("1 file(s) to create"), "{}", run.stderr);
    assert!(!project.path(MODULE).exists(), "diff writes nothing");
    project.write(".git/phase6.diff", &run.stdout);
    git(&project, "apply .git/phase6.diff");
    assert_eq!(behaviour(&project), "x\nKeyError\n");
    assert!(
        project
            .read_text("utils/app.py")
            .contains(".require(\"global\", \"api-base-url\")")
    );
}

#[test]
fn apply_commits_both_and_rollback_undoes_both() {
    let project = project();
    commit_all(project.root());
    let before = behaviour(&project);
    project.run(&format!("apply --commit {RUN}")).expect_code(0);
    assert_eq!(
        behaviour(&project),
        before,
        "same results, same exception type"
    );
    let committed = git(&project, "show --name-only --format= HEAD");
    assert_eq!(
        committed.lines().collect::<Vec<_>>(),
        [".txo-codemod/ledger.json", "utils/app.py", MODULE],
        "one commit: the ledger, the edit and the new module"
    );
    let ledger = project.read_text(".txo-codemod/ledger.json");
    assert!(ledger.contains("\"created\": true"), "{ledger}");
    project
        .run("diff --phase 6 --rule config-chain-to-require .")
        .expect_code(0);
    project.run("rollback --phase 6 .").expect_code(0);
    assert_eq!(project.read_text("utils/app.py"), APP);
    assert!(!project.path(MODULE).exists());
}

#[test]
fn a_file_in_the_way_refuses_the_edits_too() {
    let project = project();
    project.write(MODULE, "# ours\n");
    let run = project.run(&format!("diff {RUN}"));
    assert!(!run.stdout.contains("utils/app.py"), "{}", run.stdout);
    let finding = run
        .stderr
        .lines()
        .find(|l| l.contains("[config-chain-to-require]"))
        .unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(
        finding.starts_with("utils/app.py:1:1")
            && finding.contains("`utils/config_proxy.py` exists with other content"),
        "{finding}"
    );
    project.run(&format!("apply --no-git {RUN}"));
    assert_eq!(project.read_text("utils/app.py"), APP);
    assert_eq!(project.read_text(MODULE), "# ours\n");
}

#[test]
fn diff_json_and_assess_list_the_files_a_phase_creates() {
    let project = project();
    // An absolute path: created files are still named from the project root.
    let root = project.root().display().to_string();
    let run = project
        .run(&format!(
            "diff --json --phase 6 --rule config-chain-to-require {root}"
        ))
        .expect_code(1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(json["version"], 1);
    let created = json["created"].as_array().expect("a created list");
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(created[0]["file"], MODULE);
    assert_eq!(created[0]["rule"], "config-chain-to-require");
    assert_eq!(created[0]["status"], "create");
    assert!(created[0]["lines"].as_u64().is_some_and(|n| n > 50));
    assert_eq!(json["summary"]["files_to_create"], 1);
    assert_eq!(json["edits"][0]["file"], "utils/app.py");

    let text = project
        .run(&format!(
            "diff --phase 6 --rule config-chain-to-require {root}"
        ))
        .expect_code(1);
    assert!(
        text.stdout.contains("+++ b/utils/config_proxy.py\n"),
        "{}",
        text.stdout
    );

    let assess = project.run("assess --format json .").expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&assess.stdout).expect("JSON");
    assert_eq!(json["phases"][5]["created"], serde_json::json!([MODULE]));
    assert_eq!(json["phases"][4]["created"], serde_json::json!([]));
    let text = project.run("assess .").expect_code(0);
    assert!(
        text.stdout
            .lines()
            .any(|l| l.starts_with("Phase 6") && l.ends_with("creates utils/config_proxy.py")),
        "{}",
        text.stdout
    );

    // Once it is there with the same bytes: listed as unchanged, not to create.
    project.run(&format!("apply --no-git {RUN}")).expect_code(0);
    let again = project.run("diff --json --phase 6 .");
    let json: serde_json::Value = serde_json::from_str(&again.stdout).expect("JSON");
    assert_eq!(json["created"][0]["file"], MODULE);
    assert_eq!(json["created"][0]["rule"], "config-proxy-scaffold");
    assert_eq!(json["created"][0]["status"], "unchanged");
    assert_eq!(json["summary"]["files_to_create"], 0);
}

#[test]
fn a_failed_verification_undoes_the_edit_and_the_new_module() {
    let project = project();
    commit_all(project.root());
    project
        .run(&format!("apply --verify false {RUN}"))
        .expect_code(1);
    assert_eq!(project.read_text("utils/app.py"), APP);
    assert!(
        !project.path(MODULE).exists(),
        "the created module goes too"
    );
}
