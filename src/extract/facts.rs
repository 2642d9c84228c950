//! Facts of one host computed once and queried for each candidate block:
//! each statement's names and flow summary, and where the host reads each
//! name. A block is a run of statements of one body; its facts are its
//! statements' facts composed, exactly what analysing the run again gives.
//!
//! Names: each statement is collected on its own either way, and the block's
//! names are theirs joined in order.
//!
//! Flow: both analyses map what flows into a statement to what flows out of
//! it by adding fixed names and keeping or dropping each incoming name on
//! its own (unions and differences with fixed sets, and least fixpoints of
//! those). So a statement maps a set `x` to `gen ∪ (x ∩ keep)`, where `gen`
//! is the image of the empty set and `keep` the image of a set `universe`
//! holding every name `x` can hold: `x ∩ image(universe)` is
//! `(x ∩ gen) ∪ (x ∩ kept)`. What flows between the statements of a run
//! comes from their `gen`s, so the `gen`s of a body's statements are the
//! universe for that body.

use std::collections::HashMap;

use tree_sitter::Node;

use crate::analysis::flow;
use crate::analysis::names::{self, NameSet, Names};

use super::blocks::Block;
use super::host::Host;

pub struct HostFacts<'s> {
    /// Each statement of a candidate block, by node id.
    statements: HashMap<usize, Statement<'s>>,
    /// Every place the host reads each name, in text order.
    reads: HashMap<&'s str, Vec<usize>>,
}

struct Statement<'s> {
    names: Names<'s>,
    /// Liveness backwards: live before = `live_gen ∪ (live after ∩ live_keep)`.
    live_gen: NameSet<'s>,
    live_keep: NameSet<'s>,
    /// Definite assignment forwards, `None` when no path completes:
    /// assigned after = `gen ∪ (assigned before ∩ keep)`.
    assigned: Option<(NameSet<'s>, NameSet<'s>)>,
}

impl<'s> HostFacts<'s> {
    pub fn new<'b, 't: 'b>(
        host: &Host<'_, 's>,
        blocks: impl IntoIterator<Item = &'b Block<'t>>,
        text: &'s str,
    ) -> Self {
        // First each statement's images of the empty set, and the union of
        // them per body (by the body's node id).
        let mut memo = host.memo.borrow_mut();
        let memo = &mut *memo;
        let mut first: Vec<(Node, Option<usize>, NameSet, Option<NameSet>)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut live_universe: HashMap<Option<usize>, NameSet> = HashMap::new();
        let mut assigned_universe: HashMap<Option<usize>, NameSet> = HashMap::new();
        for block in blocks {
            for statement in &block.statements {
                if !seen.insert(statement.id()) {
                    continue;
                }
                let body = statement.parent().map(|p| p.id());
                let live = flow::live_before_with(&[*statement], NameSet::new(), text, memo);
                let assigned = flow::assigned_after_with(&[*statement], NameSet::new(), text, memo);
                live_universe.entry(body).or_default().extend(&live);
                if let Some(assigned) = &assigned {
                    assigned_universe.entry(body).or_default().extend(assigned);
                }
                first.push((*statement, body, live, assigned));
            }
        }
        let statements = first
            .into_iter()
            .map(|(statement, body, live_gen, assigned)| {
                let universe = |sets: &HashMap<Option<usize>, NameSet<'s>>| {
                    sets.get(&body).cloned().unwrap_or_default()
                };
                let live_keep =
                    flow::live_before_with(&[statement], universe(&live_universe), text, memo);
                let assigned = assigned.and_then(|always| {
                    let keep = flow::assigned_after_with(
                        &[statement],
                        universe(&assigned_universe),
                        text,
                        memo,
                    )?;
                    Some((always, keep))
                });
                let facts = Statement {
                    names: names::collect(statement, text),
                    live_gen,
                    live_keep,
                    assigned,
                };
                (statement.id(), facts)
            })
            .collect();
        let mut reads: HashMap<&str, Vec<usize>> = HashMap::new();
        for (name, at) in &host.names.read_sites {
            reads.entry(*name).or_default().push(*at);
        }
        HostFacts { statements, reads }
    }

    /// The names of consecutive statements (of the blocks given to `new`).
    pub fn names_of(&self, statements: &[Node], text: &'s str) -> Names<'s> {
        let mut out = Names::default();
        for statement in statements {
            match self.statements.get(&statement.id()) {
                Some(facts) => append(&mut out, &facts.names),
                None => append(&mut out, &names::collect(*statement, text)),
            }
        }
        out
    }

    /// [`flow::upward_reads`] of consecutive statements of one body.
    pub fn upward_reads(&self, statements: &[Node], text: &'s str) -> NameSet<'s> {
        let mut live = NameSet::new();
        for statement in statements.iter().rev() {
            let Some(facts) = self.statements.get(&statement.id()) else {
                return flow::upward_reads(statements, text);
            };
            live.retain(|name| facts.live_keep.contains(name));
            live.extend(&facts.live_gen);
        }
        live
    }

    /// [`flow::assigned_on_every_path`] of consecutive statements of one body.
    pub fn assigned_on_every_path(
        &self,
        statements: &[Node],
        text: &'s str,
    ) -> Option<NameSet<'s>> {
        let mut assigned = NameSet::new();
        for statement in statements {
            let Some(facts) = self.statements.get(&statement.id()) else {
                return flow::assigned_on_every_path(statements, text);
            };
            let (always, keep) = facts.assigned.as_ref()?;
            assigned.retain(|name| keep.contains(name));
            assigned.extend(always);
        }
        Some(assigned)
    }

    /// Whether the host reads `name` somewhere `inside` says is not moved.
    pub fn read_outside(&self, name: &str, inside: impl Fn(usize) -> bool) -> bool {
        self.reads
            .get(name)
            .is_some_and(|sites| sites.iter().any(|at| !inside(*at)))
    }
}

fn append<'s>(into: &mut Names<'s>, from: &Names<'s>) {
    into.reads.extend(from.reads.iter().copied());
    into.writes.extend_from_slice(&from.writes);
    into.captures.extend_from_slice(&from.captures);
    into.hazards.extend(from.hazards.iter().cloned());
    into.plain_binds.extend_from_slice(&from.plain_binds);
    into.read_sites.extend_from_slice(&from.read_sites);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::blocks::{Lines, candidates};
    use crate::syntax::parse;

    const CODE: &str = "def f(a, xs):
    total = 0
    for x in xs:
        if x:
            continue
        total += x

        try:
            y = g(x)
        except E as e:
            del total
            break
        finally:
            h(total)
    else:
        y = 1

    while a:
        with suppress(E):
            z = a.pop()
            if z:
                return z

        for w in z:
            q = w
            if q:
                break
        else:
            q = 0
        a = q
    print(total, y, z, (n := 3))
    return n
";

    #[test]
    fn composed_flow_facts_equal_analysing_each_block_again() {
        let tree = parse(CODE);
        let function = tree.root_node().named_child(0).unwrap();
        let host = Host::new(function, None, CODE).unwrap();
        let lines = Lines::new(CODE);
        let blocks = candidates(function, &host.body, &lines, 3, 3);
        assert!(blocks.len() > 15, "{}", blocks.len());
        let facts = HostFacts::new(&host, &blocks, CODE);
        for block in &blocks {
            let statements = &block.statements;
            let composed = (
                facts.upward_reads(statements, CODE),
                facts.assigned_on_every_path(statements, CODE),
            );
            let again = (
                flow::upward_reads(statements, CODE),
                flow::assigned_on_every_path(statements, CODE),
            );
            let rows = block.start_row..=block.end_row;
            assert_eq!(composed, again, "rows {rows:?}");
        }
    }
}
