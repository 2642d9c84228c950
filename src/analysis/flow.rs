//! Control and data flow of one Python function over its tree-sitter
//! statements: which names may be read after each statement (liveness, with
//! loop back-edges, `break`/`continue`, exception edges into handlers and
//! `finally`), and which are definitely assigned before it.
//!
//! Both analyses err on the safe side for extract-method: liveness may name
//! too many names, definite assignment too few.

use crate::syntax::field;
use std::collections::HashMap;

use tree_sitter::Node;

use super::names::{self, NameSet};

mod definite;
mod liveness;

use definite::Definite;
use liveness::{Jumps, Liveness};

/// What is known at one statement.
#[derive(Debug, Clone, Default)]
pub struct Facts<'s> {
    /// Names whose current value may be read after the statement completes.
    pub live_out: NameSet<'s>,
    /// Names that may be read if the statement raises (handlers, `finally`,
    /// after a `with` that may swallow the exception).
    pub exc_live: NameSet<'s>,
    /// Names assigned on every path to the statement; `None` = unreachable.
    pub def_in: Option<NameSet<'s>>,
}

/// The flow facts of one function, per statement (by node id).
#[derive(Debug, Default)]
pub struct Flow<'s> {
    facts: HashMap<usize, Facts<'s>>,
}

impl<'s> Flow<'s> {
    /// Analyses `function` (a `function_definition`).
    pub fn of_function(function: Node, text: &'s str) -> Self {
        Self::of_function_with(function, text, &mut Memo::default())
    }

    /// [`Flow::of_function`], with what it learns of each statement kept
    /// in `memo` for later analyses of the same tree.
    pub fn of_function_with(function: Node, text: &'s str, memo: &mut Memo<'s>) -> Self {
        let mut flow = Flow::default();
        let Some(body) = function.child_by_field_id(field::BODY) else {
            return flow;
        };
        let statements = statements_of(body);
        let mut live = Liveness::new(text, &mut flow, memo);
        live.list(&statements, NameSet::new(), &Jumps::default());
        let parameters = parameter_names(function, text);
        let mut defs = Definite {
            text,
            flow: &mut flow,
            memo,
        };
        defs.list(&statements, Some(parameters));
        flow
    }

    pub fn facts(&self, statement: Node) -> Option<&Facts<'s>> {
        self.facts.get(&statement.id())
    }

    fn entry(&mut self, statement: Node) -> &mut Facts<'s> {
        self.facts.entry(statement.id()).or_default()
    }
}

/// Names read in `statements` before any write on some path: the values
/// they need from before them.
pub fn upward_reads<'s>(statements: &[Node], text: &'s str) -> NameSet<'s> {
    live_before(statements, NameSet::new(), text)
}

/// Names that may be read after entering `statements` when `out` may be
/// read after them (no jump leaves them: a `break` outside a loop of
/// theirs reads nothing).
pub fn live_before<'s>(statements: &[Node], out: NameSet<'s>, text: &'s str) -> NameSet<'s> {
    live_before_with(statements, out, text, &mut Memo::default())
}

/// [`live_before`] with a [`Memo`] of the same tree.
pub fn live_before_with<'s>(
    statements: &[Node],
    out: NameSet<'s>,
    text: &'s str,
    memo: &mut Memo<'s>,
) -> NameSet<'s> {
    let mut scratch = Flow::default();
    Liveness::new(text, &mut scratch, memo).list(statements, out, &Jumps::default())
}

/// Names assigned on every path through `statements` that completes
/// normally; `None` when no path does.
pub fn assigned_on_every_path<'s>(statements: &[Node], text: &'s str) -> Option<NameSet<'s>> {
    assigned_after(statements, NameSet::new(), text)
}

/// [`assigned_on_every_path`] when `before` are assigned already.
pub fn assigned_after<'s>(
    statements: &[Node],
    before: NameSet<'s>,
    text: &'s str,
) -> Option<NameSet<'s>> {
    assigned_after_with(statements, before, text, &mut Memo::default())
}

/// [`assigned_after`] with a [`Memo`] of the same tree.
pub fn assigned_after_with<'s>(
    statements: &[Node],
    before: NameSet<'s>,
    text: &'s str,
    memo: &mut Memo<'s>,
) -> Option<NameSet<'s>> {
    let mut scratch = Flow::default();
    Definite {
        text,
        flow: &mut scratch,
        memo,
    }
    .list(statements, Some(before))
}

/// The name facts the analyses take from a node's own text, by node id:
/// extract-method analyses each statement of a long function several
/// times (the host, then each candidate statement alone), and the facts of
/// a node do not change between them. Only for nodes of one tree.
#[derive(Debug, Default)]
pub struct Memo<'s> {
    /// A simple statement's reads and the names it surely overwrites.
    simple: HashMap<usize, (NameSet<'s>, NameSet<'s>)>,
    /// [`names::definite_writes`].
    writes: HashMap<usize, NameSet<'s>>,
    /// What an expression (a condition, a returned value) reads.
    reads: HashMap<usize, NameSet<'s>>,
}

impl<'s> Memo<'s> {
    /// Reads and kills of a statement liveness treats as one step: a `del`
    /// kills what it deletes, anything else what it surely assigns.
    fn simple(&mut self, node: Node, text: &'s str) -> &(NameSet<'s>, NameSet<'s>) {
        self.simple.entry(node.id()).or_insert_with(|| {
            let collected = names::collect(node, text);
            let killed = if node.kind() == "delete_statement" {
                collected.written()
            } else {
                names::definite_writes(node, text)
            };
            (collected.reads, killed)
        })
    }

    fn definite_writes(&mut self, node: Node, text: &'s str) -> &NameSet<'s> {
        self.writes
            .entry(node.id())
            .or_insert_with(|| names::definite_writes(node, text))
    }

    fn reads_of(&mut self, node: Option<Node>, text: &'s str) -> NameSet<'s> {
        match node {
            Some(node) => self
                .reads
                .entry(node.id())
                .or_insert_with(|| names::collect(node, text).reads)
                .clone(),
            None => NameSet::new(),
        }
    }
}

/// The statements of a block (comments left out).
pub fn statements_of(block: Node) -> Vec<Node> {
    let mut cursor = block.walk();
    block
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .collect()
}

/// The function's parameter names, in order.
pub fn parameter_names<'s>(function: Node, text: &'s str) -> NameSet<'s> {
    let mut out = NameSet::new();
    if let Some(parameters) = function.child_by_field_id(field::PARAMETERS) {
        let mut cursor = parameters.walk();
        for parameter in parameters.named_children(&mut cursor) {
            if let Some(name) = names::parameter_name(parameter) {
                out.insert(&text[name.byte_range()]);
            }
        }
    }
    out
}

fn union<'s>(a: &NameSet<'s>, b: &NameSet<'s>) -> NameSet<'s> {
    a.union(b).copied().collect()
}

fn minus<'s>(a: &NameSet<'s>, b: &NameSet<'s>) -> NameSet<'s> {
    a.difference(b).copied().collect()
}

/// Context managers whose name says they may swallow an exception; control
/// then continues after the `with` from anywhere inside it.
fn may_suppress(with: Node, text: &str) -> bool {
    let header = with
        .child_by_field_id(field::BODY)
        .map_or(&text[with.byte_range()], |body| {
            &text[with.start_byte()..body.start_byte()]
        });
    let lower = header.to_ascii_lowercase();
    ["suppress", "raises", "ignore", "catch"]
        .iter()
        .any(|w| lower.contains(w))
}

/// The `with` items' values and their `as` targets.
fn with_items<'s>(with: Node, text: &'s str) -> (names::Names<'s>, names::Names<'s>) {
    let mut values = names::Names::default();
    let mut targets = names::Names::default();
    let mut stack = vec![with];
    while let Some(node) = stack.pop() {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "with_clause" => stack.push(child),
                "with_item" => {
                    let Some(value) = child.child_by_field_id(field::VALUE) else {
                        continue;
                    };
                    if value.kind() == "as_pattern" {
                        if let Some(expression) = value.named_child(0) {
                            merge(&mut values, names::collect(expression, text));
                        }
                        if let Some(alias) = value.child_by_field_id(field::ALIAS) {
                            merge(&mut targets, names::target(alias, text));
                        }
                    } else {
                        merge(&mut values, names::collect(value, text));
                    }
                }
                _ => {}
            }
        }
    }
    values.reads.extend(targets.reads.iter().copied());
    (values, targets)
}

fn merge<'s>(into: &mut names::Names<'s>, from: names::Names<'s>) {
    into.reads.extend(from.reads);
    into.writes.extend(from.writes);
    into.captures.extend(from.captures);
    into.hazards.extend(from.hazards);
    into.plain_binds.extend(from.plain_binds);
    into.read_sites.extend(from.read_sites);
}

/// The name an `except … as name:` binds.
fn handler_alias<'s>(handler: Node, text: &'s str) -> NameSet<'s> {
    names::except_alias(handler)
        .map(|alias| names::target(alias, text).written())
        .unwrap_or_default()
}

fn body_statements<'t>(node: Node<'t>, field: u16) -> Vec<Node<'t>> {
    node.child_by_field_id(field)
        .map(statements_of)
        .unwrap_or_default()
}

/// The clauses of a compound statement of one kind (`except_clause`, …).
fn clauses<'t>(node: Node<'t>, kinds: &[&str]) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|c| kinds.contains(&c.kind()))
        .collect()
}

/// The block inside a clause (`else:`, `finally:`, `except …:`).
fn clause_statements(clause: Node<'_>) -> Vec<Node<'_>> {
    if let Some(body) = clause.child_by_field_id(field::BODY) {
        return statements_of(body);
    }
    let mut cursor = clause.walk();
    let block = clause
        .named_children(&mut cursor)
        .find(|c| c.kind() == "block");
    block.map(statements_of).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    /// The function in `code` and the statement starting with `marker`.
    fn facts_at(code: &str, marker: &str) -> (Vec<String>, Option<Vec<String>>) {
        let tree = parse(code);
        let function = tree.root_node().named_child(0).unwrap();
        let flow = Flow::of_function(function, code);
        let at = code.find(marker).unwrap();
        let mut node = tree.root_node().descendant_for_byte_range(at, at).unwrap();
        while flow.facts(node).is_none() || node.start_byte() != at {
            node = node.parent().unwrap();
        }
        let facts = flow.facts(node).unwrap();
        let strings = |s: &NameSet| s.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        (strings(&facts.live_out), facts.def_in.as_ref().map(strings))
    }

    #[test]
    fn a_write_read_in_the_next_loop_iteration_is_live() {
        let code = "def f(items):\n    total = 0\n    for item in items:\n        print(total)\n        total = item\n    return 1\n";
        let (live, _) = facts_at(code, "total = item");
        assert!(live.contains(&"total".to_string()), "{live:?}");
    }

    #[test]
    fn a_write_read_by_an_inner_loop_of_the_next_outer_iteration_is_live() {
        let code = "def f(xs):\n    a = 0\n    for x in xs:\n        for y in x:\n            while y:\n                print(a)\n                y = 0\n        a = 1\n    return 1\n";
        let (live, _) = facts_at(code, "a = 1");
        assert!(live.contains(&"a".to_string()), "{live:?}");
        let (live, _) = facts_at(code, "y = 0");
        assert_eq!(live, ["a", "print", "y"]);
    }

    #[test]
    fn a_value_overwritten_before_any_read_is_dead() {
        let code = "def f():\n    x = 1\n    x = 2\n    return x\n";
        let (live, _) = facts_at(code, "x = 1");
        assert!(live.is_empty());
    }

    #[test]
    fn a_handler_read_keeps_a_try_body_write_live_on_raise() {
        let code =
            "def f():\n    try:\n        r = g()\n        h()\n    except E:\n        print(r)\n";
        let tree = parse(code);
        let function = tree.root_node().named_child(0).unwrap();
        let flow = Flow::of_function(function, code);
        let at = code.find("h()").unwrap();
        let statement = tree.root_node().descendant_for_byte_range(at, at).unwrap();
        let statement = statement.parent().unwrap().parent().unwrap();
        assert_eq!(statement.kind(), "expression_statement");
        let facts = flow.facts(statement).unwrap();
        assert!(facts.exc_live.contains("r"));
    }

    #[test]
    fn assignment_in_one_branch_only_is_not_definite() {
        let code = "def f(a):\n    if a:\n        x = 1\n    else:\n        y = 2\n        z = 1\n    if a:\n        z = 3\n    print(x)\n";
        let (_, defs) = facts_at(code, "print(x)");
        assert_eq!(defs.unwrap(), ["a"]);
    }

    #[test]
    fn a_branch_that_raises_does_not_spoil_definite_assignment() {
        let code = "def f(a):\n    if a:\n        x = 1\n    else:\n        raise ValueError\n    print(x)\n";
        let (_, defs) = facts_at(code, "print(x)");
        assert_eq!(defs.unwrap(), ["a", "x"]);
    }

    #[test]
    fn loop_bodies_may_not_run_and_handlers_may_start_before_the_body() {
        let code = "def f(xs):\n    for v in xs:\n        w = v\n    try:\n        t = 1\n    except E:\n        pass\n    print(w, t)\n";
        let (_, defs) = facts_at(code, "print(w, t)");
        assert_eq!(defs.unwrap(), ["xs"]);
    }

    #[test]
    fn an_except_alias_is_assigned_in_its_handler_only() {
        let code =
            "def f():\n    try:\n        g()\n    except E as e:\n        print(e)\n    print(1)\n";
        let (_, inside) = facts_at(code, "print(e)");
        assert_eq!(inside.unwrap(), ["e"]);
        let (_, after) = facts_at(code, "print(1)");
        assert!(after.unwrap().is_empty());
    }

    #[test]
    fn upward_reads_skip_names_written_first() {
        let code = "a = b + 1\nc = a + d\n";
        let tree = parse(code);
        let statements = statements_of(tree.root_node());
        let reads: Vec<&str> = upward_reads(&statements, code).into_iter().collect();
        assert_eq!(reads, ["b", "d"]);
        let every: Vec<&str> = assigned_on_every_path(&statements, code)
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(every, ["a", "c"]);
    }
}
