//! Where turning an exit into a raise would change behaviour. A raise is not
//! an exit: it can be caught, and some exit codes mean something to callers.

use tree_sitter::Node;

fn text<'s>(node: Node, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

fn line(node: Node) -> usize {
    node.start_position().row + 1
}

/// Module-wide facts the hazards need, gathered in one walk per file.
#[derive(Debug, Default)]
pub struct ModuleExits {
    /// Line of the first `except SystemExit` handler.
    system_exit_handler: Option<usize>,
    /// How often each name is called (`f(...)` or `x.f(...)`).
    calls: std::collections::HashMap<String, usize>,
}

impl ModuleExits {
    pub fn new(root: Node, source: &str) -> Self {
        let mut facts = ModuleExits::default();
        let mut cursor = root.walk();
        loop {
            let node = cursor.node();
            match node.kind() {
                "except_clause"
                    if facts.system_exit_handler.is_none()
                        && handled_types(node, source).contains("SystemExit") =>
                {
                    facts.system_exit_handler = Some(line(node));
                }
                "call" => {
                    let callee = node
                        .child_by_field_name("function")
                        .map(|f| text(f, source))
                        .unwrap_or_default();
                    let name = callee.rsplit('.').next().unwrap_or(callee);
                    *facts.calls.entry(name.to_string()).or_default() += 1;
                }
                _ => {}
            }
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    return facts;
                }
            }
        }
    }
}

/// Why the exit at `exit` (a call or raise) should be reviewed by a person
/// instead of rewritten, if anything: every reason found, joined.
pub fn exit_hazard(exit: Node, source: &str, module: &ModuleExits) -> Option<String> {
    let reasons: Vec<String> = [
        code_hazard(exit, source),
        handler_hazard(exit, source),
        swallowed_hazard(exit, source),
        module.system_exit_handler.map(|line| {
            format!(
                "the module catches SystemExit (line {line}); a raise would bypass that handler"
            )
        }),
        helper_hazard(exit, source, module),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

/// The exit's argument, for `sys.exit(x)`, `exit(x)` and `raise SystemExit(x)`.
fn exit_code<'t>(exit: Node<'t>) -> Option<Node<'t>> {
    let call = if exit.kind() == "raise_statement" {
        exit.named_child(0)?
    } else {
        exit
    };
    call.child_by_field_name("arguments")?.named_child(0)
}

fn code_hazard(exit: Node, source: &str) -> Option<String> {
    let code = exit_code(exit)?;
    let value = text(code, source);
    match code.kind() {
        "string" | "concatenated_string" => {
            Some("the exit prints its message and exits; decide what the error should say".into())
        }
        _ if matches!(value, "1" | "True") => None,
        "integer" => Some(format!(
            "exit code {value} may mean something to callers or scripts"
        )),
        _ => Some(format!(
            "the exit code `{value}` is computed; callers may rely on it"
        )),
    }
}

/// Nearest enclosing `except` clause within the same function.
fn enclosing_except(node: Node) -> Option<Node> {
    let mut current = node.parent();
    while let Some(ancestor) = current {
        match ancestor.kind() {
            "except_clause" => return Some(ancestor),
            "function_definition" | "class_definition" | "lambda" => return None,
            _ => current = ancestor.parent(),
        }
    }
    None
}

/// The exception types an `except` clause names (empty for a bare `except:`).
fn handled_types(clause: Node, source: &str) -> String {
    let mut cursor = clause.walk();
    clause
        .named_children(&mut cursor)
        .find(|c| c.kind() != "block" && c.kind() != "comment")
        .map(|types| text(types, source).to_string())
        .unwrap_or_default()
}

fn handler_hazard(exit: Node, source: &str) -> Option<String> {
    let types = handled_types(enclosing_except(exit)?, source);
    if types.contains("KeyboardInterrupt") {
        return Some("an interrupted run exits with its own code (130); keep the exit".into());
    }
    if types.contains("HelpfulError") || types.contains("HE ") {
        return Some("this handler catches a HelpfulError; raising another around it would wrap it twice (re-raise it instead)".into());
    }
    None
}

/// An enclosing `try` in the same function whose handlers catch everything.
fn swallowed_hazard(exit: Node, source: &str) -> Option<String> {
    let mut child = exit;
    let mut current = exit.parent();
    while let Some(ancestor) = current {
        match ancestor.kind() {
            "function_definition" | "class_definition" | "lambda" => return None,
            "try_statement"
                if ancestor
                    .child_by_field_name("body")
                    .is_some_and(|b| b.id() == child.id()) =>
            {
                if let Some(clause) = catch_all_clause(ancestor, source) {
                    return Some(format!(
                        "the `{}` at line {} would catch the raised error",
                        handler_label(clause, source),
                        line(clause)
                    ));
                }
            }
            _ => {}
        }
        child = ancestor;
        current = ancestor.parent();
    }
    None
}

fn catch_all_clause<'t>(try_statement: Node<'t>, source: &str) -> Option<Node<'t>> {
    let mut cursor = try_statement.walk();
    try_statement
        .named_children(&mut cursor)
        .filter(|c| c.kind() == "except_clause")
        .find(|clause| {
            let types = handled_types(*clause, source);
            types.is_empty()
                || types
                    .split([',', '(', ')', ' '])
                    .any(|t| matches!(t.trim(), "Exception" | "BaseException"))
        })
}

fn handler_label(clause: Node, source: &str) -> String {
    let types = handled_types(clause, source);
    if types.is_empty() {
        "except:".into()
    } else {
        format!("except {}", types.split(" as ").next().unwrap_or(&types))
    }
}

/// A small helper that ends by exiting (`_fail(msg)`) and is called from
/// several places: its callers are written for a function that never returns.
fn helper_hazard(exit: Node, source: &str, module: &ModuleExits) -> Option<String> {
    let function = enclosing_function(exit)?;
    let body = function.child_by_field_name("body")?;
    let last = body.named_child(u32::try_from(body.named_child_count().checked_sub(1)?).ok()?)?;
    if !last.byte_range().contains(&exit.start_byte()) {
        return None;
    }
    let name = text(function.child_by_field_name("name")?, source);
    let calls = module.calls.get(name).copied().unwrap_or(0);
    (calls >= 2).then(|| format!("`{name}` exits and is called from {calls} places that rely on it never returning; change the helper and its callers together"))
}

pub(crate) fn enclosing_function(node: Node) -> Option<Node> {
    let mut current = node.parent();
    while let Some(ancestor) = current {
        if ancestor.kind() == "function_definition" {
            return Some(ancestor);
        }
        current = ancestor.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax;

    /// Hazard of the first `sys.exit(...)` call in `source`.
    fn hazard(source: &str) -> Option<String> {
        let tree = syntax::parse(source);
        let mut stack = vec![tree.root_node()];
        while let Some(node) = stack.pop() {
            if node.kind() == "call" && text(node, source).starts_with("sys.exit") {
                return exit_hazard(node, source, &ModuleExits::new(tree.root_node(), source));
            }
            let mut cursor = node.walk();
            let children: Vec<_> = node.children(&mut cursor).collect();
            stack.extend(children.into_iter().rev());
        }
        panic!("no exit");
    }

    #[test]
    fn plain_library_exit_has_no_hazard() {
        assert_eq!(
            hazard(
                "def f(p):\n    try:\n        open(p)\n    except OSError as e:\n        logger.error('x')\n        sys.exit(1)\n"
            ),
            None
        );
    }

    #[test]
    fn catch_all_handlers_and_meaningful_codes() {
        let swallowed = hazard("def f():\n    try:\n        if bad:\n            sys.exit(1)\n    except Exception:\n        pass\n").unwrap();
        assert!(
            swallowed.contains("except Exception` at line 5"),
            "{swallowed}"
        );
        assert!(hazard("def f():\n    try:\n        run()\n    except KeyboardInterrupt:\n        sys.exit(130)\n").unwrap().contains("130"));
        assert!(
            hazard("def f():\n    sys.exit(2)\n")
                .unwrap()
                .contains("exit code 2")
        );
        assert!(
            hazard("def f():\n    sys.exit('bye')\n")
                .unwrap()
                .contains("message")
        );
    }

    #[test]
    fn helpful_error_handlers_system_exit_handlers_and_helpers() {
        assert!(hazard("def f():\n    try:\n        g()\n    except HelpfulError as e:\n        sys.exit(1)\n").unwrap().contains("wrap it twice"));
        assert!(
            hazard("def f():\n    sys.exit(1)\ntry:\n    f()\nexcept SystemExit:\n    pass\n")
                .unwrap()
                .contains("catches SystemExit")
        );
        let helper = "def _fail(m):\n    logger.error(m)\n    sys.exit(1)\n\ndef a():\n    _fail('a')\n\ndef b():\n    _fail('b')\n";
        assert!(hazard(helper).unwrap().contains("called from 2 places"));
    }
}
