//! What a file may be before it is parsed and analysed: not larger than a
//! size limit (memory grows with the text), not indented deeper than
//! tree-sitter's Python scanner can record (it aborts the whole process
//! beyond ~380 levels), and not nested deeper than the analyses' recursion
//! is sized for. A file over a limit is skipped with a warning naming it.

use tree_sitter::Tree;

use crate::tokenize::{CodeTokens, TokenKind};

/// Default `max-file-size`: larger Python files are generated data, and
/// parsing takes ~200 bytes of memory per byte of text.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 4 * 1024 * 1024;

/// The scanner serializes each indentation level in 2 bytes of a 1024-byte
/// buffer (after up to 257 bytes of brackets and strings); distinct widths
/// bound the levels from above, and 300 leaves a margin.
pub const MAX_INDENT_WIDTHS: usize = 300;

/// Tree depth the recursive analyses are sized for (with
/// [`WORKER_STACK_SIZE`]; tried in a debug build on ten shapes of nesting
/// near this depth). CPython's compiler gives up well before.
pub const MAX_TREE_DEPTH: usize = 10_000;

/// Stack of each worker thread: deep enough for [`MAX_TREE_DEPTH`] in
/// unoptimised builds too (reserved address space, touched only when used).
pub const WORKER_STACK_SIZE: usize = 64 * 1024 * 1024;

/// Why a file cannot be processed safely before parsing, if it cannot.
pub fn check_text(bytes: &[u8], max_size: u64) -> Result<(), String> {
    if bytes.len() as u64 > max_size {
        return Err(format!(
            "{} bytes, over the size limit of {max_size} bytes (`max-file-size` in the project settings)",
            bytes.len()
        ));
    }
    let widths = indentation_widths(bytes);
    if widths > MAX_INDENT_WIDTHS {
        return Err(format!(
            "indented at {widths} different depths; the Python parser supports at most {MAX_INDENT_WIDTHS}"
        ));
    }
    Ok(())
}

/// Parses `text`, unless its tree is too deep to analyse.
pub fn parse_within(parser: &mut tree_sitter::Parser, text: &str) -> Result<Tree, String> {
    let tree = crate::syntax::parse_with(parser, text);
    check_tree(&tree)?;
    Ok(tree)
}

/// Tree levels one weighted code token can add at most (see
/// [`line_weight`]). Each level of an expression holds a token of
/// its own; `-x`, `not x`, `await x` add one level per token
/// (`tests::a_token_adds_at_most_two_levels`).
const LEVELS_PER_TOKEN: usize = 2;

/// Tree levels one indentation width can add at most (a `match` arm's
/// block in a `case` clause in the `match` statement's block, ...).
const LEVELS_PER_INDENT: usize = 6;

/// Whether a file (within [`check_text`]'s limits) may parse to a tree
/// deeper than [`MAX_TREE_DEPTH`], bounded without parsing from its code
/// tokens by logical line (`tokenize::scan` keeps them): the blocks it
/// nests (at most [`MAX_INDENT_WIDTHS`]) plus the weighted code tokens of
/// its longest logical line. A caller that skips the parse where this is
/// false meets no tree a parse would refuse; it is true only of files with
/// a logical line of thousands of tokens in one item (long operator chains).
pub fn may_nest_too_deep(text: &str, code: &CodeTokens) -> bool {
    let budget = MAX_TREE_DEPTH - 16 - LEVELS_PER_INDENT * MAX_INDENT_WIDTHS;
    let limit = budget / LEVELS_PER_TOKEN;
    // A line weighs at most its tokens plus two per `{` in its bytes (see
    // `flat_weight_at_most`): the whole file's count first, then each
    // line's, so the exact weight is read only where it may matter (most
    // files never get past the first test).
    if flat_weight_at_most(text.as_bytes(), code.tokens.len()) <= limit {
        return false;
    }
    code.lines().any(|line| {
        let (Some(first), Some(last)) = (line.first(), line.last()) else {
            return false;
        };
        // A token weighs at most three per byte (a string: 1 + 2 per `{`).
        let bytes = &text.as_bytes()[first.start..last.end];
        3 * bytes.len() > limit
            && flat_weight_at_most(bytes, line.len()) > limit
            && line_weight(text, line) > limit
    })
}

/// An upper bound of the flat weight (every token counted) of `tokens`
/// code tokens lying within `bytes`: one each, plus two per `{` of the
/// bytes (f-string fields are among them). A line's weight is at most its
/// flat weight (a group counts its brackets and one item, flat counts
/// them all).
fn flat_weight_at_most(bytes: &[u8], tokens: usize) -> usize {
    tokens + 2 * memchr::memchr_iter(b'{', bytes).count()
}

/// (The exact answer [`may_nest_too_deep`] gives faster; tests compare.)
/// The largest weight of a logical line's code tokens: one per token, and
/// for a string two more per `{` (f-string fields nested in fields add two
/// levels each); see [`line_weight`].
#[cfg(test)]
fn longest_line_weight(text: &str, code: &CodeTokens) -> usize {
    code.lines()
        .map(|line| line_weight(text, line))
        .max()
        .unwrap_or(0)
}

/// A line's weight. Items separated by commas are siblings in the tree
/// (arguments, parameters, elements, keys, targets), so a bracketed group
/// weighs its brackets plus its heaviest item, not all of them: a table of
/// thousands of entries is not deep. Where brackets do not pair up, every
/// token counts.
fn line_weight(text: &str, line: &[crate::tokenize::Token]) -> usize {
    let weight = |token: &crate::tokenize::Token| match token.kind {
        TokenKind::String => 1 + 2 * formatted_fields(&text.as_bytes()[token.start..token.end]),
        _ => 1,
    };
    let flat = || line.iter().map(weight).sum();
    // (weight of the item so far, heaviest item) of each open group.
    let mut open: Vec<(usize, usize)> = Vec::new();
    let (mut item, mut heaviest) = (0usize, 0usize);
    for token in line {
        let byte = (token.kind == TokenKind::Operator).then(|| text.as_bytes()[token.start]);
        match byte {
            Some(b'(' | b'[' | b'{') => {
                open.push((item, heaviest));
                (item, heaviest) = (0, 0);
            }
            Some(b',') => {
                heaviest = heaviest.max(item);
                item = 0;
            }
            Some(b')' | b']' | b'}') => {
                let Some((outer_item, outer_heaviest)) = open.pop() else {
                    return flat();
                };
                item = outer_item + 2 + heaviest.max(item);
                heaviest = outer_heaviest;
            }
            _ => item += weight(token),
        }
    }
    match open.is_empty() {
        true => heaviest.max(item),
        false => flat(),
    }
}

/// At most how many fields an f-string (or t-string) literal holds: its
/// `{`s; none in other strings.
fn formatted_fields(literal: &[u8]) -> usize {
    let quote = memchr::memchr2(b'\'', b'"', literal).unwrap_or(0);
    let formatted = literal[..quote]
        .iter()
        .any(|b| matches!(b.to_ascii_lowercase(), b'f' | b't'));
    match formatted {
        true => memchr::memchr_iter(b'{', &literal[quote..]).count(),
        false => 0,
    }
}

/// Why a parsed file is too deeply nested to analyse, if it is.
pub fn check_tree(tree: &Tree) -> Result<(), String> {
    if reaches_depth(tree, MAX_TREE_DEPTH + 1) {
        return Err(format!(
            "nested more than {MAX_TREE_DEPTH} levels deep; too deep to analyse safely"
        ));
    }
    Ok(())
}

/// How many different indentation widths the lines have (tabs count 8, as
/// the scanner counts them; a form feed starts again at 0).
fn indentation_widths(bytes: &[u8]) -> usize {
    let mut small = [false; 256];
    let mut large = std::collections::HashSet::new();
    let starts =
        std::iter::once(0).chain(memchr::memchr2_iter(b'\n', b'\r', bytes).map(|at| at + 1));
    for start in starts {
        let (mut width, rest) = leading_spaces(&bytes[start..]);
        for byte in rest {
            match byte {
                b' ' => width += 1,
                b'\t' => width += 8,
                b'\x0c' => width = 0,
                _ => break,
            }
        }
        match small.get_mut(width) {
            Some(seen) => *seen = true,
            None => {
                large.insert(width);
            }
        }
    }
    small.iter().filter(|seen| **seen).count() + large.len()
}

/// How many spaces `line` starts with, and the bytes after them; eight at
/// a time, as most lines start with several (a per-byte loop cost more
/// than the rest of the audit's reading of the file).
fn leading_spaces(line: &[u8]) -> (usize, &[u8]) {
    const SPACES: u64 = u64::from_ne_bytes([b' '; 8]);
    let mut count = 0;
    while let Some(chunk) = line.get(count..count + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        // Zero bytes where `chunk` has a space; the first other byte ends
        // the run (bytes are in memory order: little-endian counts from the
        // lowest, big-endian from the highest).
        let differs = u64::from_ne_bytes(word) ^ SPACES;
        if differs != 0 {
            let run = if cfg!(target_endian = "little") {
                differs.trailing_zeros()
            } else {
                differs.leading_zeros()
            };
            count += (run / 8) as usize;
            return (count, &line[count..]);
        }
        count += 8;
    }
    let tail = line[count..].iter().take_while(|&&b| b == b' ').count();
    count += tail;
    (count, &line[count..])
}

/// Whether the tree has a path of `depth` nodes from its root (iterative).
/// A subtree with too few nodes to reach that deep is not entered, so on
/// ordinary files only the few largest subtrees near the root are visited.
fn reaches_depth(tree: &Tree, depth: usize) -> bool {
    let mut pending = vec![(tree.root_node(), 1usize)];
    let mut cursor = tree.walk();
    while let Some((node, level)) = pending.pop() {
        if level >= depth {
            return true;
        }
        for child in node.children(&mut cursor) {
            // A chain of all its nodes is the deepest a subtree can be.
            if level + child.descendant_count() >= depth {
                pending.push((child, level + 1));
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested_ifs(levels: usize) -> String {
        let mut text = String::new();
        for level in 0..levels {
            text.push_str(&format!("{}if x:\n", " ".repeat(level)));
        }
        text.push_str(&format!("{}pass\n", " ".repeat(levels)));
        text
    }

    #[test]
    fn size_and_indentation_limits() {
        assert!(check_text(b"x = 1\n", 6).is_ok());
        assert!(check_text(b"x = 1\n", 5).unwrap_err().contains("6 bytes"));
        assert!(check_text(nested_ifs(200).as_bytes(), u64::MAX).is_ok());
        let deep = nested_ifs(600);
        let refused = check_text(deep.as_bytes(), u64::MAX).unwrap_err();
        assert!(refused.contains("601 different depths"), "{refused}");
    }

    /// The deepest tree `text` parses to, in nodes from the root.
    fn depth(text: &str) -> usize {
        let tree = crate::syntax::parse(text);
        (1..).find(|&d| !reaches_depth(&tree, d)).unwrap() - 1
    }

    #[test]
    fn a_token_adds_at_most_two_levels() {
        let n = 200;
        let shapes = [
            format!("x = {}1\n", "-".repeat(n)),
            format!("x = {}1\n", "not ".repeat(n)),
            format!("x = {}1{}\n", "[".repeat(n), "]".repeat(n)),
            format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n)),
            format!("x = {}1{}\n", "f(".repeat(n), ")".repeat(n)),
            format!("x = {}1{}\n", "{".repeat(n), "}".repeat(n)),
            format!("x = a{}\n", ".b".repeat(n)),
            format!("x = a{}\n", "()".repeat(n)),
            format!("x = a{}\n", "[0]".repeat(n)),
            format!("x = a{}\n", " + b".repeat(n)),
            format!("x = a{}\n", " and b".repeat(n)),
            format!("x = {}1\n", "a if b else ".repeat(n)),
            format!("x = {}1\n", "lambda: ".repeat(n)),
            format!("x = {}1\n", "await ".repeat(n)),
            format!("x = {}1\n", "yield ".repeat(n)),
            format!("x = {}1\n", "a := ".repeat(n)),
            format!("{}1\n", "a = ".repeat(n)),
            format!("x = {}1{}\n", "f'{".repeat(20), "}'".repeat(20)),
            format!("x = {}\n", "*".repeat(n)),
            format!("x = {}\n", "** ".repeat(n)),
            format!("x = {}{}\n", "(((".repeat(n), ")".repeat(n)),
            format!("def f({}): pass\n", "a: b = c, ".repeat(n)),
            format!("x = {}1{}\n", "f(a, ".repeat(n), ")".repeat(n)),
            format!("x = {}1{}\n", "[a + b, ".repeat(n), "]".repeat(n)),
            format!("x = {}1{}\n", "{a: -b, c: ".repeat(n), "}".repeat(n)),
            format!("x = {}1{}\n", "a[b, c:d, ".repeat(n), "]".repeat(n)),
            format!("x = {}1{}\n", "(lambda a, b: a + ".repeat(n), ")".repeat(n)),
            format!("x = {}1{}\n", "g(*a, **b, c=".repeat(n), ")".repeat(n)),
            format!("x = {}1\n", "a, b + ".repeat(n)),
            format!("x = {}1{}\n", "[c for c in d if ".repeat(n), "]".repeat(n)),
            format!("x = {}1{}\n", "(a, b) + (".repeat(n), ")".repeat(n)),
        ];
        for text in shapes {
            let weight = weight_of(&text);
            let levels = depth(&text);
            let bound = 4 + LEVELS_PER_TOKEN * weight;
            assert!(levels <= bound, "{levels} levels, weight {weight}: {text}");
        }
    }

    #[test]
    fn an_indentation_width_adds_at_most_six_levels() {
        let n = 40;
        let mut shapes = Vec::new();
        for (open, close) in [
            ("if x:", ""),
            ("if x:\n{0}    pass\n{0}else:", ""),
            ("try:\n{0}    pass\n{0}except E:", ""),
            ("@d\n{0}class C:", ""),
            ("async def f():\n{0}    async with a:", ""),
            ("match x:\n{0}    case 1:", ""),
        ] {
            let mut text = String::new();
            let mut indent = String::new();
            for _ in 0..n {
                text.push_str(&format!("{indent}{}\n", open.replace("{0}", &indent)));
                indent.push_str(if open.starts_with("match") {
                    "        "
                } else {
                    "    "
                });
            }
            text.push_str(&format!("{indent}pass{close}\n"));
            shapes.push(text);
        }
        for text in shapes {
            let widths = indentation_widths(text.as_bytes());
            let levels = depth(&text);
            let bound = 4 + LEVELS_PER_INDENT * widths + LEVELS_PER_TOKEN * weight_of(&text);
            assert!(levels <= bound, "{levels} levels, {widths} widths: {text}");
        }
    }

    fn weight_of(text: &str) -> usize {
        longest_line_weight(text, &crate::tokenize::scan(text).code)
    }

    fn may_nest(text: &str) -> bool {
        may_nest_too_deep(text, &crate::tokenize::scan(text).code)
    }

    #[test]
    fn the_cheap_bound_is_above_the_exact_weight() {
        let shapes = [
            format!("x = {}1{}\n", "f'{".repeat(20), "}'".repeat(20)),
            format!("x = {}1{}\n", "{a: -b, c: ".repeat(50), "}".repeat(50)),
            format!("x = a{}\n", " + b".repeat(300)),
            format!("x = [{}]\n", "f'{a}{b}', ".repeat(300)),
            "x = (1,\n  2))\n".to_string(),
        ];
        for text in shapes {
            let code = crate::tokenize::scan(&text).code;
            for line in code.lines() {
                let bytes = &text.as_bytes()[line[0].start..line[line.len() - 1].end];
                let bound = flat_weight_at_most(bytes, line.len());
                assert!(line_weight(&text, line) <= bound, "{text}");
            }
        }
    }

    #[test]
    fn the_fast_answer_is_the_exact_one_near_the_limit() {
        let limit =
            (MAX_TREE_DEPTH - 16 - LEVELS_PER_INDENT * MAX_INDENT_WIDTHS) / LEVELS_PER_TOKEN;
        let filler = "def f():\n    return {'a': 1}\n".repeat(2000);
        for n in [limit / 2 - 2, limit / 2 - 1, limit / 2, limit / 2 + 1] {
            for text in [
                format!("{filler}x = a{}\n", " + b".repeat(n)),
                format!("{filler}x = f'{}'\n", "{a}".repeat(n)),
            ] {
                let exact = longest_line_weight(&text, &crate::tokenize::scan(&text).code) > limit;
                assert_eq!(may_nest(&text), exact, "n = {n}");
            }
        }
    }

    #[test]
    fn only_a_long_logical_line_may_nest_too_deep() {
        assert!(!may_nest(
            "def f():\n    return [1, 2]\n".repeat(5000).as_str()
        ));
        let chain = format!("T = [{}1]\n", "1 + ".repeat(4000));
        assert!(may_nest(&chain));
        let flat_table = format!("T = {{{}}}\n", "'k': [1, 2], ".repeat(9000));
        assert!(!may_nest(&flat_table));
        let docstring = format!("\"\"\"{}\"\"\"\n", "{x}".repeat(9000));
        assert!(!may_nest(&docstring));
        assert!(may_nest(&format!("f{docstring}")));
    }

    #[test]
    fn leading_spaces_stop_at_the_first_other_byte() {
        for (line, spaces) in [
            ("", 0),
            ("x", 0),
            ("   x", 3),
            ("        ", 8),
            ("         \tx", 9),
            ("                 y   ", 17),
            ("\t  ", 0),
        ] {
            let (count, rest) = leading_spaces(line.as_bytes());
            assert_eq!(count, spaces, "{line:?}");
            assert_eq!(rest, &line.as_bytes()[spaces..]);
        }
    }

    #[test]
    fn tree_depth_is_measured_without_recursion() {
        let shallow = crate::syntax::parse("x = (1)\n");
        assert!(check_tree(&shallow).is_ok());
        // module > expression_statement > assignment > parenthesized_expression > integer
        assert!(reaches_depth(&shallow, 5));
        assert!(!reaches_depth(&shallow, 6));
        let deep = crate::syntax::parse(&format!("x = {}1\n", "a if b else ".repeat(12_000)));
        assert!(check_tree(&deep).unwrap_err().contains("10000 levels"));
    }
}
