//! Forward definite assignment over a function's statements.

use crate::syntax::field;
use tree_sitter::Node;

use super::names::{self, NameSet};
use super::{
    Flow, Memo, body_statements, clause_statements, clauses, handler_alias, may_suppress, minus,
    union, with_items,
};

/// Forward definite assignment: each statement's `def_in` recorded.
pub(super) struct Definite<'s, 'f> {
    pub(super) text: &'s str,
    pub(super) flow: &'f mut Flow<'s>,
    pub(super) memo: &'f mut Memo<'s>,
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
    pub(super) fn list(&mut self, statements: &[Node], defs: Defs<'s>) -> Defs<'s> {
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
                    .child_by_field_id(field::LEFT)
                    .map(|left| names::target(left, self.text).written())
                    .unwrap_or_default();
                self.list(
                    &body_statements(node, field::BODY),
                    with_names(&defs, &bound),
                );
                self.loop_else(node, &defs);
                defs
            }
            "while_statement" => {
                self.list(&body_statements(node, field::BODY), defs.clone());
                self.loop_else(node, &defs);
                defs
            }
            "try_statement" => self.try_statement(node, defs),
            "with_statement" => {
                let (_, targets) = with_items(node, self.text);
                let inside = with_names(&defs, &targets.written());
                let end = self.list(&body_statements(node, field::BODY), inside.clone());
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
            _ => Some(union(current, self.memo.definite_writes(node, self.text))),
        }
    }

    fn loop_else(&mut self, node: Node, defs: &Defs<'s>) {
        if let Some(clause) = node.child_by_field_id(field::ALTERNATIVE) {
            self.list(&clause_statements(clause), defs.clone());
        }
    }

    fn if_statement(&mut self, node: Node, defs: Defs<'s>) -> Defs<'s> {
        let mut joined = self.list(&body_statements(node, field::CONSEQUENCE), defs.clone());
        let mut has_else = false;
        for clause in clauses(node, &["elif_clause", "else_clause"]) {
            let end = if clause.kind() == "else_clause" {
                has_else = true;
                self.list(&clause_statements(clause), defs.clone())
            } else {
                self.list(&body_statements(clause, field::CONSEQUENCE), defs.clone())
            };
            joined = meet(joined, end);
        }
        if has_else { joined } else { meet(joined, defs) }
    }

    fn try_statement(&mut self, node: Node, defs: Defs<'s>) -> Defs<'s> {
        let body_end = self.list(&body_statements(node, field::BODY), defs.clone());
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
