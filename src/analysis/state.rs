//! Phase 3 facts beyond `metrics::global_state`: what the plan allows (the
//! default manager phase 3 generates, the logger singleton's lock) and the
//! shapes of shared state it also looks for: class-level mutable caches
//! shared by all instances, hand-made singletons, `lru_cache` on module
//! functions.

use crate::syntax::field;
use tree_sitter::Node;

fn text<'s>(node: Node, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

/// Module state the plan keeps: the lazily created default manager of a
/// module phase 3 migrated (`_default_manager`, its lock, next to a
/// `set_default_*` function), and the lock of the logger singleton (a
/// module that rebinds a `*logger*` name with `global`).
pub fn is_allowed(name: &str, root: Node, source: &str, global_names: &[String]) -> bool {
    let default_instance = DEFAULT_MANAGER_NAMES.contains(&name)
        && top_level_functions(root, source).any(|f| f.starts_with("set_default_"));
    default_instance || is_logger_lock(name, global_names)
}

/// The logger singleton's lock: a `*lock*` name in a module that rebinds a
/// `*logger*` name with `global`.
pub(crate) fn is_logger_lock(name: &str, global_names: &[String]) -> bool {
    name.to_ascii_lowercase().contains("lock")
        && global_names
            .iter()
            .any(|g| g.to_ascii_lowercase().contains("logger"))
}

/// Names [`is_allowed`] keeps when a top-level `set_default_*` function
/// is beside them.
pub(crate) const DEFAULT_MANAGER_NAMES: &[&str] = &["_default_manager", "_default_manager_lock"];

fn top_level_functions<'s>(root: Node<'_>, source: &'s str) -> impl Iterator<Item = &'s str> {
    let mut cursor = root.walk();
    let names: Vec<&'s str> = root
        .named_children(&mut cursor)
        .filter(|s| s.kind() == "function_definition")
        .filter_map(|f| f.child_by_field_id(field::NAME))
        .map(|n| text(n, source))
        .collect();
    names.into_iter()
}

/// Calls that make a mutable container when a class body assigns them.
pub(crate) const CLASS_CONTAINER_CALLS: &[&str] = &[
    "dict",
    "list",
    "set",
    "defaultdict",
    "OrderedDict",
    "WeakValueDictionary",
    "WeakKeyDictionary",
];

/// One more place shared state lives.
#[derive(Debug, Clone)]
pub struct SharedState<'t> {
    pub node: Node<'t>,
    pub message: String,
    /// `lru_cache` is reported as a warning: often harmless, sometimes a leak.
    pub warning: bool,
}

/// Class-level mutable caches, hand-made singletons and cached module
/// functions, in source order.
pub fn shared_state<'t>(root: Node<'t>, source: &str) -> Vec<SharedState<'t>> {
    let mut found = Vec::new();
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        let (decorators, definition) = unwrap_decorated(statement);
        match definition.kind() {
            "class_definition" => class_state(definition, source, &decorators, &mut found),
            "function_definition" => {
                if let Some(cache) = decorators.iter().find(|d| is_cache_decorator(**d, source)) {
                    let name = definition
                        .child_by_field_id(field::NAME)
                        .map_or("", |n| text(n, source));
                    found.push(SharedState {
                        node: *cache,
                        message: cached_function_message(name, text(*cache, source)),
                        warning: true,
                    });
                }
            }
            _ => {}
        }
    }
    found
}

fn unwrap_decorated(statement: Node) -> (Vec<Node>, Node) {
    if statement.kind() != "decorated_definition" {
        return (Vec::new(), statement);
    }
    let mut cursor = statement.walk();
    let decorators = statement
        .named_children(&mut cursor)
        .filter(|d| d.kind() == "decorator")
        .collect();
    let definition = statement
        .child_by_field_id(field::DEFINITION)
        .unwrap_or(statement);
    (decorators, definition)
}

fn is_cache_decorator(decorator: Node, source: &str) -> bool {
    is_cache_decorator_text(text(decorator, source))
}

/// Whether a decorator's text (its node's: `@` to the end of the line's
/// comment) names `cache` or `lru_cache`.
pub(crate) fn is_cache_decorator_text(decorator: &str) -> bool {
    let shown = decorator.trim_start_matches('@');
    let callee = shown.split('(').next().unwrap_or(shown).trim();
    matches!(callee.rsplit('.').next(), Some("lru_cache" | "cache"))
}

pub(crate) fn cached_function_message(function: &str, decorator: &str) -> String {
    format!(
        "`{function}` caches results for the whole process (`{}`); a manager can own the cache, or document why a process-wide one is right",
        decorator.trim_start_matches('@')
    )
}

pub(crate) fn class_container_message(class: &str, name: &str) -> String {
    format!(
        "class-level `{class}.{name}` is one mutable object shared by every instance; create it in `__init__` (or annotate it `ClassVar` if sharing is meant)"
    )
}

pub(crate) fn singleton_message(class: &str, name: &str) -> String {
    format!(
        "`{class}` is a hand-made singleton (`{name}`); one instance per application, passed to who needs it, is easier to test"
    )
}

/// The texts whose presence in a class body makes `name = None` a singleton.
pub(crate) fn singleton_assignments(class: &str, name: &str) -> [String; 2] {
    [format!("cls.{name} ="), format!("{class}.{name} =")]
}

/// `_modules: Dict = {}` in a class body (not a dataclass field, not a
/// `ClassVar`-annotated constant), and `_instance = None` that a method
/// assigns through `cls.`: a singleton.
fn class_state<'t>(
    class: Node<'t>,
    source: &str,
    decorators: &[Node],
    found: &mut Vec<SharedState<'t>>,
) {
    let dataclass = decorators
        .iter()
        .any(|d| text(*d, source).contains("dataclass"));
    let Some(body) = class.child_by_field_id(field::BODY) else {
        return;
    };
    let class_name = class
        .child_by_field_id(field::NAME)
        .map_or("", |n| text(n, source));
    let body_text = text(body, source);
    let mut cursor = body.walk();
    for statement in body.named_children(&mut cursor) {
        let Some((assignment, left, right)) = super::metrics::assignment_parts(statement) else {
            continue;
        };
        if left.kind() != "identifier" {
            continue;
        }
        let name = text(left, source);
        let annotation = assignment
            .child_by_field_id(field::TYPE)
            .map_or("", |t| text(t, source));
        let mutable = matches!(
            right.kind(),
            "dictionary"
                | "list"
                | "set"
                | "dictionary_comprehension"
                | "list_comprehension"
                | "set_comprehension"
        ) || (right.kind() == "call"
            && right
                .child_by_field_id(field::FUNCTION)
                .is_some_and(|f| CLASS_CONTAINER_CALLS.contains(&text(f, source))));
        if mutable && !dataclass && !annotation.contains("ClassVar") {
            found.push(SharedState {
                node: statement,
                message: class_container_message(class_name, name),
                warning: false,
            });
        }
        let singleton = right.kind() == "none"
            && singleton_assignments(class_name, name)
                .iter()
                .any(|assigned| body_text.contains(assigned.as_str()));
        if singleton {
            found.push(SharedState {
                node: statement,
                message: singleton_message(class_name, name),
                warning: false,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(code: &str) -> Vec<(String, bool)> {
        let tree = crate::syntax::parse(code);
        shared_state(tree.root_node(), code)
            .into_iter()
            .map(|s| {
                (
                    s.message.split(' ').take(2).collect::<Vec<_>>().join(" "),
                    s.warning,
                )
            })
            .collect()
    }

    #[test]
    fn caches_singletons_and_cached_functions_are_found() {
        let code = "\
import functools
from dataclasses import dataclass, field
class Registry:
    _modules: Dict = {}
    NAMES: ClassVar[list] = []
    _instance = None
    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance
@dataclass
class Row:
    items: list = field(default_factory=list)
@functools.lru_cache(maxsize=None)
def lookup(key):
    return key
def plain():
    pass
";
        let found = messages(code);
        assert_eq!(
            found,
            [
                ("class-level `Registry._modules`".to_string(), false),
                ("`Registry` is".to_string(), false),
                ("`lookup` caches".to_string(), true),
            ]
        );
    }

    #[test]
    fn the_generated_default_manager_and_the_logger_lock_are_allowed() {
        let code = "_default_manager = None\n_default_manager_lock = threading.Lock()\ndef set_default_x_manager(m):\n    pass\n";
        let tree = crate::syntax::parse(code);
        assert!(is_allowed(
            "_default_manager_lock",
            tree.root_node(),
            code,
            &[]
        ));
        assert!(!is_allowed("_cache", tree.root_node(), code, &[]));
        let bare = crate::syntax::parse("_default_manager = None\n");
        assert!(!is_allowed(
            "_default_manager",
            bare.root_node(),
            "_default_manager = None\n",
            &[]
        ));
        assert!(is_allowed(
            "_lock",
            bare.root_node(),
            "",
            &["_logger".to_string()]
        ));
    }
}
