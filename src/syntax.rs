//! The Python grammar and the small facts about its trees that every other
//! module relies on (what counts as trivia when comparing shapes).

use tree_sitter::{Language, Node, Parser, Tree};

pub mod field;

pub fn python() -> Language {
    tree_sitter_python::LANGUAGE.into()
}

/// Parses Python text. tree-sitter only returns `None` when cancelled or
/// without a language, neither of which can happen here.
pub fn parse(text: &str) -> Tree {
    parse_with(&mut new_parser(), text)
}

/// Bytes that continue a Python identifier; non-ASCII bytes can only be
/// identifier characters outside strings and comments.
pub fn is_identifier_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

/// Where `word` occurs in `text` as a whole word (no identifier byte on
/// either side).
pub fn word_positions<'a>(text: &'a [u8], word: &'a str) -> impl Iterator<Item = usize> + 'a {
    memchr::memmem::find_iter(text, word.as_bytes()).filter(move |&at| {
        let end = at + word.len();
        (at == 0 || !is_identifier_byte(text[at - 1]))
            && text.get(end).is_none_or(|b| !is_identifier_byte(*b))
    })
}

/// Whether one of the sorted byte offsets `spots` lies within `node`.
pub fn spans_any(node: Node, spots: &[usize]) -> bool {
    let first = spots.partition_point(|&spot| spot < node.start_byte());
    spots.get(first).is_some_and(|&spot| spot < node.end_byte())
}

/// Pre-order walk; `descend` says whether to visit a node's children.
pub fn walk_pruned<'t>(
    root: Node<'t>,
    descend: impl Fn(Node<'t>) -> bool,
    mut visit: impl FnMut(Node<'t>),
) {
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        visit(node);
        if descend(node) && cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// Node kinds whose children include statements (or clauses that hold
/// them): a walk for statements need enter nothing else.
pub const STATEMENT_CONTAINERS: &[&str] = &[
    "module",
    "block",
    "class_definition",
    "function_definition",
    "decorated_definition",
    "if_statement",
    "elif_clause",
    "else_clause",
    "for_statement",
    "while_statement",
    "try_statement",
    "except_clause",
    "except_group_clause",
    "finally_clause",
    "with_statement",
    "match_statement",
    "case_clause",
];

/// Whether `rest` (the text after a name) starts a call: `(` after any
/// whitespace, line continuations and comments, since inside brackets a
/// call may be split anywhere. Text filters use it, so erring towards
/// "yes" only costs a parse.
pub fn opens_call(rest: &[u8]) -> bool {
    rest.get(skip_layout(rest)) == Some(&b'(')
}

/// Whether `rest` opens an empty argument list: `(` and `)` with only
/// spaces, line breaks, continuations and comments around and between them.
pub fn opens_empty_call(rest: &[u8]) -> bool {
    let after_open = skip_layout(rest);
    rest.get(after_open) == Some(&b'(')
        && rest.get(after_open + 1 + skip_layout(&rest[after_open + 1..])) == Some(&b')')
}

/// How many bytes of layout (spaces, line breaks, continuations, comments)
/// `rest` starts with.
fn skip_layout(rest: &[u8]) -> usize {
    let mut index = 0;
    while let Some(&byte) = rest.get(index) {
        match byte {
            b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\\' => index += 1,
            b'#' => {
                let line_end = memchr::memchr(b'\n', &rest[index..]);
                index = line_end.map_or(rest.len(), |n| index + n);
            }
            _ => break,
        }
    }
    index
}

/// Punctuation whose presence is already implied by the parent's kind.
/// Dropping it lets `f($$$ARGS)` ignore commas and a trailing comma.
fn is_implied_punctuation(kind: &str) -> bool {
    matches!(kind, "," | "(" | ")" | "[" | "]" | "{" | "}" | ":" | ";")
}

/// Children that take part in structural comparison: no comments or line
/// continuations (extras) and no punctuation implied by the parent.
pub fn significant_children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.children(&mut cursor)
        .filter(|child| !child.is_extra() && !is_implied_punctuation(child.kind()))
        .collect()
}

/// True when the node or one of its ancestors is a syntax error.
pub fn in_error_region(node: Node) -> bool {
    if node.has_error() {
        return true;
    }
    let mut current = node.parent();
    while let Some(parent) = current {
        if parent.is_error() {
            return true;
        }
        current = parent.parent();
    }
    false
}

/// The first syntax error in a tree, as a byte range, if any.
pub fn first_error(tree: &Tree) -> Option<Node<'_>> {
    let root = tree.root_node();
    if !root.has_error() {
        return None;
    }
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            return Some(node);
        }
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return Some(root);
            }
        }
    }
}

/// How many error and missing nodes a tree has.
pub fn error_count(tree: &Tree) -> usize {
    if !tree.root_node().has_error() {
        return 0;
    }
    let mut count = 0;
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            count += 1;
        }
        if node.has_error() {
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor));
        }
    }
    count
}

/// Nearest ancestor (or self) that is a statement directly inside a block or
/// the module: the unit `follows` / `precedes` compare with their siblings.
pub fn enclosing_statement(node: Node) -> Option<Node> {
    let mut current = Some(node);
    while let Some(candidate) = current {
        let parent = candidate.parent()?;
        if matches!(parent.kind(), "block" | "module") {
            return Some(candidate);
        }
        current = Some(parent);
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn statements_out_of_line_with_their_block_are_found() {
        let misindented = |text: &str| {
            let tree = parse(text);
            misindented(&tree, text).map(|n| n.start_position().row + 1)
        };
        assert_eq!(misindented("def f():\n    x = 1\n        y = 2\n"), Some(3));
        assert_eq!(misindented("if a:\n    x = 1\n  y = 2\n"), Some(3));
        assert_eq!(misindented("x = 1\n  y = 2\n"), Some(2));
        let fine = "class A:\n    def f(self):  # c\n        x = 1; y = 2\n        return x\n  # odd comment\n    s = '''\n  z'''\nif a: pass\n";
        assert_eq!(misindented(fine), None);
    }

    use super::*;

    #[test]
    fn kind_sets_match_by_id_including_aliases() {
        let tree = parse("print\nif a:\n    pass\n");
        let table = KindTable::new();
        let set = KindSet::new(&table, &["identifier", "block"]);
        let root = tree.root_node();
        let print = root.named_child(0).unwrap().named_child(0).unwrap();
        let statement = root.named_child(1).unwrap();
        assert!(set.contains(print), "{}", print.kind());
        assert!(set.contains(statement.child_by_field_id(field::CONSEQUENCE).unwrap()));
        assert!(!set.contains(statement));
        assert!(!set.contains(root));
    }

    #[test]
    fn significant_children_skip_commas_and_comments() {
        let tree = parse("f(a,  # note\n  b,)\n");
        let call = tree.root_node().child(0).unwrap().child(0).unwrap();
        let args = call.child_by_field_id(field::ARGUMENTS).unwrap();
        let kinds: Vec<_> = significant_children(args)
            .iter()
            .map(|n| n.kind())
            .collect();
        assert_eq!(kinds, ["identifier", "identifier"]);
    }

    #[test]
    fn error_regions_are_found() {
        let tree = parse("x = (1,\ny = 2\n");
        assert!(first_error(&tree).is_some());
        assert!(first_error(&parse("x = 1\n")).is_none());
    }
}

/// Maps every node kind id to one canonical id per kind name: aliased nodes
/// (e.g. `print` used as an identifier) share a name but not an id.
#[derive(Debug, Clone)]
pub struct KindTable {
    canonical: Vec<u16>,
    /// Per kind id: punctuation implied by the parent (see [`significant_children`]).
    implied: Vec<bool>,
}

impl KindTable {
    pub fn new() -> Self {
        let language = python();
        let count = language.node_kind_count();
        let canonical = (0..count as u16)
            .map(|id| match language.node_kind_for_id(id) {
                Some(name) => {
                    let named = language.node_kind_is_named(id);
                    let first = language.id_for_node_kind(name, named);
                    if first == 0 { id } else { first }
                }
                None => id,
            })
            .collect();
        let implied = (0..count as u16)
            .map(|id| {
                language
                    .node_kind_for_id(id)
                    .is_some_and(is_implied_punctuation)
            })
            .collect();
        KindTable { canonical, implied }
    }

    fn is_significant(&self, child: &Node) -> bool {
        !child.is_extra()
            && !self
                .implied
                .get(child.kind_id() as usize)
                .copied()
                .unwrap_or(false)
    }

    /// [`significant_children`] without comparing kind names.
    pub fn significant_children<'t>(&self, node: Node<'t>) -> Vec<Node<'t>> {
        let mut cursor = node.walk();
        node.children(&mut cursor)
            .filter(|child| self.is_significant(child))
            .collect()
    }

    /// The `n`th of [`significant_children`], found without allocating:
    /// the matcher asks this of most nodes it rejects.
    pub fn nth_significant_child<'t>(&self, node: Node<'t>, n: usize) -> Option<Node<'t>> {
        (0..node.child_count())
            .filter_map(|index| node.child(index))
            .filter(|child| self.is_significant(child))
            .nth(n)
    }

    pub fn of(&self, node: Node) -> u16 {
        let id = node.kind_id();
        self.canonical.get(id as usize).copied().unwrap_or(id)
    }

    pub fn len(&self) -> usize {
        self.canonical.len()
    }

    pub fn is_empty(&self) -> bool {
        self.canonical.is_empty()
    }

    /// Canonical id of a kind name, if the grammar has it.
    pub fn id_of_name(&self, name: &str) -> Option<u16> {
        let language = python();
        [true, false]
            .into_iter()
            .map(|named| language.id_for_node_kind(name, named))
            .find(|id| *id != 0)
            .and_then(|id| self.canonical.get(id as usize).copied())
    }
}

/// A set of node kinds, tested by a node's own kind id (aliases included)
/// without a name comparison: for walks that visit every node.
#[derive(Debug, Clone)]
pub struct KindSet(Vec<bool>);

impl KindSet {
    pub fn new(table: &KindTable, names: &[&str]) -> Self {
        let wanted: Vec<u16> = names.iter().filter_map(|n| table.id_of_name(n)).collect();
        KindSet(
            table
                .canonical
                .iter()
                .map(|canonical| wanted.contains(canonical))
                .collect(),
        )
    }

    pub fn contains(&self, node: Node) -> bool {
        self.0
            .get(node.kind_id() as usize)
            .copied()
            .unwrap_or(false)
    }
}

impl Default for KindTable {
    fn default() -> Self {
        Self::new()
    }
}

/// The first statement indented differently from the one before it in the
/// same block: Python's "unexpected indent" (or "unindent does not match"),
/// which tree-sitter parses without an error node. Only statements that
/// begin their line count; only statement nodes are entered.
pub fn misindented<'t>(tree: &'t Tree, text: &str) -> Option<Node<'t>> {
    let mut pending = vec![tree.root_node()];
    let mut cursor = tree.walk();
    while let Some(node) = pending.pop() {
        let is_body = matches!(node.kind(), "module" | "block");
        let mut width = None;
        let children: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
        for child in children {
            let own = (is_body && child.kind() != "comment")
                .then(|| line_indent_width(text, child.start_byte()))
                .flatten();
            match (width, own) {
                (None, Some(own)) => width = Some(own),
                (Some(first), Some(own)) if first != own => return Some(child),
                _ => {}
            }
            let kind = child.kind();
            if kind == "block"
                || kind.ends_with("_definition")
                || kind.ends_with("_clause")
                || (kind.ends_with("_statement") && kind != "expression_statement")
            {
                pending.push(child);
            }
        }
    }
    None
}

/// The indentation width (tabs to the next multiple of 8, as Python counts)
/// of a node that begins its line; `None` if code precedes it on the line.
fn line_indent_width(text: &str, start: usize) -> Option<usize> {
    let line_start = text[..start].rfind('\n').map_or(0, |at| at + 1);
    text[line_start..start]
        .bytes()
        .try_fold(0, |width, byte| match byte {
            b' ' => Some(width + 1),
            b'\t' => Some(width / 8 * 8 + 8),
            b'\x0c' => Some(0),
            _ => None,
        })
}

pub fn new_parser() -> Parser {
    let mut parser = Parser::new();
    parser
        .set_language(&python())
        .expect("tree-sitter-python is ABI compatible with the linked tree-sitter");
    parser
}

/// Parses with a reused parser (one per worker thread).
pub fn parse_with(parser: &mut Parser, text: &str) -> Tree {
    parser
        .parse(text, None)
        .expect("parsing without a timeout or cancellation flag always yields a tree")
}
