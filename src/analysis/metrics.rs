//! Facts the plan's assessment and validation suite ask for, beyond what
//! rules rewrite: function lengths (as Python's `ast` counts them), global
//! mutable state, exits and where they are allowed, soft-fail lookups,
//! thread-local storage and dataclass/`__slots__` conflicts.

use crate::syntax::field;
use tree_sitter::Node;

use super::provenance::{FileFacts, NameMatcher, Provenance};
use crate::syntax::{
    KindSet, KindTable, STATEMENT_CONTAINERS, opens_call, spans_any, walk_pruned, word_positions,
};

fn text<'s>(node: Node, source: &'s str) -> &'s str {
    &source[node.byte_range()]
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

fn function_length<'t>(node: Node<'t>, source: &str) -> FunctionLength<'t> {
    let name = node
        .child_by_field_id(field::NAME)
        .map_or("", |n| text(n, source))
        .to_string();
    FunctionLength {
        node,
        name,
        lines: last_code_row(node) - node.start_position().row,
    }
}

/// Row of the last token that is not a comment: down the last child that
/// is neither a comment nor empty, stopping at a string (it is one token).
pub fn last_code_row(node: Node) -> usize {
    let mut cursor = node.walk();
    loop {
        if !cursor.goto_last_child() {
            return cursor.node().end_position().row;
        }
        while cursor.node().is_extra() || cursor.node().byte_range().is_empty() {
            if !cursor.goto_previous_sibling() {
                cursor.goto_parent();
                return cursor.node().end_position().row;
            }
        }
        if cursor.node().kind() == "string" {
            return cursor.node().end_position().row;
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

pub(crate) fn is_exempt_name(name: &str) -> bool {
    let upper = name
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    upper
        || name == "__all__"
        || name.starts_with("__")
        || name.to_ascii_lowercase().contains("logger")
}

/// Whether a module-level call of `last` (the callee's last dotted
/// segment) makes a mutable instance: a class or a mutable container, not
/// a logger, an immutable value or a lowercase factory.
pub(crate) fn is_instance_callee(last: &str) -> bool {
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
    let container = matches!(
        last,
        "dict" | "list" | "set" | "defaultdict" | "local" | "deque"
    );
    !immutable && (container || !last.starts_with(char::is_lowercase))
}

/// Why a module-level call `shown` (the value's text) holds state.
pub(crate) fn instance_why(shown: &str) -> String {
    format!(
        "an instance ({})",
        shown.split('(').next().unwrap_or(shown).trim()
    )
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
                .child_by_field_id(field::FUNCTION)
                .map_or("", |f| text(f, source));
            let last = callee.rsplit('.').next().unwrap_or(callee);
            return is_instance_callee(last).then(|| instance_why(shown));
        }
        _ => return None,
    };
    Some(what.to_string())
}

/// `target = value` as a statement: (the assignment, its target, its value).
pub fn assignment_parts(statement: Node) -> Option<(Node, Node, Node)> {
    let assignment = statement
        .named_child(0)
        .filter(|a| statement.kind() == "expression_statement" && a.kind() == "assignment")?;
    let left = assignment.child_by_field_id(field::LEFT)?;
    let right = assignment.child_by_field_id(field::RIGHT)?;
    Some((assignment, left, right))
}

/// Module-level assignments of mutable objects (instances, dicts, lists,
/// sets, caches, locks) and names rebound with `global` (`globals`, from the
/// census), except loggers, UPPER_CASE constants, dunder names and type aliases.
pub fn global_state<'t>(root: Node<'t>, source: &str, globals: &[String]) -> Vec<GlobalState<'t>> {
    let mut found = Vec::new();
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        let Some((assignment, left, right)) = assignment_parts(statement) else {
            continue;
        };
        let name = text(left, source);
        if left.kind() != "identifier" || is_exempt_name(name) || is_type_alias(assignment, source)
        {
            continue;
        }
        let why = mutable_value(right, source).or_else(|| rebound_why(name, globals));
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

/// Why a module-level name holds state when its value is not mutable:
/// a function rebinds it with `global`.
pub(crate) fn rebound_why(name: &str, globals: &[String]) -> Option<String> {
    globals
        .iter()
        .any(|g| g == name)
        .then(|| "rebound with `global` in a function".to_string())
}

fn is_type_alias(assignment: Node, source: &str) -> bool {
    assignment
        .child_by_field_id(field::TYPE)
        .is_some_and(|t| text(t, source).contains("TypeAlias"))
}

/// An exit (`sys.exit`, `exit`, `quit`, `raise SystemExit`) and, when it is
/// allowed, why.
#[derive(Debug, Clone)]
pub struct ExitSite<'t> {
    pub node: Node<'t>,
    pub allowed: Option<&'static str>,
}

fn exit_site<'t>(node: Node<'t>, source: &str, entry_point: bool) -> ExitSite<'t> {
    let allowed = if entry_point {
        Some("entry point")
    } else {
        allowed_context(node, source)
    };
    ExitSite { node, allowed }
}

fn allowed_context(node: Node, source: &str) -> Option<&'static str> {
    let mut current = node.parent();
    while let Some(ancestor) = current {
        if ancestor.kind() == "function_definition"
            && ancestor
                .child_by_field_id(field::NAME)
                .is_some_and(|n| text(n, source) == "main")
        {
            return Some("main()");
        }
        if ancestor.kind() == "if_statement"
            && ancestor
                .child_by_field_id(field::CONDITION)
                .is_some_and(|c| text(c, source).contains("__name__"))
        {
            return Some("__main__ block");
        }
        current = ancestor.parent();
    }
    None
}

/// Those of the census's `.get(...)` calls whose receiver holds configuration.
pub fn soft_fail_lookups<'t>(get_calls: &[Node<'t>], facts: &FileFacts) -> Vec<Node<'t>> {
    get_calls
        .iter()
        .copied()
        .filter(|call| {
            let receiver = call
                .child_by_field_id(field::FUNCTION)
                .and_then(|f| f.child_by_field_id(field::OBJECT));
            receiver.is_some_and(|r| {
                matches!(
                    facts.provenance_of(r),
                    Some(Provenance::Config | Provenance::DefaultedConfig)
                )
            })
        })
        .collect()
}

/// Whether `.get(key, default)` passes its caller's default through: the
/// default is a parameter of the enclosing function, as in a public
/// `def get(self, key, default=None): return self._config.get(key, default)`.
/// Phase 1 leaves these: the caller chose to allow a missing key. Returns
/// the default's name and the function's.
pub fn caller_default<'s>(call: Node, source: &'s str) -> Option<(&'s str, &'s str)> {
    let arguments = call.child_by_field_id(field::ARGUMENTS)?;
    let mut cursor = arguments.walk();
    let values: Vec<Node> = arguments
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .collect();
    let [_, default] = values.as_slice() else {
        return None;
    };
    (default.kind() == "identifier").then_some(())?;
    let function = super::exits::enclosing_function(call)?;
    let name = &source[default.byte_range()];
    super::provenance::parameter_names(function, source)
        .contains(name)
        .then_some(())?;
    let function_name = function.child_by_field_id(field::NAME)?;
    Some((name, &source[function_name.byte_range()]))
}

fn is_dataclass_with_defaults(node: Node, source: &str) -> bool {
    let is_dataclass = {
        let mut cursor = node.walk();
        node.named_children(&mut cursor)
            .any(|d| d.kind() == "decorator" && text(d, source).contains("dataclass"))
    };
    let class = node
        .child_by_field_id(field::DEFINITION)
        .filter(|d| d.kind() == "class_definition");
    let has_default = class
        .and_then(|c| c.child_by_field_id(field::BODY))
        .is_some_and(|body| {
            let mut cursor = body.walk();
            body.named_children(&mut cursor).any(|s| {
                s.named_child(0).is_some_and(|a| {
                    a.kind() == "assignment" && a.child_by_field_id(field::RIGHT).is_some()
                })
            })
        });
    is_dataclass && has_default
}

/// Everything the audit needs from one walk over a file's tree.
#[derive(Debug, Default)]
pub struct Census<'t> {
    pub functions: Vec<FunctionLength<'t>>,
    pub exits: Vec<ExitSite<'t>>,
    /// `.get(...)` calls on an attribute; [`soft_fail_lookups`] keeps those
    /// whose receiver holds configuration.
    pub get_calls: Vec<Node<'t>>,
    /// `threading.local()`: thread-local storage that can leak with dead threads.
    pub thread_locals: Vec<Node<'t>>,
    /// `@dataclass` classes with field defaults, which cannot simply gain `__slots__`.
    pub dataclass_defaults: Vec<Node<'t>>,
    /// Identifiers named like a validation escape hatch.
    pub escape_hatches: Vec<Node<'t>>,
    /// Names rebound with `global` somewhere in the file.
    pub global_names: Vec<String>,
}

/// The node kinds the census looks at, as canonical ids.
struct CensusKinds {
    call: Option<u16>,
    raise: Option<u16>,
    function: Option<u16>,
    decorated: Option<u16>,
    global: Option<u16>,
    identifier: Option<u16>,
    /// Nodes whose children include statements.
    statement_containers: KindSet,
}

impl CensusKinds {
    /// Containers, and anything error recovery touched: it can wrap whole
    /// classes in an ERROR node (seen in the stdlib's test_compile.py).
    fn may_hold_statements(&self, node: Node) -> bool {
        node.has_error() || self.statement_containers.contains(node)
    }

    fn new(kinds: &KindTable) -> Self {
        CensusKinds {
            call: kinds.id_of_name("call"),
            raise: kinds.id_of_name("raise_statement"),
            function: kinds.id_of_name("function_definition"),
            decorated: kinds.id_of_name("decorated_definition"),
            global: kinds.id_of_name("global_statement"),
            identifier: kinds.id_of_name("identifier"),
            statement_containers: KindSet::new(kinds, STATEMENT_CONTAINERS),
        }
    }
}

/// Names whose calls the census looks for inside expressions: exits
/// (`sys.exit`, `exit`, `quit`, `os._exit`) and `threading.local()`.
const CALLED_NAMES: &[&str] = &["exit", "quit", "_exit", "local"];

/// Where in the text the census must look inside expressions, sorted:
/// only calls and identifiers live there, and a subtree holding none of the
/// calls it counts (nor `get(` with a config name, nor an escape-hatch name)
/// has none worth finding. Functions, raises, globals and decorators are
/// statements and are found without these.
fn expression_spots(source: &str, config_names: &NameMatcher) -> Vec<usize> {
    let bytes = source.as_bytes();
    let mut spots: Vec<usize> = CALLED_NAMES
        .iter()
        .flat_map(|name| called_at(bytes, name))
        .collect();
    for name in ["validate_config", "no_validation"] {
        spots.extend(memchr::memmem::find_iter(bytes, name.as_bytes()));
    }
    if config_names.may_appear_in(source) {
        spots.extend(called_at(bytes, "get"));
    }
    spots.sort_unstable();
    spots
}

/// Where `name` occurs as a whole word followed by `(`, allowing any
/// whitespace, line continuations and comments in between.
fn called_at<'a>(text: &'a [u8], name: &'a str) -> impl Iterator<Item = usize> + 'a {
    word_positions(text, name).filter(move |&at| opens_call(&text[at + name.len()..]))
}

#[cfg(test)]
fn is_called_in(text: &[u8], name: &str) -> bool {
    called_at(text, name).next().is_some()
}

/// Walks the tree once, dispatching each node by kind id; inside
/// expressions only where the text says they can matter. `entry_point`
/// files may exit anywhere.
pub fn census<'t>(
    root: Node<'t>,
    source: &str,
    entry_point: bool,
    kinds: &KindTable,
    config_names: &NameMatcher,
) -> Census<'t> {
    let ids = CensusKinds::new(kinds);
    let spots = expression_spots(source, config_names);
    let descend = |node: Node| ids.may_hold_statements(node) || spans_any(node, &spots);
    let mut census = Census::default();
    walk_pruned(root, descend, |node| {
        let kind = Some(kinds.of(node));
        if kind == ids.call {
            census.visit_call(node, source, entry_point);
        } else if kind == ids.raise {
            let raises_exit = node
                .named_child(0)
                .is_some_and(|e| text(e, source).starts_with("SystemExit"));
            if raises_exit {
                census.exits.push(exit_site(node, source, entry_point));
            }
        } else if kind == ids.function {
            census.functions.push(function_length(node, source));
        } else if kind == ids.decorated {
            if is_dataclass_with_defaults(node, source) {
                census.dataclass_defaults.push(node);
            }
        } else if kind == ids.global {
            let mut cursor = node.walk();
            let names = node.named_children(&mut cursor);
            census
                .global_names
                .extend(names.map(|n| text(n, source).to_string()));
        } else if kind == ids.identifier
            && matches!(text(node, source), "validate_config" | "no_validation")
        {
            census.escape_hatches.push(node);
        }
    });
    census
}

impl<'t> Census<'t> {
    fn visit_call(&mut self, node: Node<'t>, source: &str, entry_point: bool) {
        let Some(function) = node.child_by_field_id(field::FUNCTION) else {
            return;
        };
        match text(function, source) {
            "sys.exit" | "exit" | "quit" | "os._exit" => {
                self.exits.push(exit_site(node, source, entry_point));
            }
            "threading.local" | "local" => self.thread_locals.push(node),
            _ => {}
        }
        let is_get = function.kind() == "attribute"
            && function
                .child_by_field_id(field::ATTRIBUTE)
                .is_some_and(|a| text(a, source) == "get");
        if is_get {
            self.get_calls.push(node);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax;

    fn census_of(source: &str, entry_point: bool, check: impl FnOnce(Node, Census)) {
        let tree = syntax::parse(source);
        let root = tree.root_node();
        let defaults = crate::project::Settings::default().config_names;
        let names = NameMatcher::new(&defaults).unwrap();
        check(
            root,
            census(root, source, entry_point, &KindTable::new(), &names),
        );
    }

    #[test]
    fn only_a_parameter_default_is_the_callers() {
        let source = "def get(self, key, default=None):\n    return self._config.get(key, default)\n\ndef f(self):\n    fallback = 1\n    a = self._config.get(\"a\", fallback)\n    b = self._config.get(\"b\", 2)\n";
        census_of(source, false, |_, census| {
            let found: Vec<Option<(&str, &str)>> = census
                .get_calls
                .iter()
                .map(|call| caller_default(*call, source))
                .collect();
            assert_eq!(found, [Some(("default", "get")), None, None]);
        });
    }

    #[test]
    fn function_length_matches_python_ast() {
        let source = "@deco\ndef f():\n    x = 1\n\n    return '''a\nb'''\n    # trailing comment\n\ndef g(): pass\ndef h():\n    if x:\n        y = (1,\n             2)  # c\n        # d\n    # e\n";
        census_of(source, false, |_, census| {
            let lengths: Vec<(String, usize)> = census
                .functions
                .into_iter()
                .map(|f| (f.name, f.lines))
                .collect();
            assert_eq!(
                lengths,
                [
                    ("f".to_string(), 4),
                    ("g".to_string(), 0),
                    ("h".to_string(), 3)
                ]
            );
        });
    }

    #[test]
    fn global_state_excludes_loggers_constants_and_aliases() {
        let source = "import threading\nlogger = logging.getLogger(__name__)\nMAX = {}\n__all__ = ['x']\n_cache = {}\n_lock = threading.Lock()\n_client = Client(cache=True)\nJsonDict: TypeAlias = Dict[str, Any]\n_state = None\ndef reset():\n    global _state\n    _state = 1\nname = 'x'\n";
        census_of(source, false, |root, census| {
            let names: Vec<String> = global_state(root, source, &census.global_names)
                .into_iter()
                .map(|g| g.name)
                .collect();
            assert_eq!(names, ["_cache", "_lock", "_client", "_state"]);
        });
    }

    #[test]
    fn exits_are_allowed_in_main_and_entry_points() {
        let source = "import sys\ndef f():\n    sys.exit(1)\ndef main():\n    sys.exit(2)\nif __name__ == '__main__':\n    raise SystemExit(main())\n";
        census_of(source, false, |_, census| {
            let allowed: Vec<Option<&str>> = census.exits.iter().map(|e| e.allowed).collect();
            assert_eq!(allowed, [None, Some("main()"), Some("__main__ block")]);
        });
        census_of(source, true, |_, census| {
            assert_eq!(census.exits.len(), 3);
            assert!(
                census
                    .exits
                    .iter()
                    .all(|e| e.allowed == Some("entry point"))
            );
        });
    }

    #[test]
    fn thread_locals_and_dataclass_defaults() {
        let source = "import threading\nclass S:\n    def __init__(self):\n        self._local = threading.local()\n@dataclass\nclass R:\n    items: list = field(default_factory=list)\n@dataclass\nclass Plain:\n    name: str\n";
        census_of(source, false, |_, census| {
            assert_eq!(census.thread_locals.len(), 1);
            assert_eq!(census.dataclass_defaults.len(), 1);
        });
    }

    #[test]
    fn get_calls_and_escape_hatches_are_collected() {
        let source = "def f(config, validate_config=True):\n    a = config.get('x', 1)\n    b = headers.get('y')\n    return get('z')\n";
        census_of(source, false, |_, census| {
            let calls: Vec<usize> = census
                .get_calls
                .iter()
                .map(|c| c.start_position().row + 1)
                .collect();
            assert_eq!(calls, [2, 3]);
            assert_eq!(census.escape_hatches.len(), 1);
        });
    }

    #[test]
    fn calls_are_found_across_layout() {
        assert!(is_called_in(b"sys.exit(1)", "exit"));
        assert!(is_called_in(b"f(exit  # why\n  (1))", "exit"));
        assert!(is_called_in(b"x = local \\\n()", "local"));
        assert!(!is_called_in(
            b"def __exit__(self): atexit.register(f)",
            "exit"
        ));
        assert!(!is_called_in(b"locale.setlocale(x)", "local"));
        assert!(!is_called_in(b"exit = 1", "exit"));
    }

    #[test]
    fn statements_are_found_without_looking_into_expressions() {
        // No exit, local, escape-hatch word or config name: statements only.
        let source = "@dataclass\nclass R:\n    items: list = field(default_factory=list)\n    def f(self):\n        global _state\n        if x:\n            raise SystemExit(2)\n        return [y.get(1) for y in z]\n";
        let names = NameMatcher::new(&["cfg".to_string()]).unwrap();
        assert!(expression_spots(source, &names).is_empty());
        census_of(source, false, |_, census| {
            assert_eq!(census.functions.len(), 1);
            assert_eq!(census.exits.len(), 1);
            assert_eq!(census.dataclass_defaults.len(), 1);
            assert_eq!(census.global_names, ["_state"]);
            assert!(census.get_calls.is_empty());
        });
    }

    #[test]
    fn only_subtrees_with_a_counted_call_are_entered() {
        let source = "x = [f(a) for a in b]\ny = g(h(1), sys.exit(2))\n";
        let names = NameMatcher::new(&["cfg".to_string()]).unwrap();
        let spots = expression_spots(source, &names);
        assert_eq!(spots, [source.find("exit").unwrap()]);
        let tree = syntax::parse(source);
        let first = tree.root_node().named_child(0).unwrap();
        let second = tree.root_node().named_child(1).unwrap();
        assert!(!spans_any(first, &spots));
        assert!(spans_any(second, &spots));
        census_of(source, false, |_, census| {
            assert_eq!(census.exits.len(), 1);
        });
    }

    #[test]
    fn error_nodes_are_entered_even_without_expressions() {
        let kinds = KindTable::new();
        let ids = CensusKinds::new(&kinds);
        let tree = syntax::parse("@\nclass A:\n    pass\n");
        let error = tree.root_node().named_child(0).unwrap();
        assert!(error.is_error());
        assert!(ids.may_hold_statements(error));
        let tree = syntax::parse("x = f(1)\n");
        let statement = tree.root_node().named_child(0).unwrap();
        assert!(!ids.may_hold_statements(statement));
        assert!(ids.may_hold_statements(tree.root_node()));
    }
}
