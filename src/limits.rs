//! What a file may be before it is parsed and analysed: not larger than a
//! size limit (memory grows with the text), not indented deeper than
//! tree-sitter's Python scanner can record (it aborts the whole process
//! beyond ~380 levels), and not nested deeper than the analyses' recursion
//! is sized for. A file over a limit is skipped with a warning naming it.

use tree_sitter::Tree;

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
