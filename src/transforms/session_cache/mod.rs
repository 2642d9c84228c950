//! `thread-local-session-rewrite` (opt-in): a class caching sessions or
//! clients per thread in `threading.local()` is rewritten to keep them
//! where they are counted and closed.
//!
//! - `form: lru` (default): one LRU keyed by (thread, key) under the class's
//!   lock, bounded by the class's own bound; evicted objects are closed.
//!   Needs the shape `thread-local-session-cache` reports: a shared
//!   `OrderedDict` LRU with a size check, a lock, and eviction that closes.
//! - `form: plan`: the plan's `weakref.WeakKeyDictionary` keyed by
//!   `threading.current_thread()`; a thread's objects are closed when its
//!   `Thread` object is gone (`weakref.finalize`), and beyond the bound
//!   (now per thread) when the class had one.
//!
//! The factory call (and so the constructor parameters it passes: headers,
//! retries, pool sizes) is kept as written. `shape.rs` proves the getter
//! does nothing but cache before its body is replaced; anything else is
//! refused with its reason.

mod proof;
mod render;
pub mod shape;

use tree_sitter::Node;

use super::outcome::{ClassRefusal, Outcome, TextEdit};
use super::{FileInput, OptionSpec, Options, Pending, Refusal, Transform, TransformOutput};
use shape::CacheClass;

pub struct ThreadLocalSessionRewrite;

const FORM: OptionSpec = OptionSpec {
    name: "form",
    values: &["lru", "plan"],
    default: "lru",
    help: "lru: one LRU keyed by (thread, key) under the lock; plan: the plan's WeakKeyDictionary keyed by the current thread",
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Lru,
    Plan,
}

impl Transform for ThreadLocalSessionRewrite {
    fn name(&self) -> &'static str {
        "thread-local-session-rewrite"
    }

    fn summary(&self) -> &'static str {
        "per-thread caches of sessions → one LRU keyed by (thread, key), or the plan's WeakKeyDictionary; evicted sessions closed"
    }

    fn options(&self) -> &'static [OptionSpec] {
        &[FORM]
    }

    fn may_apply(&self, text: &str) -> bool {
        text.contains("local()")
    }

    /// Its rewrites come from the file alone.
    fn index_reads(&self, _options: &Options) -> Option<Vec<String>> {
        Some(Vec::new())
    }

    fn prepare(&self, file: &FileInput) -> Vec<Pending> {
        let form = match file.options.get(FORM.name).map(String::as_str) {
            Some("plan") => Form::Plan,
            _ => Form::Lru,
        };
        let outcomes = rewrite(file.tree.root_node(), file.text, form);
        if outcomes.is_empty() {
            return Vec::new();
        }
        let outputs = outputs(file.file, file.text, file.newline, outcomes);
        vec![Box::new(move |_| outputs)]
    }
}

/// Each per-thread cache of the file: its rewrite or why not.
pub fn rewrite(root: Node, source: &str, form: Form) -> Vec<Outcome> {
    let threading = top_level_import(root, source, "threading");
    let weakref = top_level_import(root, source, "weakref");
    let mut outcomes = Vec::new();
    let mut import_added = false;
    for class in shape::classes(root, source) {
        let outcome = match class {
            Err(not_proven) => refused(
                &not_proven.name,
                not_proven.at,
                not_proven.reason,
                Form::Plan,
            ),
            Ok(class) => match (threading, form) {
                (None, _) => refused(
                    &class.name,
                    class.at,
                    "`threading` is not imported as a module at the top of the file".into(),
                    form,
                ),
                (Some(_), Form::Lru) => lru_form(&class),
                (Some(threading), Form::Plan) => {
                    let import = (weakref.is_none() && !import_added)
                        .then(|| weakref_import_at(root, source, threading));
                    let outcome = plan_form(&class, import);
                    import_added |= matches!(outcome, Outcome::Rewrite { .. });
                    outcome
                }
            },
        };
        outcomes.push(outcome);
    }
    outcomes
}

/// A top-level `import NAME` statement: (start, end of its line).
fn top_level_import(root: Node, source: &str, name: &str) -> Option<(usize, usize)> {
    let mut cursor = root.walk();
    root.named_children(&mut cursor)
        .find(|s| {
            s.kind() == "import_statement" && source[s.byte_range()] == format!("import {name}")
        })
        .map(|s| super::lines::line_span(source, s))
}

/// Where `import weakref` goes: after `import threading` and the plain
/// imports that follow it and sort before `weakref`.
fn weakref_import_at(root: Node, source: &str, threading: (usize, usize)) -> usize {
    let mut cursor = root.walk();
    let mut at = threading.1;
    let mut following = root
        .named_children(&mut cursor)
        .skip_while(|s| s.start_byte() < threading.0)
        .skip(1);
    while let Some(next) = following.next().filter(|s| s.kind() == "import_statement") {
        let module = source[next.byte_range()].trim_start_matches("import ");
        if module >= "weakref" {
            break;
        }
        at = super::lines::line_span(source, next).1;
    }
    at
}

fn refused(subject: &str, at: usize, reason: String, form: Form) -> Outcome {
    let proposal = match form {
        Form::Lru => {
            "rewrite it by hand, or set `form = \"plan\"` under `[tool.txo-codemod.rule-options.thread-local-session-rewrite]`"
        }
        Form::Plan => "rewrite it by hand",
    };
    Outcome::Refused(ClassRefusal {
        subject: subject.to_string(),
        at,
        reason,
        proposal: proposal.to_string(),
    })
}

fn body_edit(body: &shape::Body, lines: &[(usize, String)]) -> TextEdit {
    TextEdit {
        start: body.start,
        end: body.end,
        replacement: render::lay_out(body, lines),
    }
}

fn lru_form(class: &CacheClass) -> Outcome {
    let getter = &class.getter;
    let missing = match (&class.lru, &class.lock, &getter.bound) {
        (None, _, _) => Some("it has no shared `OrderedDict` LRU, so there is no bound to keep"),
        (_, None, _) => Some("it has no `threading.Lock()` to guard the shared LRU"),
        (_, _, None) => Some("its getter does not check the LRU's size"),
        _ if !getter.closes_evicted => Some(
            "its getter does not close what the LRU evicts, so nothing shows the objects can be closed",
        ),
        _ => None,
    };
    let (Some(lru), Some(lock), Some(bound), None) =
        (&class.lru, &class.lock, &getter.bound, missing)
    else {
        return refused(
            &class.name,
            class.at,
            missing.unwrap_or_default().to_string(),
            Form::Lru,
        );
    };
    let mut edits = vec![
        TextEdit::delete(class.local.lines.0, class.local.lines.1),
        body_edit(
            &getter.body,
            &render::lru_getter(class, &lru.name, &lock.name, bound),
        ),
    ];
    if let Some(closer) = &class.closer {
        edits.push(body_edit(
            closer,
            &render::lru_closer(&lru.name, &lock.name),
        ));
    }
    edits.sort_by_key(|e| e.start);
    Outcome::Rewrite {
        subject: class.name.clone(),
        at: class.at,
        message: format!(
            "`{}` keeps its objects in one LRU keyed by (thread, key) under `self.{}`: the bound `{}` counts every thread's, and an evicted one is closed and never handed out again",
            class.name, lock.name, bound.1
        ),
        edits,
    }
}

fn plan_form(class: &CacheClass, add_import_at: Option<usize>) -> Outcome {
    let getter = &class.getter;
    if !getter.closes_evicted && class.closer.is_none() {
        return refused(
            &class.name,
            class.at,
            "nothing in the class closes the cached objects, so nothing shows they can be closed when their thread is gone".into(),
            Form::Plan,
        );
    }
    let lock = class
        .lock
        .as_ref()
        .map_or("_thread_sessions_lock", |l| l.name.as_str());
    let local = &class.local;
    let mut created = "self._thread_sessions = weakref.WeakKeyDictionary()".to_string();
    if class.lock.is_none() {
        created.push_str(&format!(
            "\n{}self._thread_sessions_lock = threading.Lock()",
            local.indent
        ));
    }
    let mut edits = vec![
        TextEdit {
            start: local.statement.0,
            end: local.statement.1,
            replacement: created,
        },
        body_edit(&getter.body, &render::plan_getter(class, lock)),
        TextEdit::insert(getter.end, render::plan_helper(class, "\n")),
    ];
    if let Some(lru) = &class.lru {
        edits.push(TextEdit::delete(lru.lines.0, lru.lines.1));
    }
    if let Some(closer) = &class.closer {
        edits.push(body_edit(closer, &render::plan_closer(lock)));
    }
    if let Some(at) = add_import_at {
        edits.push(TextEdit::insert(at, "import weakref\n".into()));
    }
    edits.sort_by_key(|e| e.start);
    let bound = match &getter.bound {
        Some((_, bound)) => format!("; the bound `{bound}` now applies per thread"),
        None => String::new(),
    };
    Outcome::Rewrite {
        subject: class.name.clone(),
        at: class.at,
        message: format!(
            "`{}` keeps its objects per thread in a `WeakKeyDictionary` keyed by `threading.current_thread()` (the plan's form), closed once the thread is gone{bound}",
            class.name
        ),
        edits,
    }
}

/// One change set per file (the classes share the import it may add);
/// refusals as findings on the class name.
fn outputs(
    file: usize,
    text: &str,
    newline: crate::source::NewlineStyle,
    outcomes: Vec<Outcome>,
) -> Vec<TransformOutput> {
    let mut messages = Vec::new();
    let mut edits = Vec::new();
    let mut results = Vec::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Rewrite {
                edits: e, message, ..
            } => {
                messages.push(message);
                edits.extend(e.into_iter().map(|e| super::FileChange {
                    file,
                    start: e.start,
                    end: e.end,
                    replacement: newline.apply(&e.replacement),
                }));
            }
            Outcome::Refused(refusal) => {
                // The finding points at `class Name`.
                let name = refusal.at + "class ".len();
                let end = text
                    .get(name..)
                    .and_then(|rest| rest.find(|c: char| !(c.is_alphanumeric() || c == '_')))
                    .map_or(refusal.at, |i| name + i);
                results.push(TransformOutput::Refusal(Refusal::at(
                    file,
                    text,
                    refusal.at..end,
                    format!("per-thread cache in `{}` left as it is", refusal.subject),
                    format!("{}; {}", refusal.reason, refusal.proposal),
                )));
            }
        }
    }
    if !edits.is_empty() {
        edits.sort_by_key(|e| (e.start, e.end));
        results.insert(
            0,
            TransformOutput::Change(super::ChangeSet {
                message: messages.join("; "),
                edits,
                new_files: Vec::new(),
            }),
        );
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax;

    const POOL: &str = "import threading
from collections import OrderedDict


class Pool:
    def __init__(self, size=2):
        self.size = size
        self._lru = OrderedDict()
        self._lock = threading.Lock()
        self._local = threading.local()

    def _make(self, key):
        return object()

    def get(self, key):
        cached = getattr(self._local, \"items\", None)
        if cached is None:
            cached = {}
            self._local.items = cached
        if key in cached:
            return cached[key]
        with self._lock:
            item = self._make(key)
            self._lru[key] = item
            if len(self._lru) > self.size:
                _, evicted = self._lru.popitem(last=False)
                evicted.close()
        cached[key] = item
        return item
";

    fn reason(source: &str, form: Form) -> String {
        let tree = syntax::parse(source);
        match rewrite(tree.root_node(), source, form).pop() {
            Some(Outcome::Refused(refusal)) => refusal.reason,
            Some(Outcome::Rewrite { .. }) => "rewritten".into(),
            None => "not a per-thread cache".into(),
        }
    }

    #[test]
    fn the_pool_shape_is_rewritten_in_both_forms() {
        assert_eq!(reason(POOL, Form::Lru), "rewritten");
        assert_eq!(reason(POOL, Form::Plan), "rewritten");
    }

    #[test]
    fn what_cannot_be_proven_is_refused_with_its_reason() {
        let cases = [
            (
                "        with self._lock:\n",
                "        log(key)\n        with self._lock:\n",
                "it calls `log`",
            ),
            (
                "        with self._lock:\n",
                "        seen = LIMIT\n        with self._lock:\n",
                "it reads `LIMIT`",
            ),
            (
                "            item = self._make(key)\n",
                "            item = self._make(key)  # new\n",
                "a `comment`",
            ),
            (
                "self._make(key)\n",
                "self._make(key, cached)\n",
                "made from `cached`",
            ),
            (
                "    def get(self, key):\n",
                "    async def get(self, key):\n",
                "is async",
            ),
            (
                "    def get(self, key):\n",
                "    @cache\n    def get(self, key):\n",
                "is decorated",
            ),
            (
                "    def get(self, key):\n",
                "    def get(self, session):\n",
                "named `session`",
            ),
            (
                "self._local = threading.local()",
                "self._local = local()",
                "imported by name",
            ),
            (
                "        return item\n",
                "        return item\n\n    def size_of(self):\n        return len(self._lru)\n",
                "the LRU) is used outside",
            ),
            (
                "        return item\n",
                "        return item\n\n    def other(self, key):\n        return self._local.items[key]\n",
                "2 methods take a key",
            ),
            (
                "            item = self._make(key)\n",
                "            item = self._make(key)\n            self.count = 1\n",
                "`self.count`",
            ),
        ];
        for (from, to, expected) in cases {
            assert!(POOL.contains(from), "{from}");
            let source = POOL.replacen(from, to, 1);
            let reason = reason(&source, Form::Lru);
            assert!(reason.contains(expected), "{expected}: {reason}");
        }
    }

    #[test]
    fn each_form_says_what_shape_it_needs() {
        let unbounded = POOL.replace("            if len(self._lru) > self.size:\n                _, evicted = self._lru.popitem(last=False)\n                evicted.close()\n", "");
        assert!(reason(&unbounded, Form::Lru).contains("does not check the LRU's size"));
        assert!(reason(&unbounded, Form::Plan).contains("nothing in the class closes"));
        let no_import = POOL.replace("import threading\n", "from threading import Lock\n");
        assert!(reason(&no_import, Form::Lru).contains("not imported as a module"));
    }
}
