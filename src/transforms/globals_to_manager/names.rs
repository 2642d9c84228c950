//! Name facts inside one function or class: where module names are read,
//! which names the code binds itself, and the shapes a moved body must not
//! have.

use crate::syntax::field;
use std::collections::BTreeSet;

use tree_sitter::Node;

/// Identifiers in `node` that read or write one of `names` as a module-level
/// name: not an attribute (`x.name`), not a keyword (`f(name=1)`).
pub fn uses<'t>(node: Node<'t>, names: &BTreeSet<String>, text: &str) -> Vec<Node<'t>> {
    let mut found = Vec::new();
    // The walk enters only subtrees where one of the names is written.
    let start = node.start_byte();
    let written = &text.as_bytes()[node.byte_range()];
    let mut spots: Vec<usize> = names
        .iter()
        .flat_map(|name| crate::syntax::word_positions(written, name).map(move |at| start + at))
        .collect();
    if spots.is_empty() {
        return found;
    }
    spots.sort_unstable();
    crate::syntax::walk_pruned(
        node,
        |n| crate::syntax::spans_any(n, &spots),
        |n| {
            if n.kind() == "identifier" && names.contains(&text[n.byte_range()]) && !is_label(n) {
                found.push(n);
            }
        },
    );
    found
}

/// An identifier that names an attribute, keyword argument or parameter
/// rather than a variable.
fn is_label(node: Node) -> bool {
    let Some(parent) = node.parent() else {
        return false;
    };
    let is_field = |field: u16| {
        parent
            .child_by_field_id(field)
            .is_some_and(|f| f.id() == node.id())
    };
    match parent.kind() {
        "attribute" => is_field(field::ATTRIBUTE),
        "keyword_argument" => is_field(field::NAME),
        "function_definition" | "class_definition" => is_field(field::NAME),
        _ => false,
    }
}

/// Names the code binds locally (assignments, loop and `with` targets,
/// parameters, imports, nested definitions, `except … as`, walrus), minus
/// those it declares `global`.
pub fn local_bindings(function: Node, text: &str) -> BTreeSet<String> {
    let mut bound = BTreeSet::new();
    let mut declared = BTreeSet::new();
    crate::syntax::walk_pruned(
        function,
        |_| true,
        |n| {
            let mut bind = |target: Option<Node>| {
                if let Some(target) = target {
                    targets(target, text, &mut bound);
                }
            };
            match n.kind() {
                "assignment" | "augmented_assignment" => bind(n.child_by_field_id(field::LEFT)),
                "for_statement" | "for_in_clause" => bind(n.child_by_field_id(field::LEFT)),
                "named_expression" => bind(n.child_by_field_id(field::NAME)),
                "as_pattern" => bind(n.child_by_field_id(field::ALIAS)),
                "parameters" | "lambda_parameters" => {
                    parameter_names(n, text).into_iter().for_each(|p| {
                        bound.insert(p);
                    })
                }
                "function_definition" | "class_definition" if n.id() != function.id() => {
                    bind(n.child_by_field_id(field::NAME))
                }
                "import_statement" | "import_from_statement" => {
                    for name in crate::transforms::summary::import_bindings(n, text) {
                        bound.insert(name.to_string());
                    }
                }
                "global_statement" | "nonlocal_statement" => {
                    let mut cursor = n.walk();
                    for name in n.named_children(&mut cursor) {
                        declared.insert(text[name.byte_range()].to_string());
                    }
                }
                _ => {}
            }
        },
    );
    bound.retain(|name| !declared.contains(name));
    bound
}

fn targets(target: Node, text: &str, out: &mut BTreeSet<String>) {
    match target.kind() {
        "identifier" => {
            out.insert(text[target.byte_range()].to_string());
        }
        "pattern_list" | "tuple_pattern" | "list_pattern" | "list_splat_pattern"
        | "as_pattern_target" | "tuple" | "list" | "expression_list" => {
            let mut cursor = target.walk();
            for child in target.named_children(&mut cursor) {
                targets(child, text, out);
            }
        }
        _ => {}
    }
}

/// The names a parameter list binds, in order.
pub fn parameter_names(parameters: Node, text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut cursor = parameters.walk();
    for parameter in parameters.named_children(&mut cursor) {
        if let Some(name) = parameter_name(parameter, text) {
            names.push(name.to_string());
        }
    }
    names
}

/// The name one parameter binds (`a`, `a: T`, `a=1`, `*a`, `**a`).
pub fn parameter_name<'t>(parameter: Node, text: &'t str) -> Option<&'t str> {
    let name = match parameter.kind() {
        "identifier" => Some(parameter),
        "default_parameter" | "typed_default_parameter" => parameter.child_by_field_id(field::NAME),
        "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => {
            let first = parameter.named_child(0)?;
            return match first.kind() {
                "identifier" => Some(&text[first.byte_range()]),
                _ => parameter_name(first, text),
            };
        }
        _ => None,
    }?;
    Some(&text[name.byte_range()])
}

/// The first node of one of `kinds` inside `node`, not looking into
/// nested functions, lambdas or classes.
pub fn find_kind<'t>(node: Node<'t>, kinds: &[&str]) -> Option<Node<'t>> {
    let mut found = None;
    crate::syntax::walk_pruned(
        node,
        |n| {
            n.id() == node.id()
                || !matches!(
                    n.kind(),
                    "function_definition" | "lambda" | "class_definition"
                )
        },
        |n| {
            if found.is_none() && kinds.contains(&n.kind()) {
                found = Some(n);
            }
        },
    );
    found
}

/// Strings spanning several lines, other than the docstring: indenting the
/// code would change their value.
pub fn multiline_string(function: Node) -> Option<Node> {
    let docstring = function
        .child_by_field_id(field::BODY)
        .and_then(|b| b.named_child(0))
        .filter(|s| s.kind() == "expression_statement")
        .and_then(|s| s.named_child(0))
        .filter(|s| s.kind() == "string");
    let mut found = None;
    crate::syntax::walk_pruned(
        function,
        |n| n.kind() != "string",
        |n| {
            let spans_lines = n.start_position().row != n.end_position().row;
            let is_docstring = docstring.is_some_and(|d| d.id() == n.id());
            if found.is_none() && n.kind() == "string" && spans_lines && !is_docstring {
                found = Some(n);
            }
        },
    );
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(code: &str) -> (tree_sitter::Tree, String) {
        (crate::syntax::parse(code), code.to_string())
    }

    #[test]
    fn locals_and_reads_are_told_apart() {
        let (tree, code) = function(
            "def f(a, *rest, b=1, **kw):\n    global _g\n    _g = 1\n    for i, j in x: pass\n    with y as z: pass\n    _c.clear()\n    o._c = f(_c=2)\n",
        );
        let def = tree.root_node().named_child(0).unwrap();
        let bound = local_bindings(def, &code);
        let bound: Vec<&str> = bound.iter().map(String::as_str).collect();
        assert_eq!(bound, ["a", "b", "i", "j", "kw", "rest", "z"]);
        let names: BTreeSet<String> = ["_c".to_string(), "_g".to_string()].into();
        let found: Vec<usize> = uses(def, &names, &code)
            .iter()
            .map(|n| n.start_position().row)
            .collect();
        // `global _g` (line 1), `_g = 1`, `_c.clear()`; not `o._c` nor `_c=2`.
        assert_eq!(found, [1, 2, 5]);
    }
}
