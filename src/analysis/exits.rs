//! Where turning an exit into a raise would change behaviour. A raise is not
//! an exit: it can be caught, and some exit codes mean something to callers.

use crate::syntax::field;
use tree_sitter::Node;

fn text<'s>(node: Node, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

fn line(node: Node) -> usize {
    node.start_position().row + 1
}

/// One exit of the module and what makes it unfit to become a raise.
#[derive(Debug)]
struct ExitFact {
    start: usize,
    line: usize,
    /// The innermost enclosing function (node id), if any.
    function: Option<usize>,
    /// Why this exit alone cannot become a raise, if anything.
    hazard: Option<String>,
}

/// Module-wide facts the hazards need, gathered in one walk per file.
#[derive(Debug, Default)]
pub struct ModuleExits {
    /// Line of the first `except SystemExit` handler.
    system_exit_handler: Option<usize>,
    /// Every exit, in source order.
    exits: Vec<ExitFact>,
}

impl ModuleExits {
    pub fn new(root: Node, source: &str) -> Self {
        let mut facts = ModuleExits::default();
        // Every fact's node has `exit`, `quit` or `SystemExit` in its text,
        // so a subtree whose text has none holds no fact: the walk skips it
        // (most of a file's nodes).
        let spots = exit_spots(source);
        crate::syntax::walk_pruned(
            root,
            |node| crate::syntax::spans_any(node, &spots),
            |node| match node.kind() {
                "except_clause"
                    if facts.system_exit_handler.is_none()
                        && handled_types(node, source).contains("SystemExit") =>
                {
                    facts.system_exit_handler = Some(line(node));
                }
                "call" | "raise_statement" if is_exit(node, source) => {
                    facts.exits.push(ExitFact {
                        start: node.start_byte(),
                        line: line(node),
                        function: enclosing_function(node).map(|f| f.id()),
                        hazard: own_hazard(node, source),
                    });
                }
                _ => {}
            },
        );
        facts
    }

    /// The first other exit of the same function that cannot become a raise:
    /// a function's exits change together or not at all, so that it never
    /// raises on one path and ends the process on another.
    fn sibling_hazard(&self, exit: Node) -> Option<String> {
        let this = self.exits.iter().find(|e| e.start == exit.start_byte())?;
        let function = this.function?;
        let other = self
            .exits
            .iter()
            .filter(|e| e.function == Some(function) && e.start != this.start)
            .find(|e| e.hazard.is_some())?;
        Some(format!(
            "the function's exit at line {} cannot become a raise ({}), and a function's exits are converted together or not at all",
            other.line,
            other.hazard.as_deref().unwrap_or_default()
        ))
    }
}

/// `sys.exit(…)`, `exit(…)`, `quit(…)` or `raise SystemExit…`.
fn is_exit(node: Node, source: &str) -> bool {
    if node.kind() == "raise_statement" {
        let raised = node.named_child(0);
        let raised = raised
            .filter(|r| r.kind() == "call")
            .and_then(|call| call.child_by_field_id(field::FUNCTION))
            .or(raised);
        return raised.is_some_and(|r| text(r, source) == "SystemExit");
    }
    node.child_by_field_id(field::FUNCTION)
        .is_some_and(|f| matches!(text(f, source), "sys.exit" | "exit" | "quit"))
}

/// Why the exit at `exit` (a call or raise) should be reviewed by a person
/// instead of rewritten, if anything: every reason found, joined.
pub fn exit_hazard(exit: Node, source: &str, module: &ModuleExits) -> Option<String> {
    let reasons: Vec<String> = [
        own_hazard(exit, source),
        module.system_exit_handler.map(|line| {
            format!(
                "the module catches SystemExit (line {line}); a raise would bypass that handler"
            )
        }),
        module.sibling_hazard(exit),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

/// What about this exit itself keeps it from becoming a raise.
fn own_hazard(exit: Node, source: &str) -> Option<String> {
    if let Some(success) = success_hazard(exit, source) {
        return Some(success);
    }
    let reasons: Vec<String> = [
        code_hazard(exit, source),
        handler_hazard(exit, source),
        swallowed_hazard(exit, source),
        embedded_hazard(exit),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

/// A success exit (`sys.exit()`, `sys.exit(0)`) is not an error to raise.
fn success_hazard(exit: Node, source: &str) -> Option<String> {
    let code = exit_code(exit).map(|c| text(c, source));
    matches!(code, None | Some("0" | "None" | "False")).then(|| "it is a success exit".into())
}

/// An exit inside an expression (`x or sys.exit(1)`) is no statement of its
/// own that a raise could replace.
fn embedded_hazard(exit: Node) -> Option<String> {
    let standalone = exit.kind() == "raise_statement"
        || exit
            .parent()
            .is_some_and(|p| p.kind() == "expression_statement");
    (!standalone).then(|| "it is part of an expression".into())
}

/// The exit's argument, for `sys.exit(x)`, `exit(x)` and `raise SystemExit(x)`.
fn exit_code<'t>(exit: Node<'t>) -> Option<Node<'t>> {
    let call = if exit.kind() == "raise_statement" {
        exit.named_child(0)?
    } else {
        exit
    };
    call.child_by_field_id(field::ARGUMENTS)?.named_child(0)
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
/// Sorted offsets of `exit`, `quit` and `SystemExit` in `source`: an exit
/// call's callee (`sys.exit`, `exit`, `quit`) or a raised `SystemExit`
/// holds one, and so do the handled types of an `except SystemExit`.
fn exit_spots(source: &str) -> Vec<usize> {
    let bytes = source.as_bytes();
    let mut spots: Vec<usize> = ["exit", "quit", "SystemExit"]
        .iter()
        .flat_map(|word| memchr::memmem::find_iter(bytes, word.as_bytes()))
        .collect();
    spots.sort_unstable();
    spots
}

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
                    .child_by_field_id(field::BODY)
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
        assert_eq!(hazard(helper), None, "a raise does not return either");
    }

    #[test]
    fn a_function_exits_together() {
        let mixed = "def load(p):\n    if not p:\n        sys.exit(1)\n    try:\n        return parse(p)\n    except ValueError:\n        sys.exit(2)\n";
        let first = hazard(mixed).unwrap();
        assert!(
            first.contains("exit at line 7 cannot become a raise (exit code 2"),
            "{first}"
        );
        let with_success = "def f(p):\n    if p:\n        sys.exit(1)\n    sys.exit(0)\n";
        assert!(
            hazard(with_success)
                .unwrap()
                .contains("line 4 cannot become a raise (it is a success exit)")
        );
        let nested =
            "def f(p):\n    if p:\n        sys.exit(1)\n    def g():\n        sys.exit(0)\n";
        assert_eq!(hazard(nested), None);
        let embedded = "def f(p):\n    sys.exit(1)\n    return p or sys.exit(1)\n";
        assert!(hazard(embedded).unwrap().contains("part of an expression"));
    }
}
