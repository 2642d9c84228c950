//! The opt-in rewrite of per-thread session caches
//! (`thread-local-session-rewrite`), checked by running Python on the
//! fixture classes before and after: a thread gets the same object for a
//! key, threads get distinct ones, a closed object is never handed out,
//! the bound counts every thread's objects (form `lru`), objects are
//! closed when their thread is gone (form `plan`), and the constructor
//! parameters still reach every object.

mod common;

use std::process::Command;

use common::Project;
use serde_json::Value;

const PROBE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/phase5/session_probe.py"
);

const POOL: [&str; 6] = [
    "utils.pool",
    "ClientPool",
    "get",
    "close_mine",
    "_new_client",
    "2",
];
const MANAGER: [&str; 6] = [
    "utils.manager",
    "SessionManager",
    "get_session",
    "close_all",
    "_create_session",
    "0",
];

fn probe(project: &Project, class: &[&str]) -> Value {
    let output = Command::new("python3")
        .arg(PROBE)
        .arg(project.root())
        .args(class)
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed for the session checks: {e}"));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the probe prints JSON")
}

fn fixture(form: Option<&str>) -> Project {
    let project = Project::fixture("phase5/session_cache");
    if let Some(form) = form {
        let pyproject = project.read_text("pyproject.toml");
        project.write(
            "pyproject.toml",
            format!(
                "{pyproject}rule-options.thread-local-session-rewrite = {{ form = \"{form}\" }}\n"
            ),
        );
    }
    project
}

fn rewrite_findings(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("[thread-local-session-rewrite]"))
        .collect()
}

#[test]
fn the_lru_form_fixes_the_pool_and_refuses_what_it_cannot_prove() {
    let project = fixture(None);
    let before = probe(&project, &POOL);
    // The defect: a client the LRU closed is handed out again, and after
    // the closer a closed client comes back from the LRU.
    assert_eq!(before["handed_out_closed"], true);
    assert_eq!(before["fresh_after_close"], false);
    let logged = project.read_text("utils/logged.py");
    let manager = project.read_text("utils/manager.py");

    let run = project.run("apply --no-git --phase 5 .").expect_code(0);
    let after = probe(&project, &POOL);
    for property in [
        "same_in_thread",
        "distinct_across_threads",
        "bound_respected",
        "parameters_kept",
        "closer_closes_mine",
        "closer_leaves_others",
        "fresh_after_close",
    ] {
        assert_eq!(after[property], true, "{property}: {after}");
    }
    assert_eq!(after["handed_out_closed"], false, "{after}");
    let pool = project.read_text("utils/pool.py");
    assert!(!pool.contains("threading.local()"), "{pool}");
    assert!(pool.contains("slot = (threading.current_thread(), key)"));
    assert!(pool.contains("self._lru[slot] = self._new_client(key)"));

    let refusals = rewrite_findings(&run.stderr);
    assert_eq!(refusals.len(), 2, "{refusals:#?}");
    assert!(
        refusals[0].starts_with("utils/logged.py:12:1: info")
            && refusals[0].contains("does more than cache: it calls `logger.info` (line 29)"),
        "{refusals:#?}"
    );
    assert!(
        refusals[1].starts_with("utils/manager.py:8:1: info")
            && refusals[1].contains("no shared `OrderedDict` LRU")
            && refusals[1].contains("`form = \"plan\"` under `[tool.txo-codemod.rule-options.thread-local-session-rewrite]`"),
        "{refusals:#?}"
    );
    assert_eq!(project.read_text("utils/logged.py"), logged);
    assert_eq!(project.read_text("utils/manager.py"), manager);
    assert!(!run.stderr.contains("leak"), "{}", run.stderr);
}

#[test]
fn the_plan_form_closes_a_threads_sessions_once_it_is_gone() {
    let project = fixture(Some("plan"));
    let before = probe(&project, &MANAGER);
    assert_eq!(before["closed_when_thread_gone"], false);
    project.run("apply --no-git --phase 5 .").expect_code(0);
    for class in [&MANAGER, &POOL] {
        let after = probe(&project, class);
        for property in [
            "same_in_thread",
            "distinct_across_threads",
            "parameters_kept",
            "closer_closes_mine",
            "closer_leaves_others",
            "fresh_after_close",
            "closed_when_thread_gone",
        ] {
            assert_eq!(after[property], true, "{} {property}: {after}", class[1]);
        }
        assert_eq!(after["handed_out_closed"], false, "{after}");
    }
    let manager = project.read_text("utils/manager.py");
    assert!(
        manager.contains("import threading\nimport weakref\n"),
        "{manager}"
    );
    assert!(manager.contains("self._thread_sessions = weakref.WeakKeyDictionary()"));
    assert!(manager.contains("sessions[key] = self._create_session(key)"));
    let pool = project.read_text("utils/pool.py");
    assert!(
        !pool.contains("OrderedDict()\n        self._lock"),
        "the LRU goes: {pool}"
    );
    assert!(
        pool.contains("while len(sessions) > self.max_clients:"),
        "{pool}"
    );
}

#[test]
fn the_rewrite_is_opt_in_and_rolls_back_byte_for_byte() {
    let project = fixture(None);
    let pyproject = project.read_text("pyproject.toml");
    project.write(
        "pyproject.toml",
        pyproject.replace("enable-rules = [\"thread-local-session-rewrite\"]\n", ""),
    );
    let run = project.run("diff --phase 5 .");
    assert!(!run.stdout.contains("current_thread"), "{}", run.stdout);
    assert!(rewrite_findings(&run.stderr).is_empty());

    let project = fixture(Some("plan"));
    let files = project.python_files();
    let originals: Vec<Vec<u8>> = files.iter().map(|f| project.read(f)).collect();
    project.run("apply --no-git --phase 5 .").expect_code(0);
    project.run("diff --phase 5 .").expect_code(0);
    project.run("rollback --phase 5 .").expect_code(0);
    let restored: Vec<Vec<u8>> = files.iter().map(|f| project.read(f)).collect();
    assert!(originals == restored, "rollback restores every byte");
}

#[test]
fn the_sample_pool_is_rewritten_when_enabled_and_hands_out_no_closed_client() {
    let project = Project::sample();
    let pyproject = project.read_text("pyproject.toml");
    project.write(
        "pyproject.toml",
        pyproject.replace(
            "helpful-error-module = \"utils.exceptions\"\n",
            "helpful-error-module = \"utils.exceptions\"\nenable-rules = [\"thread-local-session-rewrite\"]\n",
        ),
    );
    project.run("apply --no-git --phase 5 .").expect_code(0);
    let pool = project.read_text("utils/client_pool.py");
    assert!(
        pool.contains("slot = (threading.current_thread(), key)"),
        "{pool}"
    );
    let (ok, output) = common::run_tool(
        project.root(),
        "python3",
        &[
            "-c",
            "from utils.client_pool import ClientPool\np = ClientPool(max_clients=2, headers={'h': '1'}, retries=9)\na = p.get('a'); p.get('b'); p.get('c')\nb = p.get('a')\nprint(a.closed, b is a, b.closed, b.headers, b.retries)",
        ],
    );
    assert!(ok, "{output}");
    assert_eq!(output.trim(), "True False False {'h': '1'} 9");
}

#[test]
fn the_samples_suite_passes_after_either_form() {
    if !common::suite_runs_here() {
        return;
    }
    for form in ["lru", "plan"] {
        let project = Project::sample();
        let pyproject = project.read_text("pyproject.toml");
        project.write(
            "pyproject.toml",
            pyproject.replace(
                "helpful-error-module = \"utils.exceptions\"\n",
                &format!("helpful-error-module = \"utils.exceptions\"\nenable-rules = [\"thread-local-session-rewrite\"]\nrule-options.thread-local-session-rewrite = {{ form = \"{form}\" }}\n"),
            ),
        );
        project.run("apply --no-git --phase 5 .").expect_code(0);
        let changed = project.changed_from_sample();
        // The plan form also rewrites the plain SessionManager.
        assert_eq!(
            changed.contains(&"utils/rest_api_helpers.py".to_string()),
            form == "plan",
            "{form}: {changed:?}"
        );
        assert!(
            changed.contains(&"utils/client_pool.py".to_string()),
            "{changed:?}"
        );
        let (ok, output) = common::run_tool(project.root(), "python3", &["-m", "pytest", "-q"]);
        assert!(ok, "{form}: {output}");
    }
}
