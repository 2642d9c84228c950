//! The logger singleton, which the plan keeps (logging is inherently
//! global): it gets a `reset()` for tests, and its lock becomes an `RLock`
//! where the code holding it calls out (a handler, filter or the logging
//! machinery could come back into the module). Nothing more: no `__del__`,
//! which does not run before interpreter shutdown.
//!
//! Both keep what a working program does: an `RLock` differs from a `Lock`
//! only when the holder acquires it again, which with a `Lock` deadlocks;
//! `reset()` is a new name nothing calls yet.

use crate::syntax::field;
use tree_sitter::Node;

use crate::transforms::{ChangeSet, FileChange, FileInput, Refusal};

/// The singleton's rewrite, waiting for the project index (a star import
/// of the module would now also bind `reset`).
pub struct LoggerPlan {
    pub relative: String,
    pub change: ChangeSet,
    pub anchor: Refusal,
    pub adds_reset: bool,
}

/// Calls that cannot run code of the module again while the lock is held.
const INERT_CALLS: &[&str] = &[
    "len",
    "isinstance",
    "issubclass",
    "id",
    "str",
    "int",
    "float",
    "bool",
    "tuple",
    "list",
    "dict",
    "set",
    "frozenset",
];

/// `singleton`: the `*logger*` name the module rebinds with `global`.
pub fn plan(file: &FileInput, root: Node, singleton: &str) -> Option<LoggerPlan> {
    let text = file.text;
    let statement = top_level_assignment(root, text, singleton)?;
    let value = statement.named_child(0)?.child_by_field_id(field::RIGHT)?;
    if value.kind() != "none" {
        return None;
    }
    let mut top_level = Vec::new();
    crate::transforms::summary::collect_top_level(root, text, &mut top_level);
    let lock = lock_of(root, text);
    let mut edits = Vec::new();
    if let Some((name, callee)) = lock
        && &text[callee.byte_range()] == "threading.Lock"
        && calls_out_while_held(root, text, name)
    {
        edits.push(FileChange {
            file: file.file,
            start: callee.start_byte(),
            end: callee.end_byte(),
            replacement: "threading.RLock".into(),
        });
    }
    let adds_reset = !top_level.iter().any(|n| n == "reset");
    if adds_reset {
        let lead = if text.ends_with('\n') || text.is_empty() {
            ""
        } else {
            "\n"
        };
        let body = reset_function(
            singleton,
            lock.map(|(name, _)| name),
            text.contains("logging.getLogger("),
            &super::plan::indent_unit(root, text),
        );
        edits.push(FileChange {
            file: file.file,
            start: text.len(),
            end: text.len(),
            replacement: file.newline.apply(&format!("{lead}{body}")),
        });
    }
    if edits.is_empty() {
        return None;
    }
    let message = format!(
        "the logger singleton `{singleton}` stays (logging is global); it gets reset() for tests and a re-entrant lock"
    );
    Some(LoggerPlan {
        relative: file.relative.to_string(),
        anchor: Refusal::at(
            file.file,
            text,
            statement.byte_range(),
            message.clone(),
            String::new(),
        ),
        change: ChangeSet {
            message,
            edits,
            new_files: Vec::new(),
        },
        adds_reset,
    })
}

fn top_level_assignment<'t>(root: Node<'t>, text: &str, name: &str) -> Option<Node<'t>> {
    let mut cursor = root.walk();
    root.named_children(&mut cursor)
        .filter(|s| s.kind() == "expression_statement")
        .find(|s| crate::transforms::summary::assigned_names(*s, text) == [name])
}

/// The module-level lock some `with` uses: its name and its constructor.
fn lock_of<'t>(root: Node<'t>, text: &'t str) -> Option<(&'t str, Node<'t>)> {
    let mut cursor = root.walk();
    let locks: Vec<(&str, Node)> = root
        .named_children(&mut cursor)
        .filter(|s| s.kind() == "expression_statement")
        .filter_map(|s| {
            let assignment = s.named_child(0).filter(|a| a.kind() == "assignment")?;
            let left = assignment.child_by_field_id(field::LEFT)?;
            let call = assignment
                .child_by_field_id(field::RIGHT)
                .filter(|r| r.kind() == "call")?;
            let callee = call.child_by_field_id(field::FUNCTION)?;
            let is_lock = matches!(
                &text[callee.byte_range()],
                "threading.Lock" | "threading.RLock"
            );
            (left.kind() == "identifier" && is_lock).then(|| (&text[left.byte_range()], callee))
        })
        .collect();
    locks
        .into_iter()
        .find(|(name, _)| !held_blocks(root, text, name).is_empty())
}

/// The bodies of `with lock:` statements.
fn held_blocks<'t>(root: Node<'t>, text: &str, lock: &str) -> Vec<Node<'t>> {
    let mut blocks = Vec::new();
    crate::syntax::walk_pruned(
        root,
        |_| true,
        |n| {
            if n.kind() != "with_statement" {
                return;
            }
            let mut cursor = n.walk();
            let holds = n
                .named_children(&mut cursor)
                .filter(|c| c.kind() == "with_clause")
                .any(|clause| {
                    let mut inner = clause.walk();
                    clause
                        .named_children(&mut inner)
                        .any(|item| text[item.byte_range()].trim() == lock)
                });
            if holds && let Some(body) = n.child_by_field_id(field::BODY) {
                blocks.push(body);
            }
        },
    );
    blocks
}

/// Whether code run while the lock is held calls anything that could
/// come back into the module (any call but a few inert builtins).
fn calls_out_while_held(root: Node, text: &str, lock: &str) -> bool {
    held_blocks(root, text, lock).into_iter().any(|body| {
        let mut calls = false;
        crate::syntax::walk_pruned(
            body,
            |_| true,
            |n| {
                let inert = n
                    .child_by_field_id(field::FUNCTION)
                    .is_some_and(|f| INERT_CALLS.contains(&&text[f.byte_range()]));
                calls |= n.kind() == "call" && !inert;
            },
        );
        calls
    })
}

fn reset_function(
    singleton: &str,
    lock: Option<&str>,
    closes_handlers: bool,
    unit: &str,
) -> String {
    let (open, u) = match lock {
        Some(lock) => (format!("{unit}with {lock}:\n"), unit.repeat(2)),
        None => (String::new(), unit.to_string()),
    };
    let close = if closes_handlers {
        format!(
            "{u}if {singleton} is not None:\n\
{u}{unit}for handler in list({singleton}.handlers):\n\
{u}{unit}{unit}{singleton}.removeHandler(handler)\n\
{u}{unit}{unit}handler.close()\n"
        )
    } else {
        String::new()
    };
    let what = if closes_handlers {
        "Forgets the configured logger and closes its handlers (for tests): the next call sets it up again."
    } else {
        "Forgets the configured logger (for tests): the next call sets it up again."
    };
    format!(
        "\n\ndef reset() -> None:\n{unit}\"\"\"{what}\"\"\"\n{unit}global {singleton}\n{open}{close}{u}{singleton} = None\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_holds_the_lock_and_closes_handlers() {
        assert_eq!(
            reset_function("_logger", Some("_lock"), true, "    "),
            "\n\ndef reset() -> None:\n    \"\"\"Forgets the configured logger and closes its handlers (for tests): the next call sets it up again.\"\"\"\n    global _logger\n    with _lock:\n        if _logger is not None:\n            for handler in list(_logger.handlers):\n                _logger.removeHandler(handler)\n                handler.close()\n        _logger = None\n"
        );
        assert!(
            reset_function("_log", None, false, "\t").ends_with("\tglobal _log\n\t_log = None\n")
        );
    }

    #[test]
    fn the_lock_is_re_entrant_only_where_the_holder_calls_out() {
        let calls_out = "import threading\n_lock = threading.Lock()\ndef f():\n    with _lock:\n        setup()\n";
        let inert = "import threading\n_lock = threading.Lock()\ndef f():\n    with _lock:\n        n = len(x)\n";
        for (code, expected) in [(calls_out, true), (inert, false)] {
            let tree = crate::syntax::parse(code);
            let (name, _) = lock_of(tree.root_node(), code).unwrap();
            assert_eq!(calls_out_while_held(tree.root_node(), code, name), expected);
        }
    }
}
