//! Structural matching of a compiled [`Pattern`] against a tree-sitter node.
//! Comments, line continuations and implied punctuation are ignored; a name
//! bound twice must match the same source text both times.

use tree_sitter::Node;

use super::compile::{MetaVar, Pattern, PatternNode};
use crate::syntax::{self, KindTable};

/// What a metavariable captured.
#[derive(Debug, Clone)]
pub enum Captured<'t> {
    Node(Node<'t>),
    /// A possibly empty run of siblings.
    Nodes(Vec<Node<'t>>),
    /// Text derived from another capture (a regex group in `where`).
    Text(String),
}

impl<'t> Captured<'t> {
    /// Byte range in the source, `None` for an empty sequence.
    pub fn byte_range(&self) -> Option<std::ops::Range<usize>> {
        match self {
            Captured::Node(node) => Some(node.byte_range()),
            Captured::Nodes(nodes) => {
                let first = nodes.first()?;
                let last = nodes.last()?;
                Some(first.start_byte()..last.end_byte())
            }
            Captured::Text(_) => None,
        }
    }

    pub fn text<'s>(&'s self, source: &'s str) -> &'s str {
        match self {
            Captured::Text(text) => text,
            _ => self.byte_range().map_or("", |range| &source[range]),
        }
    }

    /// The nodes captured, one or many.
    pub fn nodes(&self) -> Vec<Node<'t>> {
        match self {
            Captured::Node(node) => vec![*node],
            Captured::Nodes(nodes) => nodes.clone(),
            Captured::Text(_) => Vec::new(),
        }
    }
}

/// Metavariable bindings of one match, in binding order.
#[derive(Debug, Clone, Default)]
pub struct Bindings<'t> {
    entries: Vec<(String, Captured<'t>)>,
}

impl<'t> Bindings<'t> {
    pub fn get(&self, name: &str) -> Option<&Captured<'t>> {
        self.entries
            .iter()
            .find(|(bound, _)| bound == name)
            .map(|(_, captured)| captured)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Captured<'t>)> {
        self.entries
            .iter()
            .map(|(name, captured)| (name.as_str(), captured))
    }

    pub fn insert(&mut self, name: &str, captured: Captured<'t>) {
        self.entries.push((name.to_string(), captured));
    }

    pub fn mark(&self) -> usize {
        self.entries.len()
    }

    pub fn reset(&mut self, mark: usize) {
        self.entries.truncate(mark);
    }

    /// Binds `var`, or checks it against an earlier binding of the same name.
    fn bind(&mut self, var: &MetaVar, captured: Captured<'t>, source: &str) -> bool {
        let Some(name) = &var.name else {
            return true;
        };
        match self.get(name) {
            Some(earlier) => {
                let (a, b) = (earlier.nodes(), captured.nodes());
                a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| same_tree(*x, *y, source))
            }
            None => {
                self.insert(name, captured);
                true
            }
        }
    }
}

/// Structural equality: same kinds and token texts, ignoring comments and
/// layout, so `f(a,b)` and `f(a, b)` count as the same expression.
fn same_tree(a: Node, b: Node, source: &str) -> bool {
    if a.kind_id() != b.kind_id() {
        return false;
    }
    let (left, right) = (
        syntax::significant_children(a),
        syntax::significant_children(b),
    );
    if left.is_empty() || right.is_empty() || a.kind() == "string" {
        return source[a.byte_range()] == source[b.byte_range()];
    }
    left.len() == right.len()
        && left
            .iter()
            .zip(&right)
            .all(|(x, y)| same_tree(*x, *y, source))
}

/// Matches patterns against nodes of one source text.
pub struct Matcher<'a> {
    pub source: &'a str,
    pub kinds: &'a KindTable,
}

impl<'a> Matcher<'a> {
    pub fn new(source: &'a str, kinds: &'a KindTable) -> Self {
        Matcher { source, kinds }
    }

    /// Whether `node` has the pattern's anchor token where the pattern has
    /// it: a necessary condition for a match, checked without allocating.
    fn anchor_holds(&self, pattern: &Pattern, node: Node) -> bool {
        let Some(anchor) = &pattern.anchor else {
            return true;
        };
        let mut current = node;
        for &index in &anchor.path {
            match self.kinds.nth_significant_child(current, index) {
                Some(child) => current = child,
                None => return false,
            }
        }
        self.kinds.of(current) == anchor.kind && self.source[current.byte_range()] == anchor.text
    }

    /// Matches `pattern` at exactly `node` (not its descendants).
    pub fn match_at<'t>(&self, pattern: &Pattern, node: Node<'t>) -> Option<Bindings<'t>> {
        if !self.anchor_holds(pattern, node) {
            return None;
        }
        let mut bindings = Bindings::default();
        self.match_node(&pattern.root, node, &mut bindings)
            .then_some(bindings)
    }

    /// Like [`Self::match_at`], extending existing bindings (for relational
    /// filters whose patterns share names with the main pattern).
    pub fn match_with<'t>(
        &self,
        pattern: &Pattern,
        node: Node<'t>,
        bindings: &mut Bindings<'t>,
    ) -> bool {
        if !self.anchor_holds(pattern, node) {
            return false;
        }
        let mark = bindings.mark();
        let matched = self.match_node(&pattern.root, node, bindings);
        if !matched {
            bindings.reset(mark);
        }
        matched
    }

    fn match_node<'t>(
        &self,
        pattern: &PatternNode,
        node: Node<'t>,
        env: &mut Bindings<'t>,
    ) -> bool {
        match pattern {
            PatternNode::Single(var) | PatternNode::Multi(var) => {
                env.bind(var, Captured::Node(node), self.source)
            }
            PatternNode::Leaf { kind, text } => {
                self.kinds.of(node) == *kind && self.source[node.byte_range()] == **text
            }
            PatternNode::Inner { kind, children } => {
                self.kinds.of(node) == *kind
                    && self.match_sequence(children, &self.kinds.significant_children(node), env)
            }
        }
    }

    fn match_sequence<'t>(
        &self,
        patterns: &[PatternNode],
        nodes: &[Node<'t>],
        env: &mut Bindings<'t>,
    ) -> bool {
        let Some((first, rest)) = patterns.split_first() else {
            return nodes.is_empty();
        };
        let mark = env.mark();
        if let PatternNode::Multi(var) = first {
            // Shortest run first; backtrack to longer runs on failure.
            for taken in 0..=nodes.len() {
                let run = Captured::Nodes(nodes[..taken].to_vec());
                if env.bind(var, run, self.source)
                    && self.match_sequence(rest, &nodes[taken..], env)
                {
                    return true;
                }
                env.reset(mark);
            }
            return false;
        }
        let Some((node, others)) = nodes.split_first() else {
            return false;
        };
        if self.match_node(first, *node, env) && self.match_sequence(rest, others, env) {
            return true;
        }
        env.reset(mark);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::compile::compile;

    /// All matches of `pattern` in `source`, as the text of each match and
    /// its bindings rendered `NAME=text`.
    fn find_all(pattern: &str, source: &str) -> Vec<(String, Vec<String>)> {
        let kinds = KindTable::new();
        let pattern = compile(pattern, &kinds).unwrap();
        let tree = syntax::parse(source);
        let matcher = Matcher::new(source, &kinds);
        let mut found = Vec::new();
        let mut stack = vec![tree.root_node()];
        while let Some(node) = stack.pop() {
            if let Some(env) = matcher.match_at(&pattern, node) {
                let bound = env
                    .iter()
                    .map(|(name, captured)| format!("{name}={}", captured.text(source)))
                    .collect();
                found.push((source[node.byte_range()].to_string(), bound));
            }
            let mut cursor = node.walk();
            let children: Vec<_> = node.children(&mut cursor).collect();
            stack.extend(children.into_iter().rev());
        }
        found
    }

    #[test]
    fn single_metavariables_capture_any_expression() {
        let found = find_all("$X.get($K, $D)", "v = self.cfg.get('a', {'b': 1})\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1, ["X=self.cfg", "K='a'", "D={'b': 1}"]);
    }

    #[test]
    fn argument_count_must_agree() {
        assert!(find_all("$X.get($K, $D)", "x.get('a')\n").is_empty());
        assert!(find_all("$X.get($K)", "x.get('a', 1)\n").is_empty());
    }

    #[test]
    fn multi_metavariables_take_zero_or_more() {
        let found = find_all("f($$$ARGS)", "f()\nf(1, 2, k=3,)\n");
        assert_eq!(found[0].1, ["ARGS="]);
        assert_eq!(found[1].1, ["ARGS=1, 2, k=3"]);
        let found = find_all("f($$$A, $LAST)", "f(1, 2, 3)\n");
        assert_eq!(found[0].1, ["A=1, 2", "LAST=3"]);
    }

    #[test]
    fn repeated_names_must_match_the_same_text() {
        assert_eq!(find_all("$A == $A", "x == x\nx == y\n").len(), 1);
        assert_eq!(find_all("$A + $A", "f(a, b) + f(a,b)\n").len(), 1);
    }

    #[test]
    fn comments_inside_a_match_are_ignored() {
        let source = "config.get(  # section\n    'a',  # key\n    {},\n)\n";
        let found = find_all("$X.get($K, $D)", source);
        assert_eq!(found[0].1, ["X=config", "K='a'", "D={}"]);
    }

    #[test]
    fn strings_compare_by_text() {
        assert_eq!(
            find_all("sys.exit('x')", "sys.exit('x')\nsys.exit(\"x\")\n").len(),
            1
        );
    }

    #[test]
    fn fstring_interpolations_are_searched() {
        let found = find_all("$X.get($K, $D)", "s = f\"{cfg.get('a', 1)}\"\n");
        assert_eq!(found[0].1, ["X=cfg", "K='a'", "D=1"]);
    }

    #[test]
    fn statement_sequences_in_blocks() {
        let source = "try:\n    a()\n    b()\nexcept E:\n    pass\n";
        let found = find_all("try:\n    $$$BODY\nexcept E:\n    pass", source);
        assert_eq!(found[0].1, ["BODY=a()\n    b()"]);
    }

    #[test]
    fn expression_statements_inside_blocks_match() {
        let found = find_all("if $C:\n    foo()", "if x:\n    foo()\nif y:\n    bar()\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1, ["C=x"]);
        // A statement metavariable still stands for any statement.
        let found = find_all("if $C:\n    $S", "if x:\n    return 1\n");
        assert_eq!(found[0].1, ["C=x", "S=return 1"]);
    }

    #[test]
    fn operators_are_significant() {
        assert!(find_all("$A + $B", "a - b\n").is_empty());
        assert!(find_all("not $A", "a\n").is_empty());
    }
}
