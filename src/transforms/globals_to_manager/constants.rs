//! Public module-level tables (`topics = {…}` in `pydoc_data/topics.py`):
//! a dict, list or set with a public name (no leading `_`, or listed in
//! `__all__`) that its module never changes or binds again is a constant
//! table, not state. Moving it into the manager would break every
//! `from m import name` outside the project, so it stays where it is and is
//! reported, naming who imports it or, if another module changes it, where.
//! A public instance (`ListSeparator = ValueTerminal(…)`) that the module
//! never binds again is part of the module's interface in the same way:
//! it stays too, reported as state every manager still shares.

use crate::syntax::field;
use std::collections::BTreeSet;

use tree_sitter::Node;

use super::plan::State;
use crate::transforms::context;
use crate::transforms::index::IndexedUse;
use crate::transforms::summary::{self, UseKind};
use crate::transforms::{FileInput, ProjectIndex, Refusal, TransformOutput};

/// A table kept at module level, waiting for the index to be reported.
pub struct Constant {
    pub name: String,
    /// A dict, list or set display (else a public instance).
    pub table: bool,
    /// Located at its assignment; message and reason are filled in later.
    pub anchor: Refusal,
}

/// Splits `states` into what moves and the public tables that stay.
pub fn split<'t>(
    file: &FileInput,
    states: Vec<State<'t>>,
    global_names: &[String],
) -> (Vec<State<'t>>, Vec<Constant>) {
    let root = file.tree.root_node();
    let all = summary::dunder_all(root, file.text);
    let public = |name: &str| {
        !name.starts_with('_') || all.as_ref().is_some_and(|a| a.iter().any(|n| n == name))
    };
    let candidates: BTreeSet<String> = states
        .iter()
        .filter(|s| public(&s.name) && !global_names.contains(&s.name))
        .map(|s| s.name.clone())
        .collect();
    let tables: BTreeSet<String> = states
        .iter()
        .filter(|s| is_table(s.value, file.text))
        .map(|s| s.name.clone())
        .collect();
    if candidates.is_empty() {
        return (states, Vec::new());
    }
    // Where each name's first assignment starts: its target, the one
    // binding that is not a change (a second assignment is one).
    let mut definitions: Vec<usize> = Vec::new();
    for (i, state) in states.iter().enumerate() {
        if !states[..i].iter().any(|earlier| earlier.name == state.name) {
            definitions.push(state.statement.start_byte());
        }
    }
    let changes = changed_in_module(root, file.text, &candidates, &definitions);
    // A table stays only while nothing changes it (else it is state); an
    // instance stays unless it is bound again (its methods may change it).
    let stays = |name: &str| {
        candidates.contains(name)
            && !changes.rebound.contains(name)
            && !(tables.contains(name) && changes.mutated.contains(name))
    };
    let (kept, moving): (Vec<State>, Vec<State>) = states.into_iter().partition(|s| stays(&s.name));
    let constants = kept
        .into_iter()
        .map(|s| Constant {
            table: tables.contains(&s.name),
            anchor: Refusal::at(
                file.file,
                file.text,
                s.statement.byte_range(),
                String::new(),
                String::new(),
            ),
            name: s.name,
        })
        .collect();
    (moving, constants)
}

/// A dict, list or set display or comprehension, or `dict()`, `list()`,
/// `set()`, `OrderedDict()` (not `defaultdict`: reading it inserts).
fn is_table(value: Node, text: &str) -> bool {
    match value.kind() {
        "dictionary"
        | "dictionary_comprehension"
        | "list"
        | "list_comprehension"
        | "set"
        | "set_comprehension" => true,
        "call" => value.child_by_field_id(field::FUNCTION).is_some_and(|f| {
            let callee = &text[f.byte_range()];
            let last = callee.rsplit('.').next().unwrap_or(callee);
            matches!(last, "dict" | "list" | "set" | "OrderedDict")
        }),
        _ => false,
    }
}

/// What code of the module does to the candidates.
#[derive(Default)]
struct Changes {
    /// Bound again anywhere but their own assignment (a local of the same
    /// name included: it is not worth telling apart).
    rebound: BTreeSet<String>,
    /// Changed in place: `x[k] = v`, `x.update(…)`.
    mutated: BTreeSet<String>,
}

fn changed_in_module(
    root: Node,
    text: &str,
    candidates: &BTreeSet<String>,
    definitions: &[usize],
) -> Changes {
    let mut changes = Changes::default();
    let lazy = context::lazy_annotations(root, text);
    // The walk enters only subtrees where a candidate's name is written.
    let mut spots: Vec<usize> = candidates
        .iter()
        .flat_map(|name| crate::syntax::word_positions(text.as_bytes(), name))
        .collect();
    spots.sort_unstable();
    let descend = |node: Node| crate::syntax::spans_any(node, &spots);
    context::walk_pruned(root, lazy, descend, |path| {
        let node = path.node();
        if node.kind() != "identifier" {
            return;
        }
        let name = &text[node.byte_range()];
        if !candidates.contains(name) || definitions.contains(&node.start_byte()) {
            return;
        }
        if crate::transforms::bound::binds(path) {
            changes.rebound.insert(name.to_string());
        } else if context::mutates(path.ancestry(), text) {
            changes.mutated.insert(name.to_string());
        }
    });
    changes
}

/// The findings, with what the project does with each table.
pub fn report(
    constants: Vec<Constant>,
    module: &str,
    index: &ProjectIndex,
) -> Vec<TransformOutput> {
    constants
        .into_iter()
        .map(|constant| {
            let name = &constant.name;
            let uses = index.uses_of(module, name);
            let mut refusal = constant.anchor;
            match uses.iter().find_map(|u| change_line(u).map(|line| (u, line))) {
                Some((site, line)) => {
                    refusal.message = format!(
                        "public module-level `{name}` is changed by another module ({}:{line})",
                        site.relative
                    );
                    refusal.reason = format!(
                        "kept at module level, not moved into a manager: moving a public name breaks `from {module} import {name}`; move it by hand if it is state"
                    );
                }
                None if !constant.table => {
                    refusal.message = format!(
                        "public module-level `{name}` is part of `{module}`'s interface{}",
                        importers(uses)
                    );
                    refusal.reason = format!(
                        "kept at module level, not moved into a manager: that would break `from {module} import {name}`; every manager still shares it: rename it `_{name}` first if it should move"
                    );
                }
                None => {
                    refusal.message = format!(
                        "public module-level `{name}` is a table nothing in the project changes"
                    );
                    refusal.reason = format!(
                        "kept at module level as a constant, not moved into a manager: that would break `from {module} import {name}`{}",
                        importers(uses)
                    );
                }
            }
            TransformOutput::Refusal(refusal)
        })
        .collect()
}

/// ` (used by file:line and others)`, or nothing when no module uses it.
fn importers(uses: &[IndexedUse]) -> String {
    match uses.first() {
        Some(first) => format!(
            " (used by {}:{}{})",
            first.relative,
            first.what.line,
            if uses.len() > 1 { " and others" } else { "" }
        ),
        None => String::new(),
    }
}

/// The line where a use in another module changes the table, or may: a
/// store to `m.x`, a change through `m.x` or through the name
/// `from m import x` bound, or an import inside a function (its uses are
/// not followed).
fn change_line(found: &IndexedUse) -> Option<usize> {
    let what = &found.what;
    match what.kind {
        UseKind::AttributeStore => Some(what.line),
        UseKind::Attribute => what.mutates.then_some(what.line),
        UseKind::StarImport => None,
        UseKind::FromImport => match what.bound.as_deref() {
            None => Some(what.line),
            Some(bound) => bound.reads.iter().find(|r| r.mutates).map(|r| r.line),
        },
    }
}
