//! Tree facts about functions and loops: parameters, the enclosing class,
//! `self`, and which loop targets carry a config's values.

use crate::syntax::field;
use std::collections::HashSet;

use tree_sitter::Node;

/// For `for k, v in cfg.items()` only `v` carries config; otherwise every name.
pub(super) fn loop_value_targets(left: Node) -> Vec<Node> {
    if matches!(left.kind(), "pattern_list" | "tuple_pattern") && left.named_child_count() == 2 {
        return left.named_child(1).into_iter().collect();
    }
    vec![left]
}

/// `cfg.items()` / `cfg.values()` iterate the config's values.
pub(super) fn iterated_value<'t>(right: Node<'t>, source: &str) -> Node<'t> {
    let function = right
        .child_by_field_id(field::FUNCTION)
        .filter(|f| right.kind() == "call" && f.kind() == "attribute");
    let is_view = function
        .and_then(|f| f.child_by_field_id(field::ATTRIBUTE))
        .is_some_and(|m| matches!(&source[m.byte_range()], "items" | "values"));
    match function.and_then(|f| f.child_by_field_id(field::OBJECT)) {
        Some(object) if is_view => object,
        _ => right,
    }
}

/// A function's parameter names.
pub(crate) fn parameter_names(function: Node, source: &str) -> HashSet<String> {
    parameters_of(function, source).0
}

/// A function's parameter names, and the annotation text of typed ones.
pub(super) fn parameters_of(
    function: Node,
    source: &str,
) -> (HashSet<String>, Vec<(String, String)>) {
    let mut names = HashSet::new();
    let mut annotations = Vec::new();
    let Some(parameters) = function.child_by_field_id(field::PARAMETERS) else {
        return (names, annotations);
    };
    let mut cursor = parameters.walk();
    for parameter in parameters.named_children(&mut cursor) {
        let name_node = match parameter.kind() {
            "identifier" => Some(parameter),
            _ => parameter
                .child_by_field_id(field::NAME)
                .or_else(|| parameter.named_child(0)),
        };
        if let Some(node) = name_node.filter(|n| n.kind() == "identifier") {
            let name = source[node.byte_range()].to_string();
            if let Some(annotation) = parameter.child_by_field_id(field::TYPE) {
                annotations.push((name.clone(), source[annotation.byte_range()].to_string()));
            }
            names.insert(name);
        }
    }
    (names, annotations)
}

/// The class whose method `function` is.
pub(crate) fn enclosing_class(function: Node) -> Option<Node> {
    let mut parent = function.parent()?;
    if parent.kind() == "decorated_definition" {
        parent = parent.parent()?;
    }
    (parent.kind() == "block").then_some(())?;
    parent.parent().filter(|p| p.kind() == "class_definition")
}

/// The first parameter of a method (`self` by convention).
pub(crate) fn self_name<'s>(function: Node, source: &'s str) -> Option<&'s str> {
    enclosing_class(function)?;
    first_parameter(function, source)
}

/// The first parameter of a function, when it is a plain name.
pub(super) fn first_parameter<'s>(function: Node, source: &'s str) -> Option<&'s str> {
    let parameters = function.child_by_field_id(field::PARAMETERS)?;
    let first = parameters
        .named_child(0)
        .filter(|p| p.kind() == "identifier")?;
    Some(&source[first.byte_range()])
}
