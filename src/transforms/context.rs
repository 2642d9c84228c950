//! Where a node of the summary's walk sits: its ancestors, kept by the walk
//! itself (tree-sitter's `Node::parent` descends from the root, so each call
//! is O(depth) and a climb O(depth²)), and whether its code runs when the
//! module is imported.
//!
//! Import time is more than "outside a function body": a `def` evaluates its
//! decorators, parameter defaults and annotations when it executes, a class
//! body runs when the class statement does, a lambda evaluates its defaults
//! where it is written. Only a function's or lambda's body waits for a call
//! (and everything inside it, nested definitions included, runs at that
//! call). With `from __future__ import annotations` annotations are never
//! evaluated by the interpreter.

use crate::syntax::field;
use tree_sitter::Node;

/// One node on the path from the root to the node being visited.
#[derive(Clone, Copy)]
pub struct Frame<'t> {
    pub node: Node<'t>,
    role: Role,
    /// Evaluated when the module is imported.
    pub at_import: bool,
    /// Inside a function, lambda or class (in any part of it).
    pub scoped: bool,
}

/// What a node is, as far as its children's timing goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Function,
    Lambda,
    Class,
    /// `a: T` or `a: T = v` in a parameter list.
    TypedParameter,
    /// `x: T = v` (its `type` is an annotation).
    Assignment,
    Other,
}

fn role_of(node: Node) -> Role {
    match node.kind() {
        "function_definition" => Role::Function,
        "lambda" => Role::Lambda,
        "class_definition" => Role::Class,
        "typed_parameter" | "typed_default_parameter" => Role::TypedParameter,
        "assignment" => Role::Assignment,
        _ => Role::Other,
    }
}

/// The frames from the root to the visited node (the last one).
#[derive(Clone, Copy)]
pub struct Path<'a, 't> {
    frames: &'a [Frame<'t>],
}

impl<'a, 't> Path<'a, 't> {
    pub fn node(&self) -> Node<'t> {
        self.frame().node
    }

    fn frame(&self) -> &'a Frame<'t> {
        // The walk never hands out an empty path.
        &self.frames[self.frames.len() - 1]
    }

    /// Whether the visited node is evaluated when the module is imported.
    pub fn at_import(&self) -> bool {
        self.frame().at_import
    }

    /// Not inside any function, lambda or class: a name it binds is a
    /// module global.
    pub fn at_module_level(&self) -> bool {
        !self.frame().scoped
    }

    /// The path to the parent, if there is one.
    pub fn up(&self) -> Option<Path<'a, 't>> {
        let len = self.frames.len();
        (len > 1).then(|| Path {
            frames: &self.frames[..len - 1],
        })
    }
}

/// Whether the module has `from __future__ import annotations` (future
/// imports come first, after the docstring and comments).
pub fn lazy_annotations(root: Node, text: &str) -> bool {
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        match statement.kind() {
            "comment" | "expression_statement" => continue,
            "future_import_statement" => {
                let mut names = statement.walk();
                let lazy = field::children(statement, field::NAME, &mut names)
                    .any(|name| &text[name.byte_range()] == "annotations");
                if lazy {
                    return true;
                }
            }
            _ => return false,
        }
    }
    false
}

/// The frame of a child of `parent`, which sits in `parent`'s `field`.
fn child_frame<'t>(
    parent: &Frame<'t>,
    node: Node<'t>,
    field: Option<&str>,
    lazy_annotations: bool,
) -> Frame<'t> {
    let at_import = parent.at_import
        && match (parent.role, field) {
            (Role::Function | Role::Lambda, Some("body")) => false,
            (Role::Function, Some("return_type"))
            | (Role::TypedParameter | Role::Assignment, Some("type")) => !lazy_annotations,
            _ => true,
        };
    let scoped =
        parent.scoped || matches!(parent.role, Role::Function | Role::Lambda | Role::Class);
    Frame {
        node,
        role: role_of(node),
        at_import,
        scoped,
    }
}

/// Pre-order walk of every node under `root` (a module), handing `visit`
/// the path to each.
pub fn walk<'t>(root: Node<'t>, lazy_annotations: bool, visit: impl FnMut(Path<'_, 't>)) {
    walk_pruned(root, lazy_annotations, |_| true, visit);
}

/// [`walk`], entering only the nodes `descend` says yes to (each visited
/// node is handed to `visit` either way). The frames of a visited node are
/// exact: every ancestor of a visited node was entered.
pub fn walk_pruned<'t>(
    root: Node<'t>,
    lazy_annotations: bool,
    descend: impl Fn(Node<'t>) -> bool,
    mut visit: impl FnMut(Path<'_, 't>),
) {
    let mut frames = vec![Frame {
        node: root,
        role: role_of(root),
        at_import: true,
        scoped: false,
    }];
    let mut cursor = root.walk();
    loop {
        visit(Path { frames: &frames });
        if descend(cursor.node()) && cursor.goto_first_child() {
            let parent = frames[frames.len() - 1];
            let field = timing_field(&parent, &cursor);
            frames.push(child_frame(&parent, cursor.node(), field, lazy_annotations));
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                frames.pop();
                let parent = frames[frames.len() - 1];
                let field = timing_field(&parent, &cursor);
                frames.push(child_frame(&parent, cursor.node(), field, lazy_annotations));
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
            frames.pop();
        }
    }
}

/// The cursor's field name, asked only where it can change the timing.
fn timing_field<'c>(parent: &Frame, cursor: &tree_sitter::TreeCursor<'c>) -> Option<&'c str> {
    match parent.role {
        Role::Other | Role::Class => None,
        _ if !parent.at_import => None,
        _ => cursor.field_name(),
    }
}

/// Methods that change a dict, list, set or deque in place.
const MUTATORS: &[&str] = &[
    "append",
    "appendleft",
    "clear",
    "difference_update",
    "discard",
    "extend",
    "extendleft",
    "insert",
    "intersection_update",
    "move_to_end",
    "pop",
    "popitem",
    "popleft",
    "remove",
    "reverse",
    "rotate",
    "setdefault",
    "sort",
    "symmetric_difference_update",
    "update",
    "__setitem__",
    "__delitem__",
    "__iadd__",
    "__ior__",
];

/// Whether a use changes the object it names: a store into it (`x[k] = v`,
/// `x[k] += v`, `del x[k]`, also deeper: `x[k][j] = v`, `x.a[k] = v`) or a
/// mutating method call on it or on a part of it (`x.update(…)`,
/// `x[k].append(…)`). `ancestry` is the use's node, then its parent, and
/// so on up. Binding the name itself (`x = …`) is another question.
pub fn mutates<'t>(ancestry: impl Iterator<Item = Node<'t>>, text: &str) -> bool {
    let mut ancestry = ancestry.peekable();
    let Some(mut current) = ancestry.next() else {
        return false;
    };
    // Whether the walk has climbed from the use into a part of its object.
    let mut entered = false;
    while let Some(parent) = ancestry.next() {
        match parent.kind() {
            "subscript" if is_field(parent, field::VALUE, current) => {}
            "attribute" if is_field(parent, field::OBJECT, current) => {
                let method = parent
                    .child_by_field_id(field::ATTRIBUTE)
                    .map_or("", |n| &text[n.byte_range()]);
                if MUTATORS.contains(&method) {
                    // Only a call mutates; `x.update` alone does not.
                    return ancestry.peek().is_some_and(|call| {
                        call.kind() == "call" && is_field(*call, field::FUNCTION, parent)
                    });
                }
            }
            "assignment" | "augmented_assignment" => {
                return entered && is_field(parent, field::LEFT, current);
            }
            "delete_statement" => return entered,
            "pattern_list" | "tuple_pattern" | "expression_list" if entered => {}
            _ => return false,
        }
        entered = true;
        current = parent;
    }
    false
}

fn is_field(parent: Node, field: u16, child: Node) -> bool {
    parent
        .child_by_field_id(field)
        .is_some_and(|f| f.id() == child.id())
}

impl<'t> Path<'_, 't> {
    /// The visited node, then its ancestors up to the root.
    pub fn ancestry(&self) -> impl Iterator<Item = Node<'t>> + '_ {
        self.frames.iter().rev().map(|frame| frame.node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(identifier text, at import time)` for every identifier.
    fn timings(code: &str) -> Vec<(String, bool)> {
        let tree = crate::syntax::parse(code);
        let root = tree.root_node();
        let lazy = lazy_annotations(root, code);
        let mut found = Vec::new();
        walk(root, lazy, |path| {
            let node = path.node();
            if node.kind() == "identifier" {
                found.push((code[node.byte_range()].to_string(), path.at_import()));
            }
        });
        found
    }

    fn at_import(code: &str, name: &str) -> Vec<bool> {
        timings(code)
            .into_iter()
            .filter(|(n, _)| n == name)
            .map(|(_, t)| t)
            .collect()
    }

    #[test]
    fn a_parameter_default_runs_when_the_def_does() {
        let code = "def f(a=x, *, b: int = x):\n    return x\n";
        assert_eq!(at_import(code, "x"), [true, true, false]);
    }

    #[test]
    fn annotations_run_at_import_unless_the_future_import_defers_them() {
        let code = "def f(a: x, b: x = 1) -> x:\n    y: x = 1\nz: x = 2\n";
        // The local annotation `y: x` is never evaluated; it is in the body.
        assert_eq!(at_import(code, "x"), [true, true, true, false, true]);
        let lazy = format!("\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\n{code}");
        assert_eq!(at_import(&lazy, "x"), [false, false, false, false, false]);
        let other_future = format!("from __future__ import division\n{code}");
        assert_eq!(
            at_import(&other_future, "x"),
            [true, true, true, false, true]
        );
    }

    #[test]
    fn decorators_and_their_arguments_run_at_import() {
        let code = "@x\n@deco(x, key=x.y)\ndef f():\n    x\n";
        assert_eq!(at_import(code, "x"), [true, true, true, false]);
    }

    #[test]
    fn a_class_body_runs_at_import_but_not_its_methods_bodies() {
        let code = "class C(x):\n    a = x\n    def m(self, d=x):\n        return x\n";
        assert_eq!(at_import(code, "x"), [true, true, true, false]);
    }

    #[test]
    fn a_lambda_default_runs_where_the_lambda_is_written() {
        let code = "f = lambda a=x: x\n";
        assert_eq!(at_import(code, "x"), [true, false]);
    }

    #[test]
    fn everything_inside_a_function_body_runs_at_its_call() {
        let code = "def outer():\n    def inner(a=x) -> x:\n        return x\n    class K:\n        b = x\n    return lambda c=x: x\n";
        assert_eq!(at_import(code, "x"), [false; 6]);
    }

    #[test]
    fn module_level_means_outside_every_def_lambda_and_class() {
        let code = "import a\ndef f():\n    import b\nclass C:\n    import c\n@d\ndef g(): pass\n";
        let tree = crate::syntax::parse(code);
        let mut found = Vec::new();
        walk(tree.root_node(), false, |path| {
            let node = path.node();
            if matches!(node.kind(), "import_statement" | "decorator") {
                found.push(path.at_module_level());
            }
        });
        assert_eq!(found, [true, false, false, true]);
    }

    #[test]
    fn stores_into_an_object_and_mutating_calls_are_told_from_reads() {
        let mutated = |code: &str| {
            let tree = crate::syntax::parse(code);
            let mut found = Vec::new();
            walk(tree.root_node(), false, |path| {
                let node = path.node();
                if node.kind() == "identifier" && &code[node.byte_range()] == "t" {
                    found.push(mutates(path.ancestry(), code));
                }
            });
            found
        };
        for code in [
            "t[k] = 1\n",
            "t[k] += 1\n",
            "del t[k]\n",
            "t[k][j] = 1\n",
            "t.update(a)\n",
            "t[k].append(1)\n",
            "a, t[k] = 1, 2\n",
            "def f():\n    t.setdefault(k, [])\n",
        ] {
            assert_eq!(mutated(code), [true], "{code}");
        }
        for code in [
            "x = t[k]\n",
            "t.get(k)\n",
            "f(t.update)\n",
            "for k in t: pass\n",
            "x = t\n",
            "t = {}\n",
            "t.items()\n",
            "o[t] = 1\n",
        ] {
            assert_eq!(mutated(code), [false], "{code}");
        }
    }
}
