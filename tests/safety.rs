//! Safe, reversible migration with real git repositories: tags, the ledger,
//! status, rollback, the verification gate, --no-git backups, bulk runs and
//! interrupted runs.

mod common;

use common::{Project, run_in, run_tool};
use serde_json::Value;

const LIBRARY: &str = "def load(config):\n    return config.get(\"a\", 1)\n";
const LIBRARY_AFTER: &str = "def load(config):\n    return config[\"a\"]\n";
const CRLF: &str = "def f(cfg):\r\n    return cfg.get(\"b\", {})";
const EXITS: &str =
    "import sys\n\n\ndef stop(logger):\n    logger.error(\"bad input\")\n    sys.exit(1)\n";

const HELPFUL_ERROR: &str = "class HelpfulError(Exception):\n    def __init__(self, **parts):\n        super().__init__(parts)\n";

fn git(project: &Project, args: &str) -> String {
    let args: Vec<&str> = args.split_whitespace().collect();
    let (ok, output) = run_tool(project.root(), "git", &args);
    assert!(ok, "git {args:?} failed: {output}");
    output
}

/// A committed git repository holding a small TXO-style library.
fn repo() -> Project {
    let project = Project::new();
    project.write("utils/loader.py", LIBRARY);
    project.write("utils/crlf.py", CRLF);
    project.write("utils/exits.py", EXITS);
    // What phase 2's raise imports: the gate checks modules still import.
    project.write("utils/exceptions.py", HELPFUL_ERROR);
    git(&project, "init -q");
    git(&project, "config user.email dev@example.com");
    git(&project, "config user.name Dev");
    git(&project, "add -A");
    git(&project, "commit -q -m v2.1");
    project
}

fn ledger(project: &Project) -> Value {
    serde_json::from_str(&project.read_text(".txo-codemod/ledger.json")).expect("ledger is JSON")
}

#[test]
fn apply_tags_records_and_rolls_back_byte_identically() {
    let project = repo();
    let run = project.run("apply --phase 1 .").expect_code(0);
    assert!(
        run.stderr.contains("rollback tag txo-codemod/pre-phase-1"),
        "{}",
        run.stderr
    );
    assert!(git(&project, "tag").contains("txo-codemod/pre-phase-1"));
    assert!(git(&project, "tag").contains("v2.1.0"));
    assert_eq!(project.read_text("utils/loader.py"), LIBRARY_AFTER);
    let entry = &ledger(&project)["entries"][0];
    assert_eq!(entry["phase"], 1);
    assert_eq!(entry["state"], "applied");
    let files: Vec<&str> = entry["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["utils/crlf.py", "utils/loader.py"]);
    let status = project.run("status .").expect_code(0);
    assert!(
        status
            .stdout
            .contains("phase 1  Eliminate soft-fail configuration access     applied, 2 files"),
        "{}",
        status.stdout
    );
    project.run("rollback --phase 1 .").expect_code(0);
    assert_eq!(project.read("utils/crlf.py"), CRLF.as_bytes());
    assert_eq!(project.read_text("utils/loader.py"), LIBRARY);
    assert!(project.run("status .").stdout.contains("rolled back"));
}

#[test]
fn dirty_files_are_refused_unless_allowed() {
    let project = repo();
    project.write("utils/loader.py", format!("{LIBRARY}# work in progress\n"));
    let refused = project.run("apply --phase 1 .").expect_code(2);
    assert!(
        refused
            .stderr
            .contains("uncommitted changes in files this phase would change: utils/loader.py"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        project.read("utils/crlf.py"),
        CRLF.as_bytes(),
        "nothing written when refused"
    );
    project
        .run("apply --allow-dirty --phase 1 .")
        .expect_code(0);
    project.run("rollback --phase 1 .").expect_code(0);
    assert_eq!(
        project.read_text("utils/loader.py"),
        format!("{LIBRARY}# work in progress\n"),
        "dirty bytes restored exactly"
    );
}

#[test]
fn phases_undo_in_order_and_hand_edits_are_protected() {
    let project = repo();
    project.run("apply --phase 1 .").expect_code(0);
    project.run("apply --phase 2 .").expect_code(0);
    let refused = project.run("rollback --phase 1 .").expect_code(2);
    assert!(
        refused
            .stderr
            .contains("phase 2 was applied after phase 1; undo it first: `rollback --phase 2`"),
        "{}",
        refused.stderr
    );
    project.write(
        "utils/exits.py",
        format!("{}# hand edit\n", project.read_text("utils/exits.py")),
    );
    assert!(
        project
            .run("status .")
            .stdout
            .contains("changed since the phase: utils/exits.py")
    );
    let conflict = project.run("rollback --phase 2 .").expect_code(1);
    assert!(
        conflict.stderr.contains("utils/exits.py"),
        "{}",
        conflict.stderr
    );
    project.run("rollback --phase 2 --force .").expect_code(0);
    project.run("rollback --phase 1 .").expect_code(0);
    assert_eq!(project.read_text("utils/exits.py"), EXITS);
    assert_eq!(project.read_text("utils/loader.py"), LIBRARY);
}

#[test]
fn rollback_to_a_tag_undoes_every_later_phase() {
    let project = repo();
    project.run("apply --phase 1 .").expect_code(0);
    project.run("apply --phase 2 .").expect_code(0);
    project.run("rollback --to v2.1.0 .").expect_code(0);
    assert_eq!(project.read_text("utils/loader.py"), LIBRARY);
    assert_eq!(project.read_text("utils/exits.py"), EXITS);
    assert_eq!(project.read("utils/crlf.py"), CRLF.as_bytes());
}

#[test]
fn a_failing_verification_undoes_the_phase() {
    let project = repo();
    let run = project
        .run("apply --phase 1 --verify false .")
        .expect_code(1);
    assert!(
        run.stderr.contains("verification failed, phase 1 undone"),
        "{}",
        run.stderr
    );
    assert_eq!(project.read_text("utils/loader.py"), LIBRARY);
    assert_eq!(ledger(&project)["entries"][0]["state"], "rolled-back");
    project
        .run("apply --phase 1 --verify true .")
        .expect_code(0);
}

#[test]
fn commit_makes_one_commit_per_phase() {
    let project = repo();
    project.run("apply --phase 1 --commit .").expect_code(0);
    project.run("apply --phase 2 --commit .").expect_code(0);
    let log = git(&project, "log --format=%s");
    assert!(log.starts_with("txo-codemod: phase 2 — Remove sys.exit() from library code\ntxo-codemod: phase 1 — Eliminate soft-fail"), "{log}");
    let body = git(&project, "log -1 --format=%b");
    assert!(
        body.contains("| utils/exits.py | sys-exit-after-log | 3 |"),
        "{body}"
    );
    // The ledger is committed with the phase: teammates see the state, and
    // nothing is left uncommitted.
    let files = git(&project, "show --name-only --format= HEAD");
    assert!(files.contains(".txo-codemod/ledger.json"), "{files}");
    assert_eq!(git(&project, "status --porcelain"), "");
    git(&project, "revert --no-edit HEAD");
    assert_eq!(project.read_text("utils/exits.py"), EXITS);
    // Reverting the commit also reverts the ledger: phase 2 is not applied.
    let status = project.run("status .").expect_code(0);
    assert!(
        status
            .stdout
            .contains("phase 1  Eliminate soft-fail configuration access     applied"),
        "{}",
        status.stdout
    );
    assert!(
        !status.stdout.contains("changed since"),
        "{}",
        status.stdout
    );
}

#[test]
fn without_git_files_are_backed_up_and_restored() {
    let project = Project::new();
    project.write("utils/loader.py", LIBRARY);
    let refused = project.run("apply --phase 1 .").expect_code(2);
    assert!(
        refused.stderr.contains("not a git repository"),
        "{}",
        refused.stderr
    );
    project
        .run("apply --no-git --backup-dir utils_v2_backup --phase 1 .")
        .expect_code(0);
    assert_eq!(
        project.read_text("utils_v2_backup/phase-1/utils/loader.py"),
        LIBRARY
    );
    project.run("diff --phase 1 .").expect_code(0);
    project.run("rollback --no-git --phase 1 .").expect_code(0);
    assert_eq!(project.read_text("utils/loader.py"), LIBRARY);
}

#[test]
fn bulk_runs_handle_each_repository_on_its_own() {
    let clean = repo();
    let dirty = repo();
    dirty.write("utils/loader.py", format!("{LIBRARY}# wip\n"));
    let plain = Project::new();
    plain.write("utils/loader.py", LIBRARY);
    let list = Project::new();
    let paths = [clean.root(), dirty.root(), plain.root()].map(|p| p.display().to_string());
    list.write(
        "repos.txt",
        format!("# repositories\n{}\n", paths.join("\n")),
    );
    let run = run_in(list.root(), "apply --phase 1 --json --repos-from repos.txt").expect_code(2);
    let summaries: Vec<Value> = serde_json::from_str(&run.stdout).expect("JSON summary");
    let by_repo = |root: &std::path::Path| {
        let canonical = root.canonicalize().unwrap().display().to_string();
        summaries
            .iter()
            .find(|s| s["repo"].as_str() == Some(canonical.as_str()))
            .cloned()
            .unwrap_or_else(|| panic!("no summary for {canonical}: {}", run.stdout))
    };
    let (clean_summary, dirty_summary, plain_summary) = (
        by_repo(clean.root()),
        by_repo(dirty.root()),
        by_repo(plain.root()),
    );
    assert_eq!(clean_summary["status"], "applied");
    assert_eq!(clean_summary["files_changed"], 2);
    assert_eq!(clean_summary["tag"], "txo-codemod/pre-phase-1");
    assert_eq!(dirty_summary["status"], "refused");
    assert_eq!(plain_summary["status"], "refused");
    let shape: Vec<(String, String, u64)> = [clean_summary, dirty_summary, plain_summary]
        .iter()
        .map(|s| {
            (
                s["status"].as_str().unwrap().to_string(),
                s["tag"].to_string(),
                s["edits"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(shape[1].2 + shape[2].2, 0);
    assert_eq!(clean.read_text("utils/loader.py"), LIBRARY_AFTER);
    assert!(dirty.read_text("utils/loader.py").ends_with("# wip\n"));
}

#[test]
fn an_interrupted_run_leaves_whole_files_and_can_be_rolled_back() {
    let project = repo();
    let count = 1500;
    for index in 0..count {
        project.write(&format!("utils/gen/m{index:04}.py"), LIBRARY);
    }
    git(&project, "add -A");
    git(&project, "commit -q -m generated");
    let binary = assert_cmd::cargo::cargo_bin("txo-codemod");
    let mut child = std::process::Command::new(binary)
        .args(["apply", "--phase", "1", "-j", "1", "."])
        .current_dir(project.root())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the ledger says the phase is being written, then kill it.
    let ledger_path = project.path(".txo-codemod/ledger.json");
    // No fixed deadline: on a loaded machine the run may take long to get
    // there; if it finishes first, the test still checks a whole result.
    while !ledger_path.exists() && child.try_wait().is_ok_and(|done| done.is_none()) {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    // Let it write some files first.
    std::thread::sleep(std::time::Duration::from_millis(40));
    let _ = child.kill();
    let _ = child.wait();
    let mut new = 0;
    for index in 0..count {
        let text = project.read_text(&format!("utils/gen/m{index:04}.py"));
        assert!(
            text == LIBRARY || text == LIBRARY_AFTER,
            "half-written file m{index:04}.py: {text:?}"
        );
        new += usize::from(text == LIBRARY_AFTER);
    }
    if new == count {
        eprintln!("note: the run finished before it was interrupted");
    }
    let status = project.run("status .").expect_code(0);
    let phase_1 = status
        .stdout
        .lines()
        .find(|line| line.trim_start().starts_with("phase 1 "))
        .unwrap_or_default();
    assert!(
        phase_1.contains("interrupted")
            || (phase_1.contains("applied") && !phase_1.contains("not applied")),
        "{}",
        status.stdout
    );
    project.run("rollback --phase 1 .").expect_code(0);
    for index in 0..count {
        assert_eq!(
            project.read_text(&format!("utils/gen/m{index:04}.py")),
            LIBRARY
        );
    }
}
