//! Which names a piece of Python code reads and binds in its function's own
//! scope, and the constructs that make it unsafe to move into another
//! function. Lambdas, comprehensions, nested functions and classes have
//! scopes of their own: only their free names count, as reads (and, for the
//! ones that run later, as captures).

use crate::syntax::field;
use std::collections::BTreeSet;

use tree_sitter::Node;

mod scopes;
mod visit;

pub type NameSet<'s> = BTreeSet<&'s str>;

/// Something that ties code to its place in the function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hazard<'s> {
    Yield,
    /// `await`, `async for`, `async with`: the helper would have to be async.
    Await,
    Return,
    /// `break`/`continue` whose loop is outside the collected code.
    EscapingJump(&'static str),
    Global(&'s str),
    Nonlocal(&'s str),
    /// `locals()`, `vars()`, `exec`, `eval`, `dir()`, frame access.
    Dynamic(&'s str),
    /// Zero-argument `super()` or `__class__`: need the method's class cell.
    ClassCell,
    Del(&'s str),
    StarImport,
    Match,
    /// Nested deeper than the analysis goes.
    TooDeep,
}

/// Names and hazards of some code, with the byte offset of every binding and
/// capture so that callers can tell inside a range from outside it.
#[derive(Debug, Default, Clone)]
pub struct Names<'s> {
    pub reads: NameSet<'s>,
    pub writes: Vec<(&'s str, usize)>,
    /// Free names of nested scopes that may run later (lambdas, functions,
    /// classes, generator expressions not consumed on the spot).
    pub captures: Vec<(&'s str, usize)>,
    pub hazards: Vec<(Hazard<'s>, usize)>,
    /// Names bound whole by `x = …`, `import x`, `… as x`: the bindings
    /// pyflakes reports when nothing reads them.
    pub plain_binds: Vec<(&'s str, usize)>,
    /// Where each read is (a nested scope's free names: at the scope).
    pub read_sites: Vec<(&'s str, usize)>,
}

impl<'s> Names<'s> {
    pub fn written(&self) -> NameSet<'s> {
        self.writes.iter().map(|(name, _)| *name).collect()
    }

    pub fn captured(&self) -> NameSet<'s> {
        self.captures.iter().map(|(name, _)| *name).collect()
    }
}

/// Collects the names of `node` (any statement or expression).
pub fn collect<'s>(node: Node, text: &'s str) -> Names<'s> {
    let mut names = Names::default();
    Collector::new(text).visit(node, &mut names);
    names
}

/// Collects the names of consecutive statements.
pub fn collect_all<'s>(nodes: &[Node], text: &'s str) -> Names<'s> {
    let mut names = Names::default();
    for node in nodes {
        Collector::new(text).visit(*node, &mut names);
    }
    names
}

/// The names an assignment target binds, and what it reads (`a[i] = …`).
pub fn target<'s>(node: Node, text: &'s str) -> Names<'s> {
    let mut names = Names::default();
    Collector::new(text).bind(node, &mut names);
    names
}

/// Names a simple statement always binds when it completes normally (its
/// assignment targets and imports; not walrus targets in a branch).
pub fn definite_writes<'s>(statement: Node, text: &'s str) -> NameSet<'s> {
    let mut out = NameSet::new();
    match statement.kind() {
        "expression_statement" => {
            let mut current = statement.named_child(0);
            while let Some(node) = current {
                if !matches!(node.kind(), "assignment" | "augmented_assignment") {
                    break;
                }
                if let Some(left) = node.child_by_field_id(field::LEFT) {
                    let bound = target(left, text);
                    out.extend(bound.writes.iter().map(|(name, _)| *name));
                }
                current = node.child_by_field_id(field::RIGHT);
            }
        }
        "import_statement" | "import_from_statement" => {
            out.extend(collect(statement, text).written());
        }
        _ => {}
    }
    out
}

/// Calls that hand out the caller's frame or namespace.
const DYNAMIC_CALLS: &[&str] = &["locals", "vars", "exec", "eval", "dir", "globals"];
/// Attributes that reach into frames.
const FRAME_ATTRIBUTES: &[&str] = &["_getframe", "currentframe", "f_back", "f_locals", "stack"];
/// Calls that consume a generator expression argument at once.
const EAGER_CONSUMERS: &[&str] = &[
    "sum",
    "any",
    "all",
    "list",
    "tuple",
    "set",
    "frozenset",
    "dict",
    "sorted",
    "min",
    "max",
    "join",
];

struct Collector<'s> {
    text: &'s str,
    /// Loops entered inside the collected code: jumps inside them stay inside.
    loops: usize,
    /// Nesting of the walk: deeper code is not analysed (the stack is finite).
    depth: usize,
}

/// Deeper than this the code is reported as not analysed (`Hazard::TooDeep`).
const MAX_DEPTH: usize = 200;

impl<'s> Collector<'s> {
    fn new(text: &'s str) -> Self {
        Collector {
            text,
            loops: 0,
            depth: 0,
        }
    }

    /// A collector for a nested scope, at the same depth.
    fn nested(&self) -> Self {
        Collector {
            text: self.text,
            loops: 0,
            depth: self.depth,
        }
    }

    fn text_of(&self, node: Node) -> &'s str {
        &self.text[node.byte_range()]
    }

    fn hazard(&self, names: &mut Names<'s>, hazard: Hazard<'s>, node: Node) {
        names.hazards.push((hazard, node.start_byte()));
    }

    fn visit_children(&mut self, node: Node, names: &mut Names<'s>) {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            self.visit(child, names);
        }
    }

    fn visit_field(&mut self, node: Node, field: u16, names: &mut Names<'s>) {
        if let Some(child) = node.child_by_field_id(field) {
            self.visit(child, names);
        }
    }

    fn visit(&mut self, node: Node, names: &mut Names<'s>) {
        if self.depth > MAX_DEPTH {
            self.hazard(names, Hazard::TooDeep, node);
            return;
        }
        self.depth += 1;
        self.visit_kind(node, names);
        self.depth -= 1;
    }
}

/// The target of `except E as name:` (a field or inside an `as_pattern`).
pub fn except_alias(handler: Node) -> Option<Node> {
    handler.child_by_field_id(field::ALIAS).or_else(|| {
        let value = handler.child_by_field_id(field::VALUE)?;
        (value.kind() == "as_pattern").then(|| value.child_by_field_id(field::ALIAS))?
    })
}

/// Whether a `for`/`with`/`def` is the `async` form.
pub fn is_async(node: Node) -> bool {
    node.child(0).is_some_and(|first| first.kind() == "async")
}

/// The name a parameter binds (`x`, `x: int`, `x=1`, `*args`, `**kw`).
pub fn parameter_name(parameter: Node) -> Option<Node> {
    match parameter.kind() {
        "identifier" => Some(parameter),
        "default_parameter" | "typed_default_parameter" => parameter
            .child_by_field_id(field::NAME)
            .filter(|n| n.kind() == "identifier"),
        "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => {
            let first = parameter.named_child(0)?;
            if first.kind() == "identifier" {
                Some(first)
            } else {
                parameter_name(first)
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn names_of(code: &str) -> (Vec<String>, Vec<String>, Vec<String>, Vec<String>) {
        let tree = parse(code);
        let root = tree.root_node();
        let mut cursor = root.walk();
        let statements: Vec<Node> = root.named_children(&mut cursor).collect();
        let names = collect_all(&statements, code);
        let mut writes: Vec<String> = names.written().iter().map(|s| s.to_string()).collect();
        writes.sort();
        let captures: Vec<String> = names.captured().iter().map(|s| s.to_string()).collect();
        let hazards = names
            .hazards
            .iter()
            .map(|(h, _)| format!("{h:?}"))
            .collect();
        (
            names.reads.iter().map(|s| s.to_string()).collect(),
            writes,
            captures,
            hazards,
        )
    }

    #[test]
    fn assignment_reads_right_and_binds_left() {
        let (reads, writes, _, _) = names_of("a, self.b[i] = f(x), y\n");
        assert_eq!(reads, ["f", "i", "self", "x", "y"]);
        assert_eq!(writes, ["a"]);
    }

    #[test]
    fn comprehension_variables_are_not_reads_but_walrus_binds_outside() {
        let (reads, writes, captures, _) = names_of("r = [y := f(v) for v in items if v > k]\n");
        assert_eq!(reads, ["f", "items", "k"]);
        assert_eq!(writes, ["r", "y"]);
        assert!(captures.is_empty());
    }

    #[test]
    fn lazy_generators_and_lambdas_capture_eager_ones_do_not() {
        let (_, _, captures, _) =
            names_of("g = (v * k for v in xs)\nt = sum(v * m for v in xs)\nh = lambda a: a + n\n");
        assert_eq!(captures, ["k", "n"]);
    }

    #[test]
    fn nested_function_free_names_are_captured_and_its_name_bound() {
        let (reads, writes, captures, _) =
            names_of("def inner(a, b=d):\n    c = a + e\n    return c\n");
        assert_eq!(reads, ["d", "e"]);
        assert_eq!(writes, ["inner"]);
        assert_eq!(captures, ["e"]);
    }

    #[test]
    fn hazards_are_found_with_jumps_only_when_they_escape() {
        let code =
            "for i in x:\n    break\ncontinue\nyield 1\nlocals()\nsuper().f()\ndel a\nglobal g\n";
        let (_, _, _, hazards) = names_of(code);
        assert_eq!(
            hazards,
            [
                "EscapingJump(\"continue\")",
                "Yield",
                "Dynamic(\"locals\")",
                "ClassCell",
                "Del(\"a\")",
                "Global(\"g\")"
            ]
        );
    }

    #[test]
    fn format_specs_and_del_read_their_names() {
        let (reads, writes, _, _) = names_of("s = f'{n:{len(str(width))}d}'\ndel old\n");
        assert_eq!(reads, ["len", "n", "old", "str", "width"]);
        assert_eq!(writes, ["old", "s"]);
    }

    #[test]
    fn long_assignment_chains_are_walked_without_recursion() {
        let chain: String = (0..2000).map(|i| format!("a{i} = ")).collect();
        let code = format!("{chain}None\n");
        let (_, writes, _, hazards) = names_of(&code);
        assert_eq!(writes.len(), 2000);
        assert!(hazards.is_empty());
    }

    #[test]
    fn code_nested_deeper_than_the_analysis_goes_is_a_hazard() {
        let code = format!("x = {}1{}\n", "(".repeat(400), ")".repeat(400));
        let (_, _, _, hazards) = names_of(&code);
        assert!(hazards.contains(&"TooDeep".to_string()), "{hazards:?}");
    }

    #[test]
    fn definite_writes_are_assignment_targets_not_walrus() {
        let code = "a = b = (c := 1)\n";
        let tree = parse(code);
        let statement = tree.root_node().named_child(0).unwrap();
        let writes: Vec<&str> = definite_writes(statement, code).into_iter().collect();
        assert_eq!(writes, ["a", "b"]);
    }
}
