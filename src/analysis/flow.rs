//! Control and data flow of one Python function over its tree-sitter
//! statements: which names may be read after each statement (liveness, with
//! loop back-edges, `break`/`continue`, exception edges into handlers and
//! `finally`), and which are definitely assigned before it.
//!
//! Both analyses err on the safe side for extract-method: liveness may name
//! too many names, definite assignment too few.

use std::collections::HashMap;

use tree_sitter::Node;

use super::names::{self, NameSet};

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
        let mut flow = Flow::default();
        let Some(body) = function.child_by_field_name("body") else {
            return flow;
        };
        let statements = statements_of(body);
        let mut live = Liveness {
            text,
            flow: &mut flow,
        };
        live.list(&statements, NameSet::new(), &Jumps::default());
        let parameters = parameter_names(function, text);
        let mut defs = Definite {
            text,
            flow: &mut flow,
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
    let mut scratch = Flow::default();
    Liveness {
        text,
        flow: &mut scratch,
    }
    .list(statements, NameSet::new(), &Jumps::default())
}

/// Names assigned on every path through `statements` that completes
/// normally; `None` when no path does.
pub fn assigned_on_every_path<'s>(statements: &[Node], text: &'s str) -> Option<NameSet<'s>> {
    let mut scratch = Flow::default();
    Definite {
        text,
        flow: &mut scratch,
    }
    .list(statements, Some(NameSet::new()))
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
    if let Some(parameters) = function.child_by_field_name("parameters") {
        let mut cursor = parameters.walk();
        for parameter in parameters.named_children(&mut cursor) {
            if let Some(name) = names::parameter_name(parameter) {
                out.insert(&text[name.byte_range()]);
            }
        }
    }
    out
}

/// Where control goes on `break`, `continue`, `return` and an exception.
#[derive(Debug, Clone, Default)]
struct Jumps<'s> {
    on_break: NameSet<'s>,
    on_continue: NameSet<'s>,
    on_return: NameSet<'s>,
    on_raise: NameSet<'s>,
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
        .child_by_field_name("body")
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
                    let Some(value) = child.child_by_field_name("value") else {
                        continue;
                    };
                    if value.kind() == "as_pattern" {
                        if let Some(expression) = value.named_child(0) {
                            merge(&mut values, names::collect(expression, text));
                        }
                        if let Some(alias) = value.child_by_field_name("alias") {
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

fn reads_of<'s>(node: Option<Node>, text: &'s str) -> NameSet<'s> {
    node.map(|n| names::collect(n, text).reads)
        .unwrap_or_default()
}

fn body_statements<'t>(node: Node<'t>, field: &str) -> Vec<Node<'t>> {
    node.child_by_field_name(field)
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
    if let Some(body) = clause.child_by_field_name("body") {
        return statements_of(body);
    }
    let mut cursor = clause.walk();
    let block = clause
        .named_children(&mut cursor)
        .find(|c| c.kind() == "block");
    block.map(statements_of).unwrap_or_default()
}

/// Backward liveness: each statement's `live_out` and `exc_live` recorded.
struct Liveness<'s, 'f> {
    text: &'s str,
    flow: &'f mut Flow<'s>,
}

impl<'s> Liveness<'s, '_> {
    fn list(&mut self, statements: &[Node], out: NameSet<'s>, jumps: &Jumps<'s>) -> NameSet<'s> {
        statements.iter().rev().fold(out, |live, statement| {
            self.statement(*statement, live, jumps)
        })
    }

    fn statement(&mut self, node: Node, out: NameSet<'s>, jumps: &Jumps<'s>) -> NameSet<'s> {
        let facts = self.flow.entry(node);
        facts.live_out = out.clone();
        facts.exc_live = jumps.on_raise.clone();
        let live_in = match node.kind() {
            "if_statement" => self.if_statement(node, out, jumps),
            "for_statement" => self.for_statement(node, out, jumps),
            "while_statement" => self.while_statement(node, out, jumps),
            "try_statement" => self.try_statement(node, out, jumps),
            "with_statement" => self.with_statement(node, out, jumps),
            "return_statement" => union(&reads_of(Some(node), self.text), &jumps.on_return),
            "raise_statement" => reads_of(Some(node), self.text),
            "break_statement" => jumps.on_break.clone(),
            "continue_statement" => jumps.on_continue.clone(),
            "match_statement" => union(&reads_of(Some(node), self.text), &out),
            _ => {
                let collected = names::collect(node, self.text);
                let killed = if node.kind() == "delete_statement" {
                    collected.written()
                } else {
                    names::definite_writes(node, self.text)
                };
                union(&collected.reads, &minus(&out, &killed))
            }
        };
        // An exception may leave the statement before any of its writes.
        union(&live_in, &jumps.on_raise)
    }

    fn if_statement(&mut self, node: Node, out: NameSet<'s>, jumps: &Jumps<'s>) -> NameSet<'s> {
        let mut next = out.clone();
        for clause in clauses(node, &["elif_clause", "else_clause"])
            .into_iter()
            .rev()
        {
            next = if clause.kind() == "else_clause" {
                self.list(&clause_statements(clause), out.clone(), jumps)
            } else {
                let body = self.list(&body_statements(clause, "consequence"), out.clone(), jumps);
                union(
                    &reads_of(clause.child_by_field_name("condition"), self.text),
                    &union(&body, &next),
                )
            };
        }
        let body = self.list(&body_statements(node, "consequence"), out, jumps);
        union(
            &reads_of(node.child_by_field_name("condition"), self.text),
            &union(&body, &next),
        )
    }

    fn loop_else(&mut self, node: Node, out: &NameSet<'s>, jumps: &Jumps<'s>) -> NameSet<'s> {
        match node.child_by_field_name("alternative") {
            Some(clause) => self.list(&clause_statements(clause), out.clone(), jumps),
            None => out.clone(),
        }
    }

    /// Iterates a loop head to its fixpoint; `step` maps the live set at
    /// the head to the live set the head then has.
    fn fixpoint(
        &mut self,
        body: &[Node],
        out: &NameSet<'s>,
        jumps: &Jumps<'s>,
        step: impl Fn(NameSet<'s>) -> NameSet<'s>,
    ) -> NameSet<'s> {
        let mut head = NameSet::new();
        loop {
            let inner = Jumps {
                on_break: out.clone(),
                on_continue: head.clone(),
                ..jumps.clone()
            };
            let body_in = self.list(body, head.clone(), &inner);
            let next = step(body_in);
            if next == head {
                return head;
            }
            head = next;
        }
    }

    fn for_statement(&mut self, node: Node, out: NameSet<'s>, jumps: &Jumps<'s>) -> NameSet<'s> {
        let otherwise = self.loop_else(node, &out, jumps);
        let bound = node
            .child_by_field_name("left")
            .map(|left| names::target(left, self.text))
            .unwrap_or_default();
        let killed = bound.written();
        let body = body_statements(node, "body");
        let head = self.fixpoint(&body, &out, jumps, |body_in| {
            union(&union(&otherwise, &minus(&body_in, &killed)), &bound.reads)
        });
        union(
            &reads_of(node.child_by_field_name("right"), self.text),
            &head,
        )
    }

    fn while_statement(&mut self, node: Node, out: NameSet<'s>, jumps: &Jumps<'s>) -> NameSet<'s> {
        let otherwise = self.loop_else(node, &out, jumps);
        let condition = reads_of(node.child_by_field_name("condition"), self.text);
        let body = body_statements(node, "body");
        self.fixpoint(&body, &out, jumps, |body_in| {
            union(&union(&condition, &body_in), &otherwise)
        })
    }

    fn try_statement(&mut self, node: Node, out: NameSet<'s>, jumps: &Jumps<'s>) -> NameSet<'s> {
        let finally = clauses(node, &["finally_clause"])
            .first()
            .map(|c| clause_statements(*c));
        let mut outer = jumps.clone();
        let after = match &finally {
            Some(statements) => {
                // `finally` runs on every way out: normal, jump or exception;
                // the facts recorded last (the widest) are the ones kept.
                let after = self.list(statements, out.clone(), jumps);
                let exits = [
                    &jumps.on_raise,
                    &jumps.on_return,
                    &jumps.on_break,
                    &jumps.on_continue,
                ];
                let any_exit = exits.iter().fold(out, |all, set| union(&all, set));
                let fin_in = self.list(statements, any_exit, jumps);
                for set in [
                    &mut outer.on_break,
                    &mut outer.on_continue,
                    &mut outer.on_return,
                    &mut outer.on_raise,
                ] {
                    *set = union(set, &fin_in);
                }
                after
            }
            None => out,
        };
        let mut handlers_in = NameSet::new();
        for handler in clauses(node, &["except_clause", "except_group_clause"]) {
            let alias = handler_alias(handler, self.text);
            let body = self.list(&clause_statements(handler), after.clone(), &outer);
            handlers_in = union(&handlers_in, &minus(&body, &alias));
            handlers_in = union(
                &handlers_in,
                &reads_of(handler.child_by_field_name("value"), self.text),
            );
        }
        let otherwise = match clauses(node, &["else_clause"]).first() {
            Some(clause) => self.list(&clause_statements(*clause), after, &outer),
            None => after,
        };
        let in_body = Jumps {
            on_raise: union(&outer.on_raise, &handlers_in),
            ..outer
        };
        let body_in = self.list(&body_statements(node, "body"), otherwise, &in_body);
        union(&body_in, &in_body.on_raise)
    }

    fn with_statement(&mut self, node: Node, out: NameSet<'s>, jumps: &Jumps<'s>) -> NameSet<'s> {
        let (values, targets) = with_items(node, self.text);
        let mut inner = jumps.clone();
        if may_suppress(node, self.text) {
            inner.on_raise = union(&inner.on_raise, &out);
        }
        let body_in = self.list(&body_statements(node, "body"), out, &inner);
        union(&values.reads, &minus(&body_in, &targets.written()))
    }
}

/// Forward definite assignment: each statement's `def_in` recorded.
struct Definite<'s, 'f> {
    text: &'s str,
    flow: &'f mut Flow<'s>,
}

type Defs<'s> = Option<NameSet<'s>>;

/// Paths joining: a name is assigned if it is on every reachable path.
fn meet<'s>(a: Defs<'s>, b: Defs<'s>) -> Defs<'s> {
    match (a, b) {
        (None, other) | (other, None) => other,
        (Some(a), Some(b)) => Some(a.intersection(&b).copied().collect()),
    }
}

fn with_names<'s>(defs: &Defs<'s>, added: &NameSet<'s>) -> Defs<'s> {
    defs.as_ref().map(|d| union(d, added))
}

impl<'s> Definite<'s, '_> {
    fn list(&mut self, statements: &[Node], defs: Defs<'s>) -> Defs<'s> {
        statements
            .iter()
            .fold(defs, |defs, statement| self.statement(*statement, defs))
    }

    fn statement(&mut self, node: Node, defs: Defs<'s>) -> Defs<'s> {
        self.flow.entry(node).def_in = defs.clone();
        let current = defs.as_ref()?;
        match node.kind() {
            "return_statement" | "raise_statement" | "break_statement" | "continue_statement" => {
                None
            }
            "delete_statement" => Some(minus(current, &names::collect(node, self.text).written())),
            "if_statement" => self.if_statement(node, defs),
            "for_statement" => {
                let bound = node
                    .child_by_field_name("left")
                    .map(|left| names::target(left, self.text).written())
                    .unwrap_or_default();
                self.list(&body_statements(node, "body"), with_names(&defs, &bound));
                self.loop_else(node, &defs);
                defs
            }
            "while_statement" => {
                self.list(&body_statements(node, "body"), defs.clone());
                self.loop_else(node, &defs);
                defs
            }
            "try_statement" => self.try_statement(node, defs),
            "with_statement" => {
                let (_, targets) = with_items(node, self.text);
                let inside = with_names(&defs, &targets.written());
                let end = self.list(&body_statements(node, "body"), inside.clone());
                if may_suppress(node, self.text) {
                    meet(end, inside)
                } else {
                    end
                }
            }
            "match_statement" => defs,
            "function_definition" | "class_definition" | "decorated_definition" => {
                Some(union(current, &names::collect(node, self.text).written()))
            }
            _ => Some(union(current, &names::definite_writes(node, self.text))),
        }
    }

    fn loop_else(&mut self, node: Node, defs: &Defs<'s>) {
        if let Some(clause) = node.child_by_field_name("alternative") {
            self.list(&clause_statements(clause), defs.clone());
        }
    }

    fn if_statement(&mut self, node: Node, defs: Defs<'s>) -> Defs<'s> {
        let mut joined = self.list(&body_statements(node, "consequence"), defs.clone());
        let mut has_else = false;
        for clause in clauses(node, &["elif_clause", "else_clause"]) {
            let end = if clause.kind() == "else_clause" {
                has_else = true;
                self.list(&clause_statements(clause), defs.clone())
            } else {
                self.list(&body_statements(clause, "consequence"), defs.clone())
            };
            joined = meet(joined, end);
        }
        if has_else { joined } else { meet(joined, defs) }
    }

    fn try_statement(&mut self, node: Node, defs: Defs<'s>) -> Defs<'s> {
        let body_end = self.list(&body_statements(node, "body"), defs.clone());
        let mut joined = match clauses(node, &["else_clause"]).first() {
            Some(clause) => self.list(&clause_statements(*clause), body_end),
            None => body_end,
        };
        for handler in clauses(node, &["except_clause", "except_group_clause"]) {
            let alias = handler_alias(handler, self.text);
            // An exception may come before any of the body's assignments.
            let end = self.list(&clause_statements(handler), with_names(&defs, &alias));
            joined = meet(joined, end.map(|d| minus(&d, &alias)));
        }
        match clauses(node, &["finally_clause"]).first() {
            Some(clause) => {
                let finally_end = self.list(&clause_statements(*clause), defs);
                match (joined, finally_end) {
                    (Some(j), Some(f)) => Some(union(&j, &f)),
                    _ => None,
                }
            }
            None => joined,
        }
    }
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
