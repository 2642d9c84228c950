//! Phase 3 and public tables: a public module-level dict, list or set that
//! nothing changes (like `pydoc_data/topics.py`'s `topics`) is a constant,
//! not state. Moving it into the manager would break `from m import topics`
//! for every importer, so it stays where it is and is reported; the rest of
//! the module's state still moves. `check` flags it too, so `check` after
//! phase 3 finds exactly what `diff` reported.

mod common;

use common::{Project, places, run_tool, tool_available};

const TOPICS: &str = "\
topics = {'a': 'Alpha', 'b': 'Beta'}
_seen = []


def describe(key):
    _seen.append(key)
    return topics[key]


def history():
    return list(_seen)
";

const READER: &str = "\
from utils.topics import topics


def title(key):
    return topics[key].upper()
";

const PROBE: &str = "\
import warnings
warnings.simplefilter('ignore', DeprecationWarning)
from src import reader
from utils import topics
print(reader.title('a'), topics.describe('b'), topics.history(), sorted(topics.topics))
";

fn project(topics: &str, reader: &str) -> Project {
    let project = Project::new();
    project.write("utils/__init__.py", "");
    project.write("src/__init__.py", "");
    project.write("utils/topics.py", topics);
    project.write("src/reader.py", reader);
    project
}

/// What `probe` prints in the project now, where Python runs.
fn probe(project: &Project, probe: &str) -> Option<(bool, String)> {
    tool_available("python3", &["-c", "import sys"])
        .then(|| run_tool(project.root(), "python3", &["-c", probe]))
}

/// The probe printed `expected` before the rewrite and prints it after.
fn assert_probe_unchanged(
    project: &Project,
    probe: &str,
    before: Option<(bool, String)>,
    expected: &str,
) {
    let Some((was_ok, before)) = before else {
        return;
    };
    let (ok, after) = run_tool(project.root(), "python3", &["-c", probe]);
    assert!(was_ok && ok, "before:\n{before}\nafter:\n{after}");
    assert_eq!(before, expected);
    assert_eq!(after, before);
}

#[test]
fn a_public_table_nothing_changes_stays_and_is_reported() {
    let project = project(TOPICS, READER);
    let before = probe(&project, PROBE);
    let diff = project.run("diff --phase 3 .").expect_code(1);
    assert!(diff.stderr.contains(
        "utils/topics.py:1:1: warning[global-state-to-manager] public module-level `topics` is a table nothing in the project changes (kept at module level as a constant, not moved into a manager: that would break `from utils.topics import topics` (used by src/reader.py:1))"
    ), "{}", diff.stderr);
    // `_seen` moves; `topics` and its reader are untouched.
    assert!(diff.stdout.contains("-_seen = []"), "{}", diff.stdout);
    assert!(!diff.stdout.contains("-topics = "), "{}", diff.stdout);
    assert!(!diff.stdout.contains("reader.py"), "{}", diff.stdout);
    assert_eq!(
        places(&diff.stderr, "global-state-to-manager"),
        ["utils/topics.py:1:1"]
    );
    project.run("apply --no-git --phase 3 .").expect_code(0);
    // The rewrite added imports above it, so it is found by name.
    let after = project.run("check --phase 3 .").expect_code(1);
    let found: Vec<&str> = after
        .stdout
        .lines()
        .filter(|l| l.contains("[no-global-state]"))
        .collect();
    assert_eq!(found.len(), 1, "{}", after.stdout);
    assert!(
        found[0].contains("module-level `topics` holds mutable state (a dict)"),
        "{}",
        after.stdout
    );
    assert_probe_unchanged(&project, PROBE, before, "ALPHA Beta ['b'] ['a', 'b']\n");
}

#[test]
fn a_table_another_module_changes_stays_and_says_where() {
    let reader = format!("{READER}\n\ndef add(key, text):\n    topics[key] = text\n");
    let project = project(TOPICS, &reader);
    let diff = project.run("diff --phase 3 .").expect_code(1);
    assert!(diff.stderr.contains(
        "utils/topics.py:1:1: warning[global-state-to-manager] public module-level `topics` is changed by another module (src/reader.py:9) (kept at module level, not moved into a manager: moving a public name breaks `from utils.topics import topics`; move it by hand if it is state)"
    ), "{}", diff.stderr);
    assert!(!diff.stdout.contains("-topics = "), "{}", diff.stdout);
}

#[test]
fn tables_the_module_changes_or_keeps_private_are_state() {
    for (table, change) in [
        ("topics = {}", "    topics[key] = key\n"),
        ("topics = {}", "    topics.update(k=key)\n"),
        ("topics = []", "    global topics\n    topics = [key]\n"),
        ("_topics = {}", "    return _topics.get(key)\n"),
    ] {
        let name = table.split(' ').next().unwrap_or_default();
        let code = format!("{table}\n\n\ndef note(key):\n{change}");
        let project = project(&code, "");
        let diff = project.run("diff --phase 3 .").expect_code(1);
        assert!(
            diff.stdout.contains(&format!("-{table}")),
            "{code}\n{}\n{}",
            diff.stdout,
            diff.stderr
        );
        assert!(
            !diff.stderr.contains(&format!("`{name}` is a table")),
            "{}",
            diff.stderr
        );
    }
    // Assigned twice: state, refused as before (not a kept table).
    let twice = project(
        "topics = {}\n\n\ndef note(key):\n    return topics\n\n\ntopics = {'a': 1}\n",
        "",
    );
    let diff = twice.run("diff --phase 3 .").expect_code(0);
    assert!(
        diff.stderr
            .contains("(not rewritten: `topics` is assigned more than once at module level)"),
        "{}",
        diff.stderr
    );
    assert!(!diff.stderr.contains("is a table"), "{}", diff.stderr);
    // Listed in `__all__`, a private name is public too.
    let code = "__all__ = ['_topics', 'note']\n_topics = {'a': 1}\n\n\ndef note(key):\n    return _topics[key]\n";
    let project = project(code, "");
    let diff = project.run("diff --phase 3 .").expect_code(0);
    assert!(
        diff.stderr
            .contains("public module-level `_topics` is a table nothing in the project changes"),
        "{}",
        diff.stderr
    );
}

/// Found with the fixture above: `_seen` would become the attribute `seen`
/// and hide the method `seen()` the function of that name becomes.
#[test]
fn a_state_named_like_a_converted_function_is_refused() {
    let code = TOPICS.replace("def history", "def seen");
    let project = project(&code, READER);
    let diff = project.run("diff --phase 3 .").expect_code(0);
    assert!(
        diff.stderr.contains(
            "(not rewritten: `_seen` would become the attribute `seen`, the name of this function's method)"
        ),
        "{}",
        diff.stderr
    );
}

/// Shaped like `__future__.py`: the kept table lists the names of the
/// module's instances, for `getattr(module, name)` (private here: public
/// instances stay anyway). Once the table no
/// longer blocks the module, that string must: the rewrite cannot follow a
/// name in a string.
#[test]
fn state_named_in_a_string_is_refused() {
    let code = "\
all_feature_names = [\"_nested_scopes\"]


class _Feature:
    pass


_nested_scopes = _Feature()


def feature():
    return _nested_scopes
";
    let project = project(code, "");
    let diff = project.run("diff --phase 3 .").expect_code(0);
    assert!(diff.stdout.is_empty(), "{}", diff.stdout);
    assert!(
        diff.stderr.contains(
            "utils/topics.py:1:22: warning[global-state-to-manager] module state (`_nested_scopes`) moves into `TopicsManager` (not rewritten: the string \"_nested_scopes\" names `_nested_scopes`, so code may reach it by name (`getattr`), which the rewrite cannot follow)"
        ),
        "{}",
        diff.stderr
    );
}

const SERVICE: &str = "\
class Client:
    def __init__(self):
        self.calls = []

    def fetch(self, key):
        self.calls.append(key)
        return key.upper()


client = Client()
_seen = []


def lookup(key):
    _seen.append(key)
    return client.fetch(key)


def history():
    return list(_seen)
";

const CALLER: &str = "\
from utils.topics import client


def fetch_twice(key):
    return client.fetch(key) + client.fetch(key)
";

const SERVICE_PROBE: &str = "\
import warnings
warnings.simplefilter('ignore', DeprecationWarning)
from src import reader
from utils import topics
print(reader.fetch_twice('a'), topics.lookup('b'), topics.history(), topics.client.calls)
";

/// A public instance (`ListSeparator = ValueTerminal(…)` in the stdlib's
/// `email`) is the module's interface as much as a public table: moving it
/// into the manager would break `from m import client` outside the
/// project. It stays, shared by every manager, and is reported; the
/// private state still moves, and the program prints what it printed.
#[test]
fn a_public_instance_stays_and_is_reported() {
    let project = project(SERVICE, CALLER);
    let before = probe(&project, SERVICE_PROBE);
    let diff = project.run("diff --phase 3 .").expect_code(1);
    assert!(diff.stderr.contains(
        "utils/topics.py:10:1: warning[global-state-to-manager] public module-level `client` is part of `utils.topics`'s interface (used by src/reader.py:1) (kept at module level, not moved into a manager: that would break `from utils.topics import client`; every manager still shares it: rename it `_client` first if it should move)"
    ), "{}", diff.stderr);
    assert!(diff.stdout.contains("-_seen = []"), "{}", diff.stdout);
    assert!(!diff.stdout.contains("-client = "), "{}", diff.stdout);
    assert!(!diff.stdout.contains("reader.py"), "{}", diff.stdout);
    project.run("apply --no-git --phase 3 .").expect_code(0);
    assert_probe_unchanged(
        &project,
        SERVICE_PROBE,
        before,
        "AA B ['b'] ['a', 'a', 'b']\n",
    );
}

/// Bound again by the module (`global client`), a public instance is the
/// module's state, not its interface: it moves as before.
#[test]
fn a_public_instance_the_module_binds_again_moves() {
    let code = SERVICE.replace(
        "def history():",
        "def reset():\n    global client\n    client = Client()\n\n\ndef history():",
    );
    let project = project(&code, "");
    let diff = project.run("diff --phase 3 .").expect_code(1);
    assert!(
        diff.stdout.contains("-client = Client()"),
        "{}",
        diff.stdout
    );
    assert!(!diff.stderr.contains("interface"), "{}", diff.stderr);
}
