//! The undo promise in every case (issue 19), with real git repositories and
//! real processes: saved bytes survive `git gc`, SHA-256 repositories,
//! `rollback --to` restores uncommitted work, ledger paths never lead out of
//! the repository, one transaction at a time, and summaries that never claim
//! more than happened.

mod common;

use std::io::Write;

use common::{Project, git};
use serde_json::Value;

const LIBRARY: &str = "def load(config):\n    return config.get(\"a\", 1)\n";
const LIBRARY_AFTER: &str = "def load(config):\n    return config[\"a\"]\n";
const OTHER: &str = "def other(cfg):\n    return cfg.get(\"b\", 2)\n";
const DIRTY: &str = "def load(config):\n    return config.get(\"a\", 1)\n# uncommitted work\n";

/// A committed repository with two library files; `init` adds options to
/// `git init` (e.g. the object format).
fn repo_with(init: &str) -> Project {
    let project = Project::new();
    project.write("utils/loader.py", LIBRARY);
    project.write("utils/other.py", OTHER);
    git(&project, &format!("init -q {init}"));
    git(&project, "config user.email dev@example.com");
    git(&project, "config user.name Dev");
    git(&project, "add -A");
    git(&project, "commit -q -m v2.1");
    project
}

fn repo() -> Project {
    repo_with("")
}

fn ledger(project: &Project) -> Value {
    serde_json::from_str(&project.read_text(".txo-codemod/ledger.json")).expect("ledger is JSON")
}

fn set_ledger(project: &Project, ledger: &Value) {
    project.write(
        ".txo-codemod/ledger.json",
        serde_json::to_string_pretty(ledger).unwrap(),
    );
}

#[test]
fn saved_bytes_survive_git_gc_until_the_phase_is_rolled_back() {
    let project = repo();
    project.write("utils/loader.py", DIRTY);
    project
        .run("apply --phase 1 --allow-dirty .")
        .expect_code(0);
    assert!(git(&project, "for-each-ref").contains("refs/txo-codemod/backup/phase-1"));
    git(&project, "gc -q --prune=now");
    let run = project.run("rollback --phase 1 .").expect_code(0);
    assert!(run.stderr.contains("2 files restored"), "{}", run.stderr);
    assert_eq!(project.read_text("utils/loader.py"), DIRTY);
    assert_eq!(project.read_text("utils/other.py"), OTHER);
    assert!(
        !git(&project, "for-each-ref").contains("refs/txo-codemod/"),
        "the backup ref goes with the phase"
    );
}

#[test]
fn sha256_repositories_roll_back() {
    let project = repo_with("--object-format=sha256");
    project.write("utils/loader.py", DIRTY);
    project
        .run("apply --phase 1 --allow-dirty .")
        .expect_code(0);
    let backup = ledger(&project)["entries"][0]["files"][0]["backup"].clone();
    assert_eq!(backup.as_str().map(str::len), Some(64), "{backup}");
    project.run("rollback --phase 1 .").expect_code(0);
    assert_eq!(project.read_text("utils/loader.py"), DIRTY);
    assert_eq!(project.read_text("utils/other.py"), OTHER);
}

#[test]
fn rollback_to_a_tag_restores_the_saved_bytes_not_the_commit() {
    let project = repo();
    project.write("utils/loader.py", DIRTY);
    project
        .run("apply --phase 1 --allow-dirty .")
        .expect_code(0);
    project
        .run("rollback --to txo-codemod/pre-phase-1 .")
        .expect_code(0);
    assert_eq!(project.read_text("utils/loader.py"), DIRTY);
    assert_eq!(project.read_text("utils/other.py"), OTHER);
}

#[test]
fn ledger_paths_outside_the_repository_are_refused() {
    for bad in [
        "../escaped.py",
        "/tmp/txo-codemod-escaped.py",
        "utils/../../x.py",
    ] {
        let project = repo();
        project.run("apply --phase 1 .").expect_code(0);
        let mut edited = ledger(&project);
        edited["entries"][0]["files"][0]["path"] = Value::from(bad);
        set_ledger(&project, &edited);
        let run = project.run("rollback --phase 1 --force .").expect_code(2);
        assert!(
            run.stderr
                .contains("not a relative path inside the repository"),
            "{bad}: {}",
            run.stderr
        );
        let outside = project.root().parent().unwrap().join("escaped.py");
        assert!(!outside.exists(), "{bad} was written");
        assert!(!std::path::Path::new("/tmp/txo-codemod-escaped.py").exists());
        assert_eq!(
            project.read_text("utils/other.py"),
            OTHER.replace(".get(\"b\", 2)", "[\"b\"]"),
            "nothing was rolled back"
        );
    }
}

#[test]
fn a_backslash_in_a_name_is_part_of_the_name() {
    let project = repo();
    project.write("utils/back\\slash.py", LIBRARY);
    project.write("utils/back/slash.py", OTHER);
    git(&project, "add -A");
    git(&project, "commit -q -m more");
    project.run("apply --phase 1 .").expect_code(0);
    let recorded: Vec<String> = ledger(&project)["entries"][0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert!(
        recorded.contains(&"utils/back\\slash.py".to_string()),
        "{recorded:?}"
    );
    assert!(
        recorded.contains(&"utils/back/slash.py".to_string()),
        "{recorded:?}"
    );
    project.run("rollback --phase 1 .").expect_code(0);
    assert_eq!(project.read_text("utils/back\\slash.py"), LIBRARY);
    assert_eq!(project.read_text("utils/back/slash.py"), OTHER);
}

#[test]
fn a_run_holding_the_lock_makes_another_wait_then_refuse() {
    let project = repo();
    std::fs::create_dir_all(project.path(".txo-codemod")).unwrap();
    let mut lock = std::fs::File::create(project.path(".txo-codemod/lock")).unwrap();
    lock.lock().unwrap();
    writeln!(lock, "4242").unwrap();
    let run = project.run("apply --phase 1 .").expect_code(2);
    assert!(
        run.stderr
            .contains("another txo-codemod run holds the lock (pid 4242)"),
        "{}",
        run.stderr
    );
    assert_eq!(project.read_text("utils/loader.py"), LIBRARY);
    project.run("rollback --phase 1 .").expect_code(2);
    drop(lock);
    project.run("apply --phase 1 .").expect_code(0);
}

#[test]
fn concurrent_applies_keep_every_ledger_entry() {
    let project = repo();
    let binary = assert_cmd::cargo::cargo_bin("txo-codemod");
    let spawn = || {
        std::process::Command::new(&binary)
            .args(["apply", "--phase", "1", "."])
            .current_dir(project.root())
            .output()
            .unwrap()
    };
    let (first, second) = std::thread::scope(|s| {
        let a = s.spawn(spawn);
        let b = s.spawn(spawn);
        (a.join().unwrap(), b.join().unwrap())
    });
    let mut codes = [first.status.code(), second.status.code()];
    codes.sort();
    assert_eq!(codes, [Some(0), Some(2)], "one applies, the other refuses");
    let entries = ledger(&project)["entries"].as_array().unwrap().len();
    assert_eq!(entries, 1);
    assert_eq!(project.read_text("utils/loader.py"), LIBRARY_AFTER);
    project.run("rollback --phase 1 .").expect_code(0);
    assert_eq!(project.read_text("utils/loader.py"), LIBRARY);
}

#[test]
fn a_rollback_that_fails_in_part_says_so() {
    let project = repo();
    project.run("apply --phase 1 .").expect_code(0);
    let mut edited = ledger(&project);
    // The saved copy of utils/other.py is gone.
    edited["entries"][0]["files"][1]["backup"] = Value::from("0".repeat(40));
    set_ledger(&project, &edited);
    let run = project.run("rollback --phase 1 .").expect_code(2);
    assert!(
        run.stderr
            .contains("rolled back phase 1 only in part: 1 of 2 files restored; 1 failed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("failed: utils/other.py"),
        "{}",
        run.stderr
    );
    assert_eq!(project.read_text("utils/loader.py"), LIBRARY);
    assert_eq!(ledger(&project)["entries"][0]["state"], "applied");
}

#[test]
fn hand_edits_block_the_whole_rollback_and_json_tells_it() {
    let project = repo();
    project.run("apply --phase 1 .").expect_code(0);
    project.write("utils/other.py", "# rewritten by hand\n");
    let run = project.run("rollback --phase 1 --json .").expect_code(1);
    let summary: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(summary[0]["status"], "nothing-rolled-back");
    assert_eq!(summary[0]["conflicts"][0], "utils/other.py");
    assert_eq!(summary[0]["restored"].as_array().unwrap().len(), 0);
    assert_eq!(project.read_text("utils/loader.py"), LIBRARY_AFTER);
    let text = project.run("rollback --phase 1 .").expect_code(1);
    assert!(
        text.stderr.contains("nothing was rolled back"),
        "{}",
        text.stderr
    );
    let forced = project
        .run("rollback --phase 1 --force --json .")
        .expect_code(0);
    let summary: Value = serde_json::from_str(&forced.stdout).expect("JSON on stdout");
    assert_eq!(summary[0]["status"], "rolled-back");
    assert_eq!(summary[0]["restored"].as_array().unwrap().len(), 2);
    assert_eq!(project.read_text("utils/other.py"), OTHER);
}

#[test]
fn tag_names_that_are_also_head_or_a_branch_are_refused() {
    let project = repo();
    let branch = git(&project, "branch --show-current").trim().to_string();
    for name in ["HEAD", branch.as_str()] {
        let run = project
            .run(&format!("apply --phase 1 --tag {name} ."))
            .expect_code(2);
        assert!(
            run.stderr.contains("would be ambiguous"),
            "{name}: {}",
            run.stderr
        );
    }
    assert_eq!(project.read_text("utils/loader.py"), LIBRARY);
}

#[test]
fn rollback_removes_what_an_interrupted_write_left_behind() {
    let project = repo();
    project.run("apply --phase 1 .").expect_code(0);
    project.write("utils/.txo-codemod-AbC123.tmp", "half a file");
    project.run("rollback --phase 1 .").expect_code(0);
    assert!(!project.path("utils/.txo-codemod-AbC123.tmp").exists());
    assert_eq!(project.read_text("utils/loader.py"), LIBRARY);
}

#[test]
fn symbolic_links_are_never_written_through() {
    let project = repo();
    std::os::unix::fs::symlink("loader.py", project.path("utils/link.py")).unwrap();
    let run = project.run("apply --phase 1 utils/link.py").expect_code(2);
    assert!(
        run.stderr
            .contains("utils/link.py is (or lies under) a symbolic link"),
        "{}",
        run.stderr
    );
    assert!(
        std::fs::symlink_metadata(project.path("utils/link.py"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(project.read_text("utils/loader.py"), LIBRARY);

    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("o.py"), LIBRARY).unwrap();
    let plain = Project::new();
    std::fs::create_dir_all(plain.path("utils")).unwrap();
    std::os::unix::fs::symlink(outside.path(), plain.path("utils/ext")).unwrap();
    plain
        .run("apply --no-git --phase 1 utils/ext/o.py")
        .expect_code(2);
    let left: Vec<_> = std::fs::read_dir(outside.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        left,
        ["o.py"],
        "nothing is written or backed up outside the project"
    );
    assert_eq!(
        std::fs::read_to_string(outside.path().join("o.py")).unwrap(),
        LIBRARY
    );
}

#[test]
fn a_file_named_twice_is_processed_once() {
    let project = repo();
    let absolute = project.path("utils/loader.py").display().to_string();
    let run = project
        .run(&format!(
            "apply --phase 1 utils/loader.py ./utils/loader.py utils {absolute}"
        ))
        .expect_code(0);
    assert!(run.stderr.contains("in 2 files"), "{}", run.stderr);
    let recorded = ledger(&project)["entries"][0]["files"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(recorded, 2, "loader.py and other.py, each once");
    project.run("rollback --phase 1 .").expect_code(0);
    assert_eq!(project.read_text("utils/loader.py"), LIBRARY);
}

#[test]
fn git_edge_cases_are_refused_or_handled_with_a_clear_message() {
    let empty = Project::new();
    empty.write("utils/loader.py", LIBRARY);
    git(&empty, "init -q");
    let run = empty.run("apply --phase 1 --allow-dirty .").expect_code(2);
    assert!(
        run.stderr.contains("has no commit to tag; commit first"),
        "{}",
        run.stderr
    );
    assert_eq!(empty.read_text("utils/loader.py"), LIBRARY);

    let detached = repo();
    git(&detached, "checkout -q --detach HEAD");
    detached.run("apply --phase 1 .").expect_code(0);
    assert_eq!(detached.read_text("utils/loader.py"), LIBRARY_AFTER);
    detached.run("rollback --phase 1 .").expect_code(0);
    assert_eq!(detached.read_text("utils/loader.py"), LIBRARY);
}

/// A file deleted after its phase comes back with the permissions it had,
/// not those of a new file.
#[cfg(unix)]
#[test]
fn a_deleted_file_comes_back_with_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let project = repo();
    let path = project.path("utils/loader.py");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o754)).unwrap();
    git(&project, "commit -q -a -m mode");
    project.run("apply --phase 1 .").expect_code(0);
    assert_eq!(project.read_text("utils/loader.py"), LIBRARY_AFTER);
    std::fs::remove_file(&path).unwrap();
    project.run("rollback --phase 1 --force .").expect_code(0);
    assert_eq!(project.read_text("utils/loader.py"), LIBRARY);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o754);
}

/// A `.git` that git cannot use (here a `gitdir:` that leads nowhere, as an
/// unreadable or corrupt one does) is named as such, not taken for "no
/// repository", and nothing is written.
#[test]
fn a_git_directory_git_cannot_read_is_named() {
    let project = Project::new();
    project.write("utils/loader.py", LIBRARY);
    project.write(".git", "gitdir: /nonexistent/txo-codemod-test\n");
    let run = project.run("apply --phase 1 .").expect_code(2);
    assert!(
        run.stderr.contains("git cannot read the repository at")
            && run.stderr.contains(".git: fatal: not a git repository"),
        "{}",
        run.stderr
    );
    assert_eq!(project.read_text("utils/loader.py"), LIBRARY);
}
