//! Functions of the file that look at their caller's frame at a fixed depth
//! (`sys._getframe(1)`, `inspect.currentframe().f_back`, and any function
//! calling one of them): moving a call to one into a helper adds a frame
//! between them and the code they mean to inspect.

use crate::syntax::field;
use std::collections::BTreeSet;

use tree_sitter::Node;

use crate::analysis::names::{self, Hazard};
use crate::syntax::{self, walk_pruned};

/// Names of the file's functions that read a caller's frame, directly or
/// through another such function.
pub fn frame_users(root: Node, text: &str) -> BTreeSet<String> {
    // Without frame access in the text there is nothing to find.
    if !mentions_frames(text) {
        return BTreeSet::new();
    }
    let mut functions: Vec<(&str, Option<Node>, bool)> = Vec::new();
    // A function definition spans its `def` (any occurrence of the letters
    // counts, so no boundary rule can miss one) or, when the keyword is
    // missing, an error: nothing else need be entered.
    let defs: Vec<usize> = memchr::memmem::find_iter(text.as_bytes(), "def").collect();
    walk_pruned(
        root,
        |node| node.has_error() || syntax::spans_any(node, &defs),
        |node| {
            if node.kind() != "function_definition" {
                return;
            }
            let Some(name) = node.child_by_field_id(field::NAME) else {
                return;
            };
            let body = node.child_by_field_id(field::BODY);
            // Only a body whose text names a frame attribute can read one.
            let reads_frames = body.is_some_and(|b| {
                mentions_frames(&text[b.byte_range()])
                    && names::collect(b, text)
                        .hazards
                        .iter()
                        .any(|(h, _)| matches!(h, Hazard::Dynamic(what) if is_frame_access(what)))
            });
            functions.push((&text[name.byte_range()], body, reads_frames));
        },
    );
    let mut users: BTreeSet<String> = functions
        .iter()
        .filter(|(_, _, direct)| *direct)
        .map(|(name, _, _)| name.to_string())
        .collect();
    // Callers matter only when something reads frames.
    if users.is_empty() {
        return users;
    }
    let calls: Vec<(&str, BTreeSet<String>)> = functions
        .iter()
        .map(|(name, body, _)| {
            let called = body.map(|b| called_names(&[b], text)).unwrap_or_default();
            (*name, called)
        })
        .collect();
    loop {
        let before = users.len();
        for (name, called) in &calls {
            if called.iter().any(|c| users.contains(c)) {
                users.insert(name.to_string());
            }
        }
        if users.len() == before {
            return users;
        }
    }
}

fn mentions_frames(text: &str) -> bool {
    ["_getframe", "currentframe", "f_back", "f_locals", "stack"]
        .iter()
        .any(|word| text.contains(word))
}

fn is_frame_access(what: &str) -> bool {
    matches!(
        what,
        "_getframe" | "currentframe" | "f_back" | "f_locals" | "stack"
    )
}

/// The names called in `nodes`: `f(…)`, `obj.f(…)`.
pub fn called_names(nodes: &[Node], text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for node in nodes {
        walk_pruned(
            *node,
            |_| true,
            |n| {
                if n.kind() != "call" {
                    return;
                }
                let callee = n.child_by_field_id(field::FUNCTION);
                let name = match callee.map(|c| (c.kind(), c)) {
                    Some(("identifier", c)) => Some(c),
                    Some(("attribute", c)) => c.child_by_field_id(field::ATTRIBUTE),
                    _ => None,
                };
                if let Some(name) = name {
                    out.insert(text[name.byte_range()].to_string());
                }
            },
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    #[test]
    fn frame_readers_and_their_callers_are_found() {
        let code = "import sys\ndef _caller(depth=1):\n    return sys._getframe(depth + 1).f_globals\ndef make(name):\n    return _caller()\ndef plain():\n    return make('x')\ndef other():\n    return 1\n";
        let tree = parse(code);
        let users: Vec<String> = frame_users(tree.root_node(), code).into_iter().collect();
        assert_eq!(users, ["_caller", "make", "plain"]);
    }
}
