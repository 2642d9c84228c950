//! Names a template may use without binding them: facts about where the
//! match sits (`$FUNCTION`, `$QUALNAME`, `$EXCEPTION`, `$FROM_EXCEPTION`,
//! `$HELPFUL_ERROR`) and the rule's options as Python string literals.

use crate::syntax::field;
use tree_sitter::Node;

use super::template::{Segment, Template};
use crate::analysis::imports;
use crate::analysis::subject::{enclosing_names, qualified_name};
use crate::pattern::{Bindings, Captured};
use crate::project::Settings;
use crate::rules::{Rule, option_variable};

fn text<'s>(node: Node, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

fn function_name(node: Node, source: &str) -> String {
    let names = enclosing_names(node, source);
    names
        .iter()
        .rev()
        .find(|(_, is_function)| *is_function)
        .map_or_else(|| "module level".to_string(), |(n, _)| n.clone())
}

/// The name bound by the nearest enclosing `except … as NAME` in the same function.
fn exception_name(node: Node, source: &str) -> Option<String> {
    let mut current = node.parent();
    while let Some(ancestor) = current {
        match ancestor.kind() {
            "except_clause" => {
                let mut cursor = ancestor.walk();
                let alias = ancestor
                    .named_children(&mut cursor)
                    .find(|c| c.kind() == "as_pattern")
                    .and_then(|p| p.child_by_field_id(field::ALIAS));
                return alias.map(|a| text(a, source).to_string());
            }
            "function_definition" | "class_definition" | "lambda" => return None,
            _ => current = ancestor.parent(),
        }
    }
    None
}

/// A Python string literal for `value`; `{function}`, `{qualname}` and
/// `{exception}` placeholders are filled in (the exception as an f-string field).
pub fn option_literal(value: &str, node: Node, source: &str) -> String {
    let filled = value
        .replace("{function}", &function_name(node, source))
        .replace("{qualname}", &qualified_name(node, source));
    let escaped = filled
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    match exception_name(node, source).filter(|_| escaped.contains("{exception}")) {
        Some(name) => {
            let braced = escaped
                .replace('{', "{{")
                .replace('}', "}}")
                .replace("{{exception}}", &format!("{{{name}}}"));
            format!("f\"{braced}\"")
        }
        None => format!("\"{}\"", escaped.replace("{exception}", "the error")),
    }
}

fn builtin(name: &str, node: Node, source: &str, settings: &Settings) -> Option<String> {
    Some(match name {
        "FUNCTION" => function_name(node, source),
        "QUALNAME" => qualified_name(node, source),
        "EXCEPTION" => exception_name(node, source).unwrap_or_default(),
        "FROM_EXCEPTION" => exception_name(node, source)
            .map(|e| format!(" from {e}"))
            .unwrap_or_default(),
        "MODULE_LOGGER" => module_logger(root_of(node), source)?,
        "HELPFUL_ERROR" => {
            let root = root_of(node);
            imports::local_name_for(root, source, &settings.helpful_error_module, "HelpfulError")
                .unwrap_or_else(|| "HelpfulError".into())
        }
        _ => return None,
    })
}

/// The module-level logger the module logs through: the first top-level
/// `NAME = logging.getLogger("…")` (not the root logger) or `NAME =
/// get_logger(…)`-style factory call (a callee ending in `logger` or `Logger`).
fn module_logger(root: Node, source: &str) -> Option<String> {
    let mut cursor = root.walk();
    let statements: Vec<Node> = root.named_children(&mut cursor).collect();
    statements.into_iter().find_map(|statement| {
        let assignment = statement
            .named_child(0)
            .filter(|a| statement.kind() == "expression_statement" && a.kind() == "assignment")?;
        let target = assignment
            .child_by_field_id(field::LEFT)
            .filter(|t| t.kind() == "identifier")?;
        let call = assignment
            .child_by_field_id(field::RIGHT)
            .filter(|c| c.kind() == "call")?;
        let callee = text(call.child_by_field_id(field::FUNCTION)?, source);
        let arguments = call.child_by_field_id(field::ARGUMENTS)?;
        let is_factory = callee.ends_with("logger") || callee.ends_with("Logger");
        let is_root = callee.ends_with("getLogger") && arguments.named_child_count() == 0;
        (is_factory && !is_root).then(|| text(target, source).to_string())
    })
}

fn root_of(node: Node) -> Node {
    let mut root = node;
    while let Some(parent) = root.parent() {
        root = parent;
    }
    root
}

/// Adds to `bindings` every name the templates use that the match did not bind.
pub fn complete<'t>(
    templates: &[&Template],
    rule: &Rule,
    node: Node<'t>,
    source: &str,
    settings: &Settings,
    bindings: &mut Bindings<'t>,
) {
    let overrides = settings.rule_options.get(&rule.id);
    for template in templates {
        for segment in &template.segments {
            let Segment::Var(name) = segment else {
                continue;
            };
            if bindings.get(name).is_some() {
                continue;
            }
            let option = rule
                .options
                .iter()
                .find(|(key, _)| option_variable(key) == *name);
            let value = match option {
                Some((key, default)) => {
                    let text = overrides.and_then(|o| o.get(key)).unwrap_or(default);
                    Some(option_literal(text, node, source))
                }
                None => builtin(name, node, source, settings),
            };
            if let Some(value) = value {
                bindings.insert(name, Captured::Text(value));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax;

    fn exit_node(tree: &tree_sitter::Tree, source: &str) -> usize {
        source
            .find("sys.exit")
            .map(|i| {
                tree.root_node()
                    .descendant_for_byte_range(i, i + 8)
                    .map_or(0, |n| n.start_byte())
            })
            .unwrap_or(0)
    }

    #[test]
    fn context_names_and_literals() {
        let source = "class Loader:\n    def load(self):\n        try:\n            pass\n        except OSError as err:\n            sys.exit(1)\n";
        let tree = syntax::parse(source);
        let at = exit_node(&tree, source);
        let node = tree
            .root_node()
            .descendant_for_byte_range(at, at + 3)
            .unwrap();
        let settings = Settings::default();
        assert_eq!(
            builtin("QUALNAME", node, source, &settings).unwrap(),
            "Loader.load"
        );
        assert_eq!(
            builtin("FROM_EXCEPTION", node, source, &settings).unwrap(),
            " from err"
        );
        assert_eq!(
            builtin("HELPFUL_ERROR", node, source, &settings).unwrap(),
            "HelpfulError"
        );
        assert_eq!(
            option_literal("Check {function}: \"{exception}\" {x}", node, source),
            "f\"Check load: \\\"{err}\\\" {{x}}\""
        );
        assert_eq!(
            option_literal("Run: ls schemas/", node, source),
            "\"Run: ls schemas/\""
        );
    }
}
