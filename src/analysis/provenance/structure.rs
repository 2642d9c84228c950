//! The one cursor walk that gathers what provenance analysis reads.

use std::collections::HashMap;

use tree_sitter::Node;

use crate::syntax::{
    KindSet, KindTable, STATEMENT_CONTAINERS, spans_any, walk_pruned, word_positions,
};

/// What the analysis needs from the tree, gathered in one cursor walk:
/// functions, the assignments and loops of each scope (module or function;
/// class bodies and lambdas excluded), and `add_argument(...)` calls.
pub(super) struct Structure<'t> {
    pub(super) functions: Vec<Node<'t>>,
    pub(super) classes: Vec<Node<'t>>,
    pub(super) assignments: HashMap<usize, Vec<Node<'t>>>,
    pub(super) add_argument_calls: Vec<Node<'t>>,
}

impl<'t> Structure<'t> {
    pub(super) fn collect(root: Node<'t>, source: &str, kinds: &KindTable) -> Self {
        let with_calls = source.contains("add_argument");
        let descend = Structure::descend_where(source, kinds, with_calls);
        Structure::collect_entering(root, with_calls, descend)
    }

    pub(super) fn collect_entering(
        root: Node<'t>,
        with_calls: bool,
        descend: impl Fn(Node) -> bool,
    ) -> Self {
        let mut structure = Structure {
            functions: Vec::new(),
            classes: Vec::new(),
            assignments: HashMap::new(),
            add_argument_calls: Vec::new(),
        };
        // Open scopes as (end byte, scope id); `None` marks a class body or
        // lambda, whose assignments belong to no function scope.
        let mut open: Vec<(usize, Option<usize>)> = vec![(usize::MAX, Some(root.id()))];
        walk_pruned(root, descend, |node| {
            while open
                .last()
                .is_some_and(|(end, _)| node.start_byte() >= *end)
            {
                open.pop();
            }
            structure.visit(node, &mut open, with_calls);
        });
        structure
    }

    /// Which nodes the walk enters: statements and assignments (chained
    /// ones nest), and expressions only where the text holds a `for`
    /// (comprehension loops bind names), a `lambda` (a scope) or, when
    /// wanted, an `add_argument` call. Everything else it collects is a
    /// statement.
    fn descend_where(source: &str, kinds: &KindTable, with_calls: bool) -> impl Fn(Node) -> bool {
        let mut entered: Vec<&str> = STATEMENT_CONTAINERS.to_vec();
        entered.extend(["expression_statement", "assignment"]);
        let entered = KindSet::new(kinds, &entered);
        let bytes = source.as_bytes();
        let mut spots: Vec<usize> = word_positions(bytes, "for")
            .chain(word_positions(bytes, "lambda"))
            .collect();
        if with_calls {
            spots.extend(memchr::memmem::find_iter(bytes, b"add_argument"));
        }
        spots.sort_unstable();
        move |node| node.has_error() || entered.contains(node) || spans_any(node, &spots)
    }

    fn visit(&mut self, node: Node<'t>, open: &mut Vec<(usize, Option<usize>)>, with_calls: bool) {
        match node.kind() {
            "function_definition" => {
                self.functions.push(node);
                open.push((node.end_byte(), Some(node.id())));
            }
            "class_definition" => {
                self.classes.push(node);
                open.push((node.end_byte(), None));
            }
            "lambda" => open.push((node.end_byte(), None)),
            "assignment" | "for_statement" | "for_in_clause" => {
                if let Some((_, Some(scope))) = open.last() {
                    self.assignments.entry(*scope).or_default().push(node);
                }
            }
            "call" if with_calls => self.add_argument_calls.push(node),
            _ => {}
        }
    }
}
