//! Backward liveness over a function's statements, with loop back-edges,
//! `break`/`continue`/`return` targets and exception edges.

use crate::syntax::field;
use std::collections::HashMap;

use tree_sitter::Node;

use super::names::{self, NameSet};
use super::{
    Flow, Memo, body_statements, clause_statements, clauses, handler_alias, may_suppress, minus,
    union, with_items,
};

/// Where control goes on `break`, `continue`, `return` and an exception.
#[derive(Debug, Clone, Default)]
pub(super) struct Jumps<'s> {
    pub(super) on_break: NameSet<'s>,
    pub(super) on_continue: NameSet<'s>,
    pub(super) on_return: NameSet<'s>,
    pub(super) on_raise: NameSet<'s>,
}

/// Backward liveness: each statement's `live_out` and `exc_live` recorded.
pub(super) struct Liveness<'s, 'f> {
    text: &'s str,
    flow: &'f mut Flow<'s>,
    memo: &'f mut Memo<'s>,
    /// Each loop's last fixpoint, by node id, with what it was computed from.
    heads: HashMap<usize, Head<'s>>,
}

/// A loop head's live set and the sets it was computed from: a later pass
/// over the loop whose sets include these starts from it (the head can only
/// grow), instead of from nothing; nested loops then cost a pass or two
/// each, not a fixpoint per pass of every enclosing loop.
struct Head<'s> {
    out: NameSet<'s>,
    jumps: Jumps<'s>,
    live: NameSet<'s>,
}

impl<'s> Head<'s> {
    fn start_for(&self, out: &NameSet<'s>, jumps: &Jumps<'s>) -> Option<NameSet<'s>> {
        let wider = out.is_superset(&self.out)
            && jumps.on_break.is_superset(&self.jumps.on_break)
            && jumps.on_continue.is_superset(&self.jumps.on_continue)
            && jumps.on_return.is_superset(&self.jumps.on_return)
            && jumps.on_raise.is_superset(&self.jumps.on_raise);
        wider.then(|| self.live.clone())
    }
}

impl<'s, 'f> Liveness<'s, 'f> {
    pub(super) fn new(text: &'s str, flow: &'f mut Flow<'s>, memo: &'f mut Memo<'s>) -> Self {
        Liveness {
            text,
            flow,
            memo,
            heads: HashMap::new(),
        }
    }

    pub(super) fn list(
        &mut self,
        statements: &[Node],
        out: NameSet<'s>,
        jumps: &Jumps<'s>,
    ) -> NameSet<'s> {
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
            "return_statement" => {
                union(&self.memo.reads_of(Some(node), self.text), &jumps.on_return)
            }
            "raise_statement" => self.memo.reads_of(Some(node), self.text),
            "break_statement" => jumps.on_break.clone(),
            "continue_statement" => jumps.on_continue.clone(),
            "match_statement" => union(&self.memo.reads_of(Some(node), self.text), &out),
            _ => {
                let (reads, killed) = self.memo.simple(node, self.text);
                union(reads, &minus(&out, killed))
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
                let body = self.list(
                    &body_statements(clause, field::CONSEQUENCE),
                    out.clone(),
                    jumps,
                );
                union(
                    &self
                        .memo
                        .reads_of(clause.child_by_field_id(field::CONDITION), self.text),
                    &union(&body, &next),
                )
            };
        }
        let body = self.list(&body_statements(node, field::CONSEQUENCE), out, jumps);
        union(
            &self
                .memo
                .reads_of(node.child_by_field_id(field::CONDITION), self.text),
            &union(&body, &next),
        )
    }

    fn loop_else(&mut self, node: Node, out: &NameSet<'s>, jumps: &Jumps<'s>) -> NameSet<'s> {
        match node.child_by_field_id(field::ALTERNATIVE) {
            Some(clause) => self.list(&clause_statements(clause), out.clone(), jumps),
            None => out.clone(),
        }
    }

    /// Iterates a loop head to its (least) fixpoint; `step` maps the live
    /// set at the head to the live set the head then has.
    fn fixpoint(
        &mut self,
        node: Node,
        body: &[Node],
        out: &NameSet<'s>,
        jumps: &Jumps<'s>,
        step: impl Fn(NameSet<'s>) -> NameSet<'s>,
    ) -> NameSet<'s> {
        let mut head = self
            .heads
            .get(&node.id())
            .and_then(|h| h.start_for(out, jumps))
            .unwrap_or_default();
        loop {
            let inner = Jumps {
                on_break: out.clone(),
                on_continue: head.clone(),
                ..jumps.clone()
            };
            let body_in = self.list(body, head.clone(), &inner);
            let next = step(body_in);
            if next == head {
                let computed = Head {
                    out: out.clone(),
                    jumps: jumps.clone(),
                    live: head.clone(),
                };
                self.heads.insert(node.id(), computed);
                return head;
            }
            head = next;
        }
    }

    fn for_statement(&mut self, node: Node, out: NameSet<'s>, jumps: &Jumps<'s>) -> NameSet<'s> {
        let otherwise = self.loop_else(node, &out, jumps);
        let bound = node
            .child_by_field_id(field::LEFT)
            .map(|left| names::target(left, self.text))
            .unwrap_or_default();
        let killed = bound.written();
        let body = body_statements(node, field::BODY);
        let head = self.fixpoint(node, &body, &out, jumps, |body_in| {
            union(&union(&otherwise, &minus(&body_in, &killed)), &bound.reads)
        });
        union(
            &self
                .memo
                .reads_of(node.child_by_field_id(field::RIGHT), self.text),
            &head,
        )
    }

    fn while_statement(&mut self, node: Node, out: NameSet<'s>, jumps: &Jumps<'s>) -> NameSet<'s> {
        let otherwise = self.loop_else(node, &out, jumps);
        let condition = self
            .memo
            .reads_of(node.child_by_field_id(field::CONDITION), self.text);
        let body = body_statements(node, field::BODY);
        self.fixpoint(node, &body, &out, jumps, |body_in| {
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
                &self
                    .memo
                    .reads_of(handler.child_by_field_id(field::VALUE), self.text),
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
        let body_in = self.list(&body_statements(node, field::BODY), otherwise, &in_body);
        union(&body_in, &in_body.on_raise)
    }

    fn with_statement(&mut self, node: Node, out: NameSet<'s>, jumps: &Jumps<'s>) -> NameSet<'s> {
        let (values, targets) = with_items(node, self.text);
        let mut inner = jumps.clone();
        if may_suppress(node, self.text) {
            inner.on_raise = union(&inner.on_raise, &out);
        }
        let body_in = self.list(&body_statements(node, field::BODY), out, &inner);
        union(&values.reads, &minus(&body_in, &targets.written()))
    }
}
