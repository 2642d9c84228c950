//! What a candidate match must also satisfy: its rule's `where`
//! constraints on captures (shape, provenance, declared flags, exit hazards,
//! schema defaults, regexes whose named groups bind metavariables) and its
//! relational filters (`inside`, `has`, `follows`, `precedes`).

use tree_sitter::Node;

use crate::pattern::{Bindings, Captured};
use crate::rules::{CaptureConstraint, RelationFilter, RelationKind, RelationTarget};
use crate::syntax;

use super::scan::ScanState;

/// Checks one `where` entry; named regex groups bind new metavariables.
pub(super) fn constraint_holds(
    constraint: &CaptureConstraint,
    bindings: &mut Bindings,
    state: &ScanState,
) -> bool {
    let matcher = &state.matcher;
    let Some(captured) = bindings.get(&constraint.name) else {
        return false;
    };
    let text = captured.text(matcher.source).to_string();
    let nodes = captured.nodes();
    let kind_ok = |kinds: &[u16]| nodes.iter().all(|n| kinds.contains(&matcher.kinds.of(*n)));
    let shape_ok = constraint
        .not_regex
        .as_ref()
        .is_none_or(|re| !re.is_match(&text))
        && (constraint.kinds.is_empty() || kind_ok(&constraint.kinds))
        && (constraint.not_kinds.is_empty()
            || !nodes
                .iter()
                .any(|n| constraint.not_kinds.contains(&matcher.kinds.of(*n))));
    if !shape_ok {
        return false;
    }
    let provenance_ok = constraint.provenance.is_empty()
        || (nodes.len() == 1
            && state
                .provenance_of(nodes[0], bindings)
                .is_some_and(|p| constraint.provenance.contains(&p)));
    let flag_ok = !constraint.declared_flag
        || (nodes.len() == 1
            && nodes[0].kind() == "string"
            && state
                .facts()
                .argparse_dests
                .contains(&crate::analysis::provenance::unquote(&text)));
    if !provenance_ok
        || !flag_ok
        || !exit_hazard_ok(constraint, &nodes, bindings, state)
        || !schema_default_ok(constraint, &nodes, state)
    {
        return false;
    }
    let Some(regex) = &constraint.regex else {
        return true;
    };
    let Some(groups) = regex.captures(&text) else {
        return false;
    };
    for name in regex.capture_names().flatten() {
        let value = groups.name(name).map_or("", |m| m.as_str()).to_string();
        bindings.insert(name, Captured::Text(value));
    }
    true
}

/// `exit-hazard: true|false`; a hazard found is bound as `$HAZARD`.
fn exit_hazard_ok<'t>(
    constraint: &CaptureConstraint,
    nodes: &[Node<'t>],
    bindings: &mut Bindings<'t>,
    state: &ScanState,
) -> bool {
    let Some(wanted) = constraint.exit_hazard else {
        return true;
    };
    let [node] = nodes else {
        return false;
    };
    let hazard =
        crate::analysis::exits::exit_hazard(*node, state.matcher.source, state.module_exits());
    if let Some(reason) = &hazard {
        bindings.insert("HAZARD", Captured::Text(reason.clone()));
    }
    hazard.is_some() == wanted
}

/// `schema-default: true|false` on the key of `X.get(K, …)`: whether the
/// schema declares the lookup's key path optional with a `default`. No
/// schema, or a key path that cannot be known, declares nothing.
fn schema_default_ok(constraint: &CaptureConstraint, nodes: &[Node], state: &ScanState) -> bool {
    let Some(wanted) = constraint.schema_default else {
        return true;
    };
    let declared = state.context.schema.is_some_and(|schema| {
        let lookup = nodes
            .first()
            .and_then(|key| key.parent())
            .and_then(|arguments| arguments.parent());
        lookup
            .and_then(|call| crate::analysis::keypaths::path_of(call, state.matcher.source).ok())
            .is_some_and(|path| schema.declares_default(&path))
    });
    declared == wanted
}

fn target_matches<'t>(
    filter: &RelationFilter,
    node: Node<'t>,
    bindings: &mut Bindings<'t>,
    state: &ScanState,
) -> bool {
    let matcher = &state.matcher;
    let pattern = match &filter.target {
        RelationTarget::Kinds(kinds) => return kinds.contains(&matcher.kinds.of(node)),
        RelationTarget::Pattern(pattern) => pattern,
    };
    // A statement also matches through its single expression.
    let inner = (node.kind() == "expression_statement")
        .then(|| syntax::significant_children(node).first().copied())
        .flatten();
    for candidate in std::iter::once(node).chain(inner) {
        let mark = bindings.mark();
        if matcher.match_with(pattern, candidate, bindings)
            && filter
                .constraints
                .iter()
                .all(|c| constraint_holds(c, bindings, state))
        {
            return true;
        }
        bindings.reset(mark);
    }
    false
}

pub(super) fn relation_holds<'t>(
    filter: &RelationFilter,
    node: Node<'t>,
    bindings: &mut Bindings<'t>,
    state: &ScanState,
) -> bool {
    if filter.kind.is_negative() {
        // A negative filter binds nothing.
        let mut scratch = bindings.clone();
        return !search(filter, node, &mut scratch, state);
    }
    search(filter, node, bindings, state)
}

fn search<'t>(
    filter: &RelationFilter,
    node: Node<'t>,
    bindings: &mut Bindings<'t>,
    state: &ScanState,
) -> bool {
    match filter.kind {
        RelationKind::Inside | RelationKind::NotInside => inside(filter, node, bindings, state),
        RelationKind::Has | RelationKind::NotHas => has(filter, node, bindings, state),
        RelationKind::Follows | RelationKind::NotFollows => {
            siblings(filter, node, bindings, state, |n| n.prev_named_sibling())
        }
        RelationKind::Precedes | RelationKind::NotPrecedes => {
            siblings(filter, node, bindings, state, |n| n.next_named_sibling())
        }
    }
}

fn inside<'t>(
    filter: &RelationFilter,
    node: Node<'t>,
    bindings: &mut Bindings<'t>,
    state: &ScanState,
) -> bool {
    let mut current = node.parent();
    while let Some(ancestor) = current {
        if target_matches(filter, ancestor, bindings, state) {
            return true;
        }
        if filter.immediately || filter.stop_at.contains(&state.matcher.kinds.of(ancestor)) {
            return false;
        }
        current = ancestor.parent();
    }
    false
}

fn has<'t>(
    filter: &RelationFilter,
    node: Node<'t>,
    bindings: &mut Bindings<'t>,
    state: &ScanState,
) -> bool {
    let mut cursor = node.walk();
    let mut stack: Vec<Node<'t>> = node.children(&mut cursor).collect();
    while let Some(current) = stack.pop() {
        if target_matches(filter, current, bindings, state) {
            return true;
        }
        if filter.stop_at.contains(&state.matcher.kinds.of(current)) {
            continue;
        }
        let mut cursor = current.walk();
        stack.extend(current.children(&mut cursor));
    }
    false
}

/// Statements before (`follows`) or after (`precedes`) the match's statement
/// in the same block, nearest first, comments skipped. With `first-in-run`,
/// the farthest of a run of adjacent matching statements is bound.
fn siblings<'t>(
    filter: &RelationFilter,
    node: Node<'t>,
    bindings: &mut Bindings<'t>,
    state: &ScanState,
    step: impl Fn(Node<'t>) -> Option<Node<'t>>,
) -> bool {
    let Some(statement) = syntax::enclosing_statement(node) else {
        return false;
    };
    let next_statement = |from: Node<'t>| {
        let mut current = step(from);
        while let Some(sibling) = current.filter(|s| s.kind() == "comment") {
            current = step(sibling);
        }
        current
    };
    let mut current = next_statement(statement);
    while let Some(sibling) = current {
        let before = bindings.clone();
        if target_matches(filter, sibling, bindings, state) {
            if filter.first_in_run {
                extend_run(filter, sibling, before, bindings, state, &next_statement);
            }
            return true;
        }
        if filter.immediately {
            return false;
        }
        current = next_statement(sibling);
    }
    false
}

/// Moves the binding to the farthest statement of the run that starts at `found`.
fn extend_run<'t>(
    filter: &RelationFilter,
    found: Node<'t>,
    before: Bindings<'t>,
    bindings: &mut Bindings<'t>,
    state: &ScanState,
    next_statement: &impl Fn(Node<'t>) -> Option<Node<'t>>,
) {
    let mut current = next_statement(found);
    while let Some(sibling) = current {
        let mut candidate = before.clone();
        if !target_matches(filter, sibling, &mut candidate, state) {
            return;
        }
        *bindings = candidate;
        current = next_statement(sibling);
    }
}
