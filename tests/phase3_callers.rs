//! Phase 3 and the modules that reach a module's state: `m.x` and
//! `from m import x` are rewritten to the default manager where that keeps
//! the same objects, proved by running the same Python before and after;
//! otherwise the module is refused with the caller's place and the reason.

mod common;

use common::{Project, run_tool, tool_available};

const STORE: &str = "\
import threading


class Cache:
    def __init__(self):
        self.items = {}


_cache = Cache()
_lock = threading.Lock()
_hits = 0


def remember(key, value):
    with _lock:
        _cache.items[key] = value


def hit():
    global _hits
    _hits += 1
    return _hits
";

/// Reaches the state three ways: a name taken by `from … import`, an
/// attribute of an aliased module, and one of the fully dotted module.
const CALLER: &str = "\
import utils.store
import utils.store as st
from utils.store import _cache, remember


def lookup(key):
    return _cache.items.get(key)


def same_everywhere():
    return _cache is st._cache is utils.store._cache


def hits_seen():
    return st._hits
";

/// Run before and after: the caller must see what the module's functions
/// change, through the very same objects.
const PROBE: &str = "\
import warnings
warnings.simplefilter('ignore', DeprecationWarning)
from src import caller
from utils import store
store.remember('a', 1)
print(caller.lookup('a'), caller.same_everywhere())
store.hit()
store.hit()
print(caller.hits_seen())
";

fn project() -> Project {
    let project = Project::new();
    project.write("utils/__init__.py", "");
    project.write("src/__init__.py", "");
    project.write("utils/store.py", STORE);
    project.write("src/caller.py", CALLER);
    project
}

#[test]
fn callers_follow_the_state_into_the_default_manager() {
    let project = project();
    let python = tool_available("python3", &["-c", "import sys"]);
    let before = python.then(|| run_tool(project.root(), "python3", &["-c", PROBE]));
    let diff = project.run("diff --phase 3 .").expect_code(1);
    for expected in [
        "+from utils.store import default_store_manager, remember",
        "+    return default_store_manager().cache.items.get(key)",
        "+    return default_store_manager().cache is st.default_store_manager().cache is utils.store.default_store_manager().cache",
        "+    return st.default_store_manager().hits",
    ] {
        assert!(
            diff.stdout.contains(expected),
            "missing `{expected}`:\n{}",
            diff.stdout
        );
    }
    project.run("apply --no-git --phase 3 .").expect_code(0);
    assert!(!project.read_text("utils/store.py").contains("\n_cache = "));
    let Some((was_ok, before)) = before else {
        return;
    };
    let (ok, after) = run_tool(project.root(), "python3", &["-c", PROBE]);
    assert!(was_ok && ok, "before:\n{before}\nafter:\n{after}");
    assert_eq!(before, "1 True\n2\n");
    assert_eq!(after, before);
}

#[test]
fn a_snapshot_of_rebound_state_is_refused_with_the_reason() {
    let project = project();
    // `_hits` is rebound by `hit()`: the caller's name keeps the old value.
    project.write(
        "src/snapshot.py",
        "from utils.store import _hits\n\n\ndef first_hits():\n    return _hits\n",
    );
    let diff = project.run("diff --phase 3 .").expect_code(0);
    assert!(diff.stdout.is_empty(), "{}", diff.stdout);
    assert!(
        diff.stderr.contains(
            "src/snapshot.py:1 imports `_hits`: the name holds the object `_hits` had at import time, and this module rebinds `_hits` with `global`, so the two can differ; after the rewrite they could not"
        ),
        "{}",
        diff.stderr
    );
    if !tool_available("python3", &["-c", "import sys"]) {
        return;
    }
    // Why: before the rewrite the snapshot stays 0 while the module counts.
    let (ok, output) = run_tool(
        project.root(),
        "python3",
        &[
            "-c",
            "from src import snapshot\nfrom utils import store\nstore.hit()\nprint(snapshot.first_hits(), store._hits)",
        ],
    );
    assert!(ok && output == "0 1\n", "{output}");
}

#[test]
fn callers_that_rebind_read_at_import_or_assign_are_refused() {
    for (caller, reason) in [
        (
            "from utils.store import _cache\n_cache = None\n",
            "src/other.py:1 imports `_cache`: line 2 binds `_cache` again or uses it before the import",
        ),
        (
            "from utils.store import _cache\nITEMS = _cache.items\n",
            "src/other.py:1 imports `_cache`: line 2 reads `_cache` when the module is imported",
        ),
        (
            "import utils.store as st\n\n\ndef reset():\n    st._cache = None\n",
            "src/other.py:5 assigns `_cache` of this module",
        ),
        (
            "from utils.store import _cache\n\n\ndef default_store_manager():\n    return _cache\n",
            "src/other.py:1 imports `_cache`: that module already uses the name `default_store_manager`",
        ),
        (
            "import utils.store as st\nSIZE = len(st._cache.items)\n",
            "src/other.py:2 reads `_cache` when it is imported",
        ),
    ] {
        let project = project();
        project.write("src/other.py", caller);
        let diff = project.run("diff --phase 3 .").expect_code(0);
        assert!(
            !diff.stdout.contains("store.py"),
            "{caller}\n{}",
            diff.stdout
        );
        assert!(diff.stderr.contains(reason), "{caller}\n{}", diff.stderr);
    }
}

#[test]
fn test_code_that_reaches_the_state_is_not_rewritten() {
    let project = project();
    project.write(
        "tests/test_store.py",
        "from utils.store import _cache\n\n\ndef test_empty():\n    assert not _cache.items\n",
    );
    let diff = project.run("diff --phase 3 .").expect_code(0);
    assert!(!diff.stdout.contains("store.py"), "{}", diff.stdout);
    assert!(
        diff.stderr.contains(
            "tests/test_store.py:1 uses `_cache` from this module, in test code, which is not rewritten (`rewrite-tests`)"
        ),
        "{}",
        diff.stderr
    );
}

/// What a `def`, `class` or `lambda` statement evaluates when it runs
/// (decorators and their arguments, parameter defaults and annotations, a
/// class body, a lambda's defaults) is read at import time: rewriting it to
/// the default manager would create the manager then and freeze its object
/// in the default, so the module is refused.
#[test]
fn callers_reading_the_state_where_a_definition_runs_are_refused() {
    for (caller, reason) in [
        (
            "import utils.store as st\n\n\ndef peek(cache=st._cache):\n    return cache\n",
            "src/other.py:4 reads `_cache` when it is imported",
        ),
        (
            "import utils.store as st\n\n\ndef peek(cache: st._cache):\n    return cache\n",
            "src/other.py:4 reads `_cache` when it is imported",
        ),
        (
            "import utils.store as st\n\n\n@st._cache.wrap\ndef peek():\n    pass\n",
            "src/other.py:4 reads `_cache` when it is imported",
        ),
        (
            "import utils.store as st\n\n\nclass Reader:\n    cache = st._cache\n",
            "src/other.py:5 reads `_cache` when it is imported",
        ),
        (
            "import utils.store as st\n\npeek = lambda cache=st._cache: cache\n",
            "src/other.py:3 reads `_cache` when it is imported",
        ),
        (
            "from utils.store import _cache\n\n\ndef peek(key, items=_cache.items):\n    return items.get(key)\n",
            "src/other.py:1 imports `_cache`: line 4 reads `_cache` when the module is imported",
        ),
        (
            "from utils.store import _cache\n\n\n@register(_cache)\ndef peek():\n    pass\n",
            "src/other.py:1 imports `_cache`: line 4 reads `_cache` when the module is imported",
        ),
    ] {
        let project = project();
        project.write("src/other.py", caller);
        let diff = project.run("diff --phase 3 .").expect_code(0);
        assert!(
            !diff.stdout.contains("store.py"),
            "{caller}\n{}",
            diff.stdout
        );
        assert!(diff.stderr.contains(reason), "{caller}\n{}", diff.stderr);
    }
}

/// A nested function's default runs when the outer function does: at a
/// call, so it is rewritten like any read in a function body, and the
/// reader still sees what the module's functions stored.
#[test]
fn a_nested_definitions_default_follows_the_state() {
    let project = project();
    project.write(
        "src/other.py",
        "import utils.store as st\n\n\ndef make_reader():\n    def read(key, cache=st._cache):\n        return cache.items.get(key)\n    return read\n",
    );
    let probe = "import warnings\nwarnings.simplefilter('ignore', DeprecationWarning)\nfrom src import other\nfrom utils import store\nstore.remember('a', 1)\nprint(other.make_reader()('a'))\n";
    let python = tool_available("python3", &["-c", "import sys"]);
    let before = python.then(|| run_tool(project.root(), "python3", &["-c", probe]));
    let diff = project.run("diff --phase 3 .").expect_code(1);
    assert!(
        diff.stdout
            .contains("+    def read(key, cache=st.default_store_manager().cache):"),
        "{}",
        diff.stdout
    );
    project.run("apply --no-git --phase 3 .").expect_code(0);
    let Some((was_ok, before)) = before else {
        return;
    };
    let (ok, after) = run_tool(project.root(), "python3", &["-c", probe]);
    assert!(was_ok && ok, "before:\n{before}\nafter:\n{after}");
    assert_eq!(before, "1\n");
    assert_eq!(after, before);
}

/// The same shapes inside the module that holds the state: what a `def`,
/// `class` or `lambda` statement evaluates reads the state at import time,
/// so the module is refused; a nested function's default inside a function
/// body runs at that function's call, so it moves with it (proved by
/// running the module before and after).
#[test]
fn the_modules_own_import_time_reads_are_refused_and_call_time_ones_move() {
    for (code, reason) in [
        (
            "def peek(cache=_cache):\n    return cache\n",
            "`_cache` is used in the signature, which runs at import time",
        ),
        (
            "def peek(cache: _cache):\n    return cache\n",
            "`_cache` is used in the signature, which runs at import time",
        ),
        (
            "@register(_cache)\ndef peek():\n    return _cache\n",
            "a decorated definition uses the state",
        ),
        (
            "class Reader:\n    cache = _cache\n",
            "class `Reader` uses the state outside `__init__` or rebinds it",
        ),
        (
            "peek = lambda cache=_cache: cache\n",
            "`_cache` is used at import time, outside any function",
        ),
    ] {
        let project = project();
        project.write("utils/store.py", format!("{STORE}\n\n{code}"));
        let diff = project.run("diff --phase 3 .").expect_code(0);
        assert!(diff.stdout.is_empty(), "{code}\n{}", diff.stdout);
        assert!(diff.stderr.contains(reason), "{code}\n{}", diff.stderr);
    }
    let project = project();
    project.write("src/caller.py", "");
    let nested = "\n\ndef make_reader():\n    def read(key, cache=_cache):\n        return cache.items.get(key)\n    return read\n";
    project.write("utils/store.py", format!("{STORE}{nested}"));
    let probe = "import warnings\nwarnings.simplefilter('ignore', DeprecationWarning)\nfrom utils import store\nstore.remember('a', 1)\nprint(store.make_reader()('a'))\n";
    let python = tool_available("python3", &["-c", "import sys"]);
    let before = python.then(|| run_tool(project.root(), "python3", &["-c", probe]));
    let diff = project.run("diff --phase 3 .").expect_code(1);
    assert!(
        diff.stdout
            .contains("+        def read(key, cache=self.cache):"),
        "{}",
        diff.stdout
    );
    project.run("apply --no-git --phase 3 .").expect_code(0);
    let Some((was_ok, before)) = before else {
        return;
    };
    let (ok, after) = run_tool(project.root(), "python3", &["-c", probe]);
    assert!(was_ok && ok, "before:\n{before}\nafter:\n{after}");
    assert_eq!(before, "1\n");
    assert_eq!(after, before);
}
