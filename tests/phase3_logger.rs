//! Phase 3 keeps the logger singleton (the plan: logging is inherently
//! global) and gives it what the plan asks, nothing more: `reset()` for
//! tests and an `RLock` where the code holding the lock calls out.

mod common;

use common::{Project, run_tool, tool_available};

/// After phase 3: the lock re-enters, `reset()` forgets the logger and its
/// handlers, and setting up again gives the same logger with as many
/// handlers as before (none doubled).
const RESET_PROBE: &str = "\
import tempfile, threading
from utils import logger
assert type(logger._lock) is type(threading.RLock()), type(logger._lock)
with logger._lock:
    with logger._lock:
        pass
base = logger.setup_logger(log_dir=tempfile.mkdtemp())
handlers = len(base.handlers)
logger.reset()
assert logger._logger is None and base.handlers == []
again = logger.setup_logger(log_dir=tempfile.mkdtemp())
assert again is base and len(again.handlers) == handlers, again.handlers
print('ok', handlers)
";

#[test]
fn the_logger_singleton_gets_reset_and_a_re_entrant_lock() {
    let project = Project::sample();
    let diff = project.run("diff --phase 3 .").expect_code(1);
    for expected in [
        "-_lock = threading.Lock()\n+_lock = threading.RLock()\n",
        "+def reset() -> None:\n",
        "+    with _lock:\n+        if _logger is not None:\n+            for handler in list(_logger.handlers):\n+                _logger.removeHandler(handler)\n+                handler.close()\n+        _logger = None\n",
    ] {
        assert!(
            diff.stdout.contains(expected),
            "missing `{expected}`:\n{}",
            diff.stdout
        );
    }
    assert!(!diff.stdout.contains("__del__"));
    assert!(!diff.stdout.contains("class LoggerManager"));
    project.run("apply --no-git --phase 3 .").expect_code(0);
    let again = project.run("diff --phase 3 .").expect_code(0);
    assert!(again.stdout.is_empty(), "not idempotent:\n{}", again.stdout);
    if !tool_available("python3", &["-c", "import requests"]) {
        eprintln!("note: python3 with requests not found; Python-level checks skipped");
        return;
    }
    let (ok, output) = run_tool(project.root(), "python3", &["-c", RESET_PROBE]);
    assert!(ok && output == "ok 2\n", "{output}");
}

#[test]
fn a_lock_the_holder_never_calls_out_from_stays_a_lock() {
    let project = Project::new();
    project.write(
        "utils/log.py",
        "import threading\n\n_logger = None\n_lock = threading.Lock()\n\n\ndef get_logger():\n    global _logger\n    with _lock:\n        _logger = _logger or 1\n        return _logger\n",
    );
    let diff = project.run("diff --phase 3 .").expect_code(1);
    assert!(!diff.stdout.contains("RLock"), "{}", diff.stdout);
    assert!(
        diff.stdout.contains(
            "+def reset() -> None:\n+    \"\"\"Forgets the configured logger (for tests): the next call sets it up again.\"\"\"\n+    global _logger\n+    with _lock:\n+        _logger = None\n"
        ),
        "{}",
        diff.stdout
    );
    // A module that star-imports it would bind `reset` too: reported.
    project.write("src/user.py", "from utils.log import *\n");
    let refused = project.run("diff --phase 3 .").expect_code(0);
    assert!(
        refused
            .stderr
            .contains("not rewritten: src/user.py:1 star-imports this module, which would then also bind `reset` there"),
        "{}",
        refused.stderr
    );
}
