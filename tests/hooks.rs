//! The pre-commit hooks run as pre-commit runs them (entry + args + the
//! changed files), and the fleet helpers `bulk-matrix` / `bulk-summary`.

mod common;

use std::process::Command;

use common::{Project, require_tool, run_tool};

#[derive(serde::Deserialize)]
struct Hook {
    id: String,
    entry: String,
    #[serde(default)]
    args: Vec<String>,
}

fn hooks() -> Vec<Hook> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/.pre-commit-hooks.yaml");
    let text = std::fs::read_to_string(path).expect("read .pre-commit-hooks.yaml");
    serde_yaml::from_str(&text).expect("hooks parse")
}

/// Runs hook `id` in `project` on `files`, as pre-commit does: the entry's
/// words, then `args`, then the file names. Returns (exit code, stdout).
fn run_hook(project: &Project, id: &str, files: &[&str]) -> (i32, String) {
    let hooks = hooks();
    let hook = hooks.iter().find(|h| h.id == id).expect("hook exists");
    let mut words = hook.entry.split_whitespace();
    assert_eq!(words.next(), Some("txo-codemod"), "{}", hook.entry);
    let output = Command::new(assert_cmd::cargo::cargo_bin("txo-codemod"))
        .args(words)
        .args(&hook.args)
        .args(files)
        .current_dir(project.root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run the hook");
    (
        output.status.code().expect("exit code"),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// pre-commit itself accepts the manifest (ids, languages, types).
#[test]
fn pre_commit_accepts_the_hooks_manifest() {
    if !require_tool(
        "pre-commit",
        &["--version"],
        "the pre-commit manifest check",
    ) {
        return;
    }
    let (ok, output) = run_tool(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
        "pre-commit",
        &["validate-manifest", ".pre-commit-hooks.yaml"],
    );
    assert!(ok, "pre-commit rejects .pre-commit-hooks.yaml: {output}");
}

const SOFT_FAIL: &str = "def f(config):\n    return config.get(\"a\", 1)\n";

#[test]
fn check_hook_fails_on_findings_in_changed_library_files_only() {
    let project = Project::new();
    project.write("utils/bad.py", SOFT_FAIL);
    project.write(
        "utils/good.py",
        "def f(config):\n    return config[\"a\"]\n",
    );
    project.write("src/app.py", SOFT_FAIL);
    let (code, stdout) = run_hook(&project, "txo-codemod-check", &["utils/bad.py"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("utils/bad.py:2:12: error[no-soft-fail]"),
        "{stdout}"
    );
    assert_eq!(
        run_hook(&project, "txo-codemod-check", &["utils/good.py"]).0,
        0
    );
    // Only non-library files staged: nothing to check, and that is fine.
    assert_eq!(
        run_hook(&project, "txo-codemod-check", &["src/app.py"]).0,
        0
    );
}

#[test]
fn diff_hook_fails_while_the_phase_has_edits() {
    let project = Project::new();
    project.write("utils/bad.py", SOFT_FAIL);
    project.write("utils/good.py", "x = 1\n");
    let (code, stdout) = run_hook(
        &project,
        "txo-codemod-diff",
        &["utils/bad.py", "utils/good.py"],
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("+    return config[\"a\"]"), "{stdout}");
    assert_eq!(
        run_hook(&project, "txo-codemod-diff", &["utils/good.py"]).0,
        0
    );
}

#[test]
fn bulk_matrix_lists_one_job_per_repository() {
    let project = Project::new();
    project.write(
        "repos.txt",
        "# fleet\nacme/billing-sync\n\n  acme/hr-export  \n",
    );
    let run = project.run("bulk-matrix repos.txt").expect_code(0);
    let matrix: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        matrix,
        serde_json::json!({"include": [
            {"repo": "acme/billing-sync", "id": "acme-billing-sync"},
            {"repo": "acme/hr-export", "id": "acme-hr-export"},
        ]})
    );
    project.write("empty.txt", "# nothing\n");
    project.run("bulk-matrix empty.txt").expect_code(2);
}

/// The summaries `apply --json` really prints, merged into one table.
#[test]
fn bulk_summary_merges_real_apply_outputs() {
    let fleet = Project::new();
    for repo in ["a", "b"] {
        fleet.write(&format!("{repo}/pyproject.toml"), "");
        fleet.write(&format!("{repo}/utils/x.py"), SOFT_FAIL);
    }
    fleet.write("b/utils/y.py", SOFT_FAIL);
    for repo in ["a", "b"] {
        let run = fleet
            .run(&format!("apply --no-git --phase 1 --json {repo}"))
            .expect_code(0);
        fleet.write(&format!("summary-{repo}.json"), &run.stdout);
    }
    let run = fleet
        .run("bulk-summary summary-b.json summary-a.json")
        .expect_code(0);
    assert_eq!(
        run.stdout,
        "| Repository | Phase | Status | Files changed | Edits | Errors |\n\
         |---|---|---|---|---|---|\n\
         | a | 1 | applied | 1 | 1 |  |\n\
         | b | 1 | applied | 2 | 2 |  |\n\
         \n2 repositories, 2 phase runs: 3 edits in 3 files; 0 not applied\n"
    );
    fleet.write(
        "failed.json",
        r#"{"repo": "c", "phase": 1, "status": "refused", "files_changed": 0, "edits": 0, "tag": null, "errors": ["not a git repository"]}"#,
    );
    let run = fleet
        .run("bulk-summary summary-a.json failed.json")
        .expect_code(1);
    assert!(
        run.stdout
            .contains("| c | 1 | refused | 0 | 0 | not a git repository |"),
        "{}",
        run.stdout
    );
    fleet.write("junk.json", "{}");
    fleet.run("bulk-summary junk.json").expect_code(2);
}

/// The documented GitHub Actions recipes and the release workflow are valid
/// YAML and use the commands they document.
#[test]
fn github_actions_recipes_parse_and_use_the_fleet_commands() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/github-actions");
    let read = |name: &str| {
        let text = std::fs::read_to_string(format!("{dir}/{name}")).expect("read recipe");
        let _: serde_yaml::Value = serde_yaml::from_str(&text).expect("valid YAML");
        text
    };
    let fleet = read("fleet-migration.yml");
    for command in [
        "txo-codemod bulk-matrix repos.txt",
        "txo-codemod apply --through",
        "txo-codemod bulk-summary summary-*.json",
    ] {
        assert!(fleet.contains(command), "{command}");
    }
    let release = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/.github/workflows/release.yml"
    ))
    .expect("read the release workflow");
    let _: serde_yaml::Value = serde_yaml::from_str(&release).expect("valid YAML");
    assert!(release.contains("PyO3/maturin-action"));
    let check = read("check.yml");
    assert!(check.contains("txo-codemod check --format github"));
    assert!(check.contains("txo-codemod check --format sarif"));
}
