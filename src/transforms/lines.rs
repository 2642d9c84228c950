//! Whole-line spans for deleting statements and comments without leaving
//! blank or half lines behind (newline style kept: the `\r` of a CRLF goes
//! with its `\n`).

use crate::syntax::field;
use tree_sitter::Node;

/// Every node under `root` (itself included), in source order.
pub fn descendants(root: Node) -> Vec<Node> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        out.push(node);
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    out.sort_by_key(|n| n.start_byte());
    out
}

/// The statements of `kind` under `root` (a class or function definition,
/// a decorated one), in source order: [`descendants`] of that kind, found
/// without entering expressions, which hold no statement. A tree with
/// errors may hold one anywhere: it is walked whole.
pub fn statements_of_kind<'t>(root: Node<'t>, kind: &str) -> Vec<Node<'t>> {
    let whole = root.has_error();
    let descend = |node: Node| whole || crate::syntax::STATEMENT_CONTAINERS.contains(&node.kind());
    let mut out = Vec::new();
    crate::syntax::walk_pruned(root, descend, |node| {
        if node.kind() == kind {
            out.push(node);
        }
    });
    out
}

/// The span of the lines `node` occupies, from the line's start to just
/// after its newline, when nothing but `node` (and a trailing comment) is
/// on them; otherwise the node's own span.
pub fn line_span(source: &str, node: Node) -> (usize, usize) {
    let start = source[..node.start_byte()].rfind('\n').map_or(0, |i| i + 1);
    let end = source[node.end_byte()..]
        .find('\n')
        .map_or(source.len(), |i| node.end_byte() + i + 1);
    let before = &source[start..node.start_byte()];
    let after = source[node.end_byte()..end].trim();
    if before.trim().is_empty() && (after.is_empty() || after.starts_with('#')) {
        (start, end)
    } else {
        (node.start_byte(), node.end_byte())
    }
}

/// Own-line comments mentioning `topic` (case-insensitive) directly in a
/// class's body, or in the comment block right above its decorators: the
/// notes that explained a choice the rewrite reverses.
pub fn comment_lines_about(
    source: &str,
    decorated: Node,
    class: Node,
    topic: &str,
) -> Vec<(usize, usize)> {
    let mut comments = Vec::new();
    if let Some(body) = class.child_by_field_id(field::BODY) {
        let mut cursor = body.walk();
        comments.extend(body.children(&mut cursor).filter(|c| c.kind() == "comment"));
    }
    // A comment before the body's first statement is the class node's child.
    let mut cursor = class.walk();
    comments.extend(
        class
            .children(&mut cursor)
            .filter(|c| c.kind() == "comment"),
    );
    let mut above = decorated.prev_sibling();
    let mut row = decorated.start_position().row;
    while let Some(comment) =
        above.filter(|c| c.kind() == "comment" && c.end_position().row + 1 == row)
    {
        comments.push(comment);
        row = comment.start_position().row;
        above = comment.prev_sibling();
    }
    let topic = topic.to_lowercase();
    let mut spans: Vec<(usize, usize)> = comments
        .into_iter()
        .filter(|c| source[c.byte_range()].to_lowercase().contains(&topic))
        .map(|c| line_span(source, c))
        .collect();
    spans.retain(|(start, _)| source[*start..].trim_start().starts_with('#'));
    spans.sort_unstable();
    spans.dedup();
    spans
}

#[cfg(test)]
mod statement_tests {
    use super::*;

    fn by_descendants<'t>(root: Node<'t>, kind: &str) -> Vec<Node<'t>> {
        descendants(root)
            .into_iter()
            .filter(|n| n.kind() == kind)
            .collect()
    }

    /// The pruned walk finds what the whole one finds, in the same order:
    /// classes nested in functions, branches, handlers, `match` cases and
    /// decorators, and in a tree with errors.
    #[test]
    fn statements_of_kind_are_the_descendants_of_that_kind() {
        let nested = "class A:\n    class B:\n        pass\n\ndef f():\n    if x:\n        class C: pass\n    try:\n        pass\n    except E:\n        @dataclass\n        class D:\n            x: int = 1\n    match y:\n        case 1:\n            class F: pass\nwith g:\n    while h:\n        for i in j:\n            class G: pass\n";
        let broken = format!("{nested}def (:\n    class H: pass\nx = [class K: pass]\n");
        let tree = crate::syntax::parse(nested);
        let classes = statements_of_kind(tree.root_node(), "class_definition");
        assert_eq!(classes.len(), 6);
        for text in [nested.to_string(), broken] {
            let tree = crate::syntax::parse(&text);
            for kind in ["class_definition", "decorated_definition"] {
                let pruned = statements_of_kind(tree.root_node(), kind);
                assert_eq!(
                    pruned,
                    by_descendants(tree.root_node(), kind),
                    "{kind} in {text}"
                );
            }
        }
    }
}
