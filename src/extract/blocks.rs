//! Candidate blocks: runs of consecutive statements in a function body (and
//! in the bodies of its compound statements, down to a depth), cut where the
//! author cut them, at a blank line or a leading full-line comment.

use tree_sitter::Node;

use crate::analysis::flow::statements_of;

/// The lines of a text, by row, without their terminators.
pub struct Lines<'s> {
    text: &'s str,
    starts: Vec<usize>,
}

impl<'s> Lines<'s> {
    pub fn new(text: &'s str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|at| at + 1));
        Lines { text, starts }
    }

    /// Byte offset where `row` starts (the text's end past the last row).
    pub fn start(&self, row: usize) -> usize {
        self.starts.get(row).copied().unwrap_or(self.text.len())
    }

    pub fn get(&self, row: usize) -> &'s str {
        let start = self.start(row);
        let end = self.starts.get(row + 1).copied().unwrap_or(self.text.len());
        self.text[start.min(end)..end].trim_end_matches(['\n', '\r'])
    }

    fn indent(&self, row: usize) -> &'s str {
        let line = self.get(row);
        &line[..line.len() - line.trim_start().len()]
    }
}

/// Consecutive statements that could become one helper.
#[derive(Debug, Clone)]
pub struct Block<'t> {
    pub statements: Vec<Node<'t>>,
    /// First row moved: the leading comment's, else the first statement's.
    pub start_row: usize,
    /// Last row moved: the last statement's.
    pub end_row: usize,
    /// The leading comment, without `#`, one entry per line.
    pub comment: Vec<String>,
    /// How many author-made groups the run joins.
    pub groups: usize,
    /// Ends the function: a `return` in it may stay.
    pub is_tail: bool,
}

impl Block<'_> {
    pub fn rows(&self) -> usize {
        self.end_row - self.start_row + 1
    }

    pub fn start_byte(&self) -> usize {
        self.statements.first().map_or(0, |s| s.start_byte())
    }

    pub fn end_byte(&self) -> usize {
        self.statements.last().map_or(0, |s| s.end_byte())
    }

    pub fn overlaps(&self, other: &Block) -> bool {
        self.start_row <= other.end_row && other.start_row <= self.end_row
    }
}

/// A group: statements the author kept together.
struct Group<'t> {
    statements: Vec<Node<'t>>,
    start_row: usize,
    comment: Vec<String>,
}

/// Every candidate block of a function body, runs of up to `max_run` groups,
/// nested bodies down to `max_depth`.
pub fn candidates<'t>(
    function: Node<'t>,
    body: &[Node<'t>],
    lines: &Lines,
    max_depth: usize,
    max_run: usize,
) -> Vec<Block<'t>> {
    let mut out = Vec::new();
    let tail = body.last().map(|s| s.id());
    let header_row = body
        .first()
        .and_then(|s| s.parent())
        .map_or(function.start_position().row, header_row_of);
    let statements = skip_docstring(body);
    collect(
        statements, header_row, 0, tail, lines, max_depth, max_run, &mut out,
    );
    out
}

#[allow(clippy::too_many_arguments)]
fn collect<'t>(
    statements: &[Node<'t>],
    header_row: usize,
    depth: usize,
    tail: Option<usize>,
    lines: &Lines,
    max_depth: usize,
    max_run: usize,
    out: &mut Vec<Block<'t>>,
) {
    let groups = groups(statements, header_row, lines);
    for first in 0..groups.len() {
        for count in 1..=max_run.min(groups.len() - first) {
            let run = &groups[first..first + count];
            let statements: Vec<Node> = run
                .iter()
                .flat_map(|g| g.statements.iter().copied())
                .collect();
            let Some(last) = statements.last() else {
                continue;
            };
            out.push(Block {
                start_row: run[0].start_row,
                end_row: last.end_position().row,
                comment: run[0].comment.clone(),
                groups: count,
                is_tail: depth == 0 && Some(last.id()) == tail,
                statements,
            });
        }
    }
    if depth >= max_depth {
        return;
    }
    for statement in statements {
        for block in inner_blocks(*statement) {
            let inner = statements_of(block);
            collect(
                &inner,
                header_row_of(block),
                depth + 1,
                None,
                lines,
                max_depth,
                max_run,
                out,
            );
        }
    }
}

/// The row of the `:` that opens `block`.
fn header_row_of(block: Node) -> usize {
    block
        .prev_sibling()
        .map_or(block.start_position().row, |colon| colon.end_position().row)
}

fn skip_docstring<'a, 't>(body: &'a [Node<'t>]) -> &'a [Node<'t>] {
    let is_docstring = body.first().is_some_and(|first| {
        first.kind() == "expression_statement"
            && first.named_child_count() == 1
            && first.named_child(0).is_some_and(|c| c.kind() == "string")
    });
    if is_docstring { &body[1..] } else { body }
}

/// The statement blocks of a compound statement, in order.
fn inner_blocks(statement: Node) -> Vec<Node> {
    const COMPOUND: &[&str] = &[
        "if_statement",
        "for_statement",
        "while_statement",
        "with_statement",
        "try_statement",
    ];
    if !COMPOUND.contains(&statement.kind()) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut stack = vec![statement];
    while let Some(node) = stack.pop() {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "block" => out.push(child),
                "elif_clause"
                | "else_clause"
                | "except_clause"
                | "except_group_clause"
                | "finally_clause" => stack.push(child),
                _ => {}
            }
        }
    }
    out.sort_by_key(|b| b.start_byte());
    out
}

/// Splits statements where a blank line or a leading comment separates them.
fn groups<'t>(statements: &[Node<'t>], header_row: usize, lines: &Lines) -> Vec<Group<'t>> {
    let mut out: Vec<Group> = Vec::new();
    let mut previous_end = header_row;
    for (index, statement) in statements.iter().enumerate() {
        let row = statement.start_position().row;
        let same_line = index > 0 && row == previous_end;
        let first_row = leading_comment_row(row, previous_end, lines);
        // Anything between the statements (blank lines, other comments) cuts.
        let cut = first_row > previous_end + 1 || first_row < row;
        match out.last_mut() {
            Some(group) if same_line || !cut => group.statements.push(*statement),
            _ => out.push(Group {
                statements: vec![*statement],
                start_row: first_row,
                comment: (first_row..row)
                    .map(|r| {
                        lines
                            .get(r)
                            .trim_start()
                            .trim_start_matches('#')
                            .trim()
                            .to_string()
                    })
                    .collect(),
            }),
        }
        previous_end = statement.end_position().row;
    }
    // A statement on the block's header line cannot be cut out.
    if statements
        .first()
        .is_some_and(|s| s.start_position().row == header_row)
    {
        return Vec::new();
    }
    out
}

/// The first row of the full-line comments right above `row` at its indentation.
fn leading_comment_row(row: usize, previous_end: usize, lines: &Lines) -> usize {
    let indent = lines.indent(row);
    let mut first = row;
    while first > previous_end + 1
        && lines.get(first - 1).trim_start().starts_with('#')
        && lines.indent(first - 1) == indent
    {
        first -= 1;
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{field, parse};

    fn blocks_of(code: &str, depth: usize) -> Vec<(usize, usize, String, bool)> {
        let tree = parse(code);
        let function = tree.root_node().named_child(0).unwrap();
        let body = statements_of(function.child_by_field_id(field::BODY).unwrap());
        let lines = Lines::new(code);
        candidates(function, &body, &lines, depth, 1)
            .into_iter()
            .map(|b| (b.start_row, b.end_row, b.comment.join(" "), b.is_tail))
            .collect()
    }

    #[test]
    fn blocks_are_cut_at_blank_lines_and_leading_comments() {
        let code = "def f():\n    \"\"\"Doc.\"\"\"\n    a = 1\n    b = 2\n\n    c = 3\n    # Apply rate limiting\n    if d:\n        e()\n    return c\n";
        assert_eq!(
            blocks_of(code, 0),
            [
                (2, 3, String::new(), false),
                (5, 5, String::new(), false),
                (6, 9, "Apply rate limiting".to_string(), true),
            ]
        );
    }

    #[test]
    fn nested_bodies_are_candidates_down_to_the_depth() {
        let code = "def f():\n    for x in y:\n        a = 1\n\n        b = 2\n";
        assert_eq!(blocks_of(code, 0).len(), 1);
        assert_eq!(blocks_of(code, 1).len(), 3);
    }
}
