//! Facts the plan's assessment and validation suite ask for, beyond what
//! rules rewrite: function lengths (as Python's `ast` counts them), global
//! mutable state, exits and where they are allowed, soft-fail lookups,
//! thread-local storage and dataclass/`__slots__` conflicts.

use tree_sitter::Node;

use super::provenance::{FileFacts, Provenance};

fn text<'s>(node: Node, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

fn walk<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>)) {
    let mut cursor = root.walk();
    loop {
        visit(cursor.node());
        if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// A function and its length as the plan's `method_length` script computes
/// it: `end_lineno - lineno` (the `def` line to the last line of the last
/// statement; decorators and trailing comments do not count).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionLength<'t> {
    pub node: Node<'t>,
    pub name: String,
    pub lines: usize,
}

pub fn function_lengths<'t>(root: Node<'t>, source: &str) -> Vec<FunctionLength<'t>> {
    let mut found = Vec::new();
    walk(root, |node| {
        if node.kind() == "function_definition" {
            let name = node
                .child_by_field_name("name")
                .map_or("", |n| text(n, source))
                .to_string();
            let end = last_code_row(node);
            found.push(FunctionLength {
                node,
                name,
                lines: end - node.start_position().row,
            });
        }
    });
    found
}

/// Row of the last token that is not a comment.
fn last_code_row(node: Node) -> usize {
    let mut current = node;
    loop {
        let mut cursor = current.walk();
        let children: Vec<Node> = current.children(&mut cursor).collect();
        match children
            .into_iter()
            .rev()
            .find(|c| !c.is_extra() && c.end_byte() > c.start_byte())
        {
            Some(child) if child.kind() != "string" => current = child,
            Some(child) => return child.end_position().row,
            None => return current.end_position().row,
        }
    }
}

/// A module-level name that holds mutable state.
#[derive(Debug, Clone)]
pub struct GlobalState<'t> {
    pub node: Node<'t>,
    pub name: String,
    pub why: String,
}

fn is_exempt_name(name: &str) -> bool {
    let upper = name
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    upper
        || name == "__all__"
        || name.starts_with("__")
        || name.to_ascii_lowercase().contains("logger")
}

/// Why a module-level value is mutable, or `None`.
fn mutable_value(value: Node, source: &str) -> Option<String> {
    let shown = text(value, source);
    let what = match value.kind() {
        "dictionary" | "dictionary_comprehension" => "a dict",
        "list" | "list_comprehension" => "a list",
        "set" | "set_comprehension" => "a set",
        "call" => {
            let callee = value
                .child_by_field_name("function")
                .map_or("", |f| text(f, source));
            let last = callee.rsplit('.').next().unwrap_or(callee);
            let immutable = matches!(
                last,
                "getLogger"
                    | "get_logger"
                    | "frozenset"
                    | "tuple"
                    | "namedtuple"
                    | "TypeVar"
                    | "NewType"
                    | "compile"
                    | "Path"
                    | "object"
            );
            if immutable
                || last.starts_with(char::is_lowercase)
                    && !matches!(
                        last,
                        "dict" | "list" | "set" | "defaultdict" | "local" | "deque"
                    )
            {
                return None;
            }
            return Some(format!(
                "an instance ({})",
                shown.split('(').next().unwrap_or(shown).trim()
            ));
        }
        _ => return None,
    };
    Some(what.to_string())
}

/// Module-level assignments of mutable objects (instances, dicts, lists,
/// sets, caches, locks) and names rebound with `global`, except loggers,
/// UPPER_CASE constants, dunder names and type aliases.
pub fn global_state<'t>(root: Node<'t>, source: &str) -> Vec<GlobalState<'t>> {
    let globals = global_declarations(root, source);
    let mut found = Vec::new();
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        let Some(assignment) = statement
            .named_child(0)
            .filter(|a| statement.kind() == "expression_statement" && a.kind() == "assignment")
        else {
            continue;
        };
        let (Some(left), Some(right)) = (
            assignment.child_by_field_name("left"),
            assignment.child_by_field_name("right"),
        ) else {
            continue;
        };
        let name = text(left, source);
        if left.kind() != "identifier" || is_exempt_name(name) || is_type_alias(assignment, source)
        {
            continue;
        }
        let why = mutable_value(right, source).or_else(|| {
            globals
                .contains(&name.to_string())
                .then(|| "rebound with `global` in a function".to_string())
        });
        if let Some(why) = why {
            found.push(GlobalState {
                node: statement,
                name: name.to_string(),
                why,
            });
        }
    }
    found
}

fn is_type_alias(assignment: Node, source: &str) -> bool {
    assignment
        .child_by_field_name("type")
        .is_some_and(|t| text(t, source).contains("TypeAlias"))
}

fn global_declarations(root: Node, source: &str) -> Vec<String> {
    let mut names = Vec::new();
    walk(root, |node| {
        if node.kind() == "global_statement" {
            let mut cursor = node.walk();
            names.extend(
                node.named_children(&mut cursor)
                    .map(|n| text(n, source).to_string()),
            );
        }
    });
    names
}

/// An exit (`sys.exit`, `exit`, `quit`, `raise SystemExit`) and, when it is
/// allowed, why.
#[derive(Debug, Clone)]
pub struct ExitSite<'t> {
    pub node: Node<'t>,
    pub allowed: Option<&'static str>,
}

pub fn exits<'t>(root: Node<'t>, source: &str, entry_point: bool) -> Vec<ExitSite<'t>> {
    let mut found = Vec::new();
    walk(root, |node| {
        let is_exit = match node.kind() {
            "call" => matches!(
                node.child_by_field_name("function")
                    .map(|f| text(f, source)),
                Some("sys.exit" | "exit" | "quit" | "os._exit")
            ),
            "raise_statement" => node
                .named_child(0)
                .is_some_and(|e| text(e, source).starts_with("SystemExit")),
            _ => false,
        };
        if is_exit {
            let allowed = if entry_point {
                Some("entry point")
            } else {
                allowed_context(node, source)
            };
            found.push(ExitSite { node, allowed });
        }
    });
    found
}

fn allowed_context(node: Node, source: &str) -> Option<&'static str> {
    let mut current = node.parent();
    while let Some(ancestor) = current {
        if ancestor.kind() == "function_definition"
            && ancestor
                .child_by_field_name("name")
                .is_some_and(|n| text(n, source) == "main")
        {
            return Some("main()");
        }
        if ancestor.kind() == "if_statement"
            && ancestor
                .child_by_field_name("condition")
                .is_some_and(|c| text(c, source).contains("__name__"))
        {
            return Some("__main__ block");
        }
        current = ancestor.parent();
    }
    None
}

/// `.get(...)` calls whose receiver holds configuration.
pub fn soft_fail_lookups<'t>(root: Node<'t>, source: &str, facts: &FileFacts) -> Vec<Node<'t>> {
    let mut found = Vec::new();
    walk(root, |node| {
        let Some(function) = node
            .child_by_field_name("function")
            .filter(|f| node.kind() == "call" && f.kind() == "attribute")
        else {
            return;
        };
        let is_get = function
            .child_by_field_name("attribute")
            .is_some_and(|a| text(a, source) == "get");
        let receiver = function.child_by_field_name("object");
        if is_get
            && receiver.is_some_and(|r| {
                matches!(
                    facts.provenance_of(r),
                    Some(Provenance::Config | Provenance::DefaultedConfig)
                )
            })
        {
            found.push(node);
        }
    });
    found
}

/// `threading.local()` (thread-local storage that can leak with dead threads).
pub fn thread_locals<'t>(root: Node<'t>, source: &str) -> Vec<Node<'t>> {
    let mut found = Vec::new();
    walk(root, |node| {
        let callee = node
            .child_by_field_name("function")
            .filter(|_| node.kind() == "call")
            .map(|f| text(f, source));
        if matches!(callee, Some("threading.local" | "local")) {
            found.push(node);
        }
    });
    found
}

/// `@dataclass` classes with field defaults, which cannot simply gain `__slots__`.
pub fn dataclass_defaults<'t>(root: Node<'t>, source: &str) -> Vec<Node<'t>> {
    let mut found = Vec::new();
    walk(root, |node| {
        if node.kind() != "decorated_definition" {
            return;
        }
        let is_dataclass = {
            let mut cursor = node.walk();
            node.named_children(&mut cursor)
                .any(|d| d.kind() == "decorator" && text(d, source).contains("dataclass"))
        };
        let class = node
            .child_by_field_name("definition")
            .filter(|d| d.kind() == "class_definition");
        let has_default = class
            .and_then(|c| c.child_by_field_name("body"))
            .is_some_and(|body| {
                let mut cursor = body.walk();
                body.named_children(&mut cursor).any(|s| {
                    s.named_child(0).is_some_and(|a| {
                        a.kind() == "assignment" && a.child_by_field_name("right").is_some()
                    })
                })
            });
        if is_dataclass && has_default {
            found.push(node);
        }
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax;

    #[test]
    fn function_length_matches_python_ast() {
        let source = "@deco\ndef f():\n    x = 1\n\n    return '''a\nb'''\n    # trailing comment\n\ndef g(): pass\n";
        let tree = syntax::parse(source);
        let lengths: Vec<(String, usize)> = function_lengths(tree.root_node(), source)
            .into_iter()
            .map(|f| (f.name, f.lines))
            .collect();
        assert_eq!(lengths, [("f".to_string(), 4), ("g".to_string(), 0)]);
    }

    #[test]
    fn global_state_excludes_loggers_constants_and_aliases() {
        let source = "import threading\nlogger = logging.getLogger(__name__)\nMAX = {}\n__all__ = ['x']\n_cache = {}\n_lock = threading.Lock()\n_client = Client(cache=True)\nJsonDict: TypeAlias = Dict[str, Any]\n_state = None\ndef reset():\n    global _state\n    _state = 1\nname = 'x'\n";
        let tree = syntax::parse(source);
        let names: Vec<String> = global_state(tree.root_node(), source)
            .into_iter()
            .map(|g| g.name)
            .collect();
        assert_eq!(names, ["_cache", "_lock", "_client", "_state"]);
    }

    #[test]
    fn exits_are_allowed_in_main_and_entry_points() {
        let source = "import sys\ndef f():\n    sys.exit(1)\ndef main():\n    sys.exit(2)\nif __name__ == '__main__':\n    raise SystemExit(main())\n";
        let tree = syntax::parse(source);
        let allowed: Vec<Option<&str>> = exits(tree.root_node(), source, false)
            .into_iter()
            .map(|e| e.allowed)
            .collect();
        assert_eq!(allowed, [None, Some("main()"), Some("__main__ block")]);
        assert!(
            exits(tree.root_node(), source, true)
                .iter()
                .all(|e| e.allowed == Some("entry point"))
        );
    }

    #[test]
    fn thread_locals_and_dataclass_defaults() {
        let source = "import threading\nclass S:\n    def __init__(self):\n        self._local = threading.local()\n@dataclass\nclass R:\n    items: list = field(default_factory=list)\n@dataclass\nclass Plain:\n    name: str\n";
        let tree = syntax::parse(source);
        assert_eq!(thread_locals(tree.root_node(), source).len(), 1);
        assert_eq!(dataclass_defaults(tree.root_node(), source).len(), 1);
    }
}
