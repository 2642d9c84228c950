//! Which bytes of a file a partial parse needs (`TreeNeed::Sites`): the
//! top-level statements that hold the sites only the tree decides, plus
//! what their findings' wording reads outside them. tree-sitter parses just
//! those ranges of the real text (`Parser::set_included_ranges`), so nodes
//! keep their true offsets and rows; every other finding comes from the
//! tokens.
//!
//! Why the parse is exact: the tokenizer found the file consistent (not
//! suspect, every statement decided), so each top-level statement starts
//! a column-0 logical line and parses alone as it does among the others
//! (the scanner's indentation and bracket state are empty between them).
//! What the audit reads from the tree stays inside the statement holding
//! a site: an exit's allowed context (`main()`, `if __name__`), its
//! hazards (handlers, `try`s, the other exits of its function: all in the
//! same top-level statement), a thread-local's or escape hatch's node;
//! except for three module-wide facts, whose statements are added:
//! - phase 2's "success exit after an error log" reads the exit
//!   statement's previous sibling: for an exit on a statement's first
//!   line (it may be a module-level statement), the previous statement;
//! - `ModuleExits`' `except SystemExit` handler: every statement whose
//!   text holds `SystemExit` (the handler's types text holds it);
//! - the local name of `HelpfulError`: every top-level `from` statement
//!   whose text holds `HelpfulError` (`imports::local_name_for` reads only
//!   those).
//!
//! A site before the first column-0 statement (a BOM or form feed before
//! it) leaves the choice to the whole-file parse.
//!
//! `lookups.rs` adds, for the `.get(`s provenance decides, the statements
//! provenance reads (`TreeNeed::Lookups`).

use memchr::memmem;
use tree_sitter::{Point, Range};

use crate::tokenize::{CallKind, FileTokens, Lexer, Token, TokenKind};

/// A top-level statement: a column-0 logical line with the indented lines
/// of its block, its `else`/`elif`/`except`/`finally` clauses and, for a
/// decorated definition, the decorators before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Statement {
    pub(super) start: usize,
    /// End of its first logical line (its `Newline` token).
    first_line_end: usize,
    /// Its first token is `from`.
    from: bool,
    /// A `def` or `class`, decorated or not, whose decorators hold no
    /// `for` (a comprehension there binds in the module's scope).
    pub(super) definition: bool,
}

/// Clauses that continue the compound statement before them.
const CONTINUATIONS: &[&str] = &["else", "elif", "except", "finally"];

/// The file's top-level statements, in order, up to the first that starts
/// after `until` (the lexer stops there). Each runs to the next one's start
/// (comments and blank lines after it included).
pub(super) fn top_level_statements(source: &str, until: usize) -> Vec<Statement> {
    let bytes = source.as_bytes();
    let text = |token: &Token| &source[token.start..token.end];
    let mut statements: Vec<Statement> = Vec::new();
    // The first token of the logical line being read, and whether the
    // line before it was a decorator.
    let mut first: Option<Token> = None;
    let mut after_decorator = false;
    let mut first_line_open = false;
    for token in Lexer::new(source) {
        match token.kind {
            TokenKind::Comment => continue,
            TokenKind::Newline => {
                if first_line_open && let Some(last) = statements.last_mut() {
                    last.first_line_end = token.start;
                }
                first_line_open = false;
                after_decorator = first.is_some_and(|f| text(&f) == "@");
                first = None;
                continue;
            }
            _ if first.is_some() => {
                let in_decorator = first.is_some_and(|f| text(&f) == "@");
                if in_decorator
                    && token.kind == TokenKind::Name
                    && text(&token) == "for"
                    && let Some(last) = statements.last_mut()
                {
                    last.definition = false;
                }
                continue;
            }
            _ => first = Some(token),
        }
        let column_0 = token.start == 0 || bytes[token.start - 1] == b'\n';
        if statements.is_empty() && !column_0 {
            // A BOM or form feed before the first statement: no statement
            // boundary here can be trusted to be the tree's.
            return Vec::new();
        }
        let continues = after_decorator
            || (token.kind == TokenKind::Name && CONTINUATIONS.contains(&text(&token)));
        if column_0 && !continues {
            if token.start > until {
                // Ends the last statement that can hold an offset asked about.
                statements.push(Statement {
                    start: token.start,
                    first_line_end: source.len(),
                    from: false,
                    definition: false,
                });
                break;
            }
            statements.push(Statement {
                start: token.start,
                first_line_end: source.len(),
                from: token.kind == TokenKind::Name && text(&token) == "from",
                definition: matches!(text(&token), "def" | "class" | "@"),
            });
            first_line_open = true;
        }
    }
    statements
}

/// The byte ranges (sorted, disjoint) to parse for the sites of `tokens`,
/// or `None` when the whole file should be parsed: a site outside every
/// top-level statement, or nothing left out.
pub(super) fn site_ranges(source: &str, tokens: &FileTokens) -> Option<Vec<(usize, usize)>> {
    let sites = tree_sites(tokens);
    let module_wide = module_wide_facts(source, &sites);
    let last = sites.iter().chain(&module_wide).map(|&(at, _)| at).max()?;
    let statements = top_level_statements(source, last);
    let mut wanted = vec![false; statements.len()];
    want_sites(&statements, &sites, &module_wide, &mut wanted)?;
    ranges_of(source, &statements, &wanted)
}

/// (offset, whether it is an exit) of each site the tree decides.
pub(super) fn tree_sites(tokens: &FileTokens) -> Vec<(usize, bool)> {
    tokens
        .calls
        .iter()
        .filter_map(|site| match site.kind {
            CallKind::Exit | CallKind::RaiseSystemExit => Some((site.offset, true)),
            CallKind::ThreadLocal | CallKind::EscapeHatch => Some((site.offset, false)),
            CallKind::Get | CallKind::Global | CallKind::Dataclass => None,
        })
        .collect()
}

/// The module-wide facts exits' wording reads: (offset, only in a
/// top-level `from` statement).
pub(super) fn module_wide_facts(source: &str, sites: &[(usize, bool)]) -> Vec<(usize, bool)> {
    let mut module_wide: Vec<(usize, bool)> = Vec::new();
    if sites.iter().any(|&(_, exit)| exit) {
        let bytes = source.as_bytes();
        module_wide.extend(memmem::find_iter(bytes, b"SystemExit").map(|at| (at, false)));
        module_wide.extend(memmem::find_iter(bytes, b"HelpfulError").map(|at| (at, true)));
    }
    module_wide
}

/// The index of the statement holding `offset`, if one does.
pub(super) fn statement_of(statements: &[Statement], offset: usize) -> Option<usize> {
    statements
        .partition_point(|s| s.start <= offset)
        .checked_sub(1)
}

/// Marks the statements the sites and module-wide facts need; `None` for
/// a site outside every statement.
pub(super) fn want_sites(
    statements: &[Statement],
    sites: &[(usize, bool)],
    module_wide: &[(usize, bool)],
    wanted: &mut [bool],
) -> Option<()> {
    for &(offset, is_exit) in sites {
        let index = statement_of(statements, offset)?;
        wanted[index] = true;
        if is_exit && offset < statements[index].first_line_end && index > 0 {
            wanted[index - 1] = true;
        }
    }
    for &(offset, from_only) in module_wide {
        if let Some(index) =
            statement_of(statements, offset).filter(|&i| !from_only || statements[i].from)
        {
            wanted[index] = true;
        }
    }
    Some(())
}

/// The wanted statements' bytes, adjacent ones joined; `None` when that is
/// every statement (the whole file's parse is as cheap, and simpler) or none.
pub(super) fn ranges_of(
    source: &str,
    statements: &[Statement],
    wanted: &[bool],
) -> Option<Vec<(usize, usize)>> {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for (index, statement) in statements.iter().enumerate() {
        if !wanted[index] {
            continue;
        }
        let end = statements.get(index + 1).map_or(source.len(), |s| s.start);
        match ranges.last_mut() {
            Some(last) if last.1 == statement.start => last.1 = end,
            _ => ranges.push((statement.start, end)),
        }
    }
    let whole = ranges.len() == 1 && ranges[0] == (statements[0].start, source.len());
    (!whole && !ranges.is_empty()).then_some(ranges)
}

/// The ranges as tree-sitter takes them: with rows and columns counted as
/// it counts them (`\n` ends a row; a column is a byte count).
pub(super) fn tree_sitter_ranges(source: &str, ranges: &[(usize, usize)]) -> Vec<Range> {
    let bytes = source.as_bytes();
    let mut row = 0;
    let mut counted = 0;
    let mut point = |offset: usize| {
        row += memchr::memchr_iter(b'\n', &bytes[counted..offset]).count();
        counted = offset;
        let line_start = memchr::memrchr(b'\n', &bytes[..offset]).map_or(0, |at| at + 1);
        Point::new(row, offset - line_start)
    };
    ranges
        .iter()
        .map(|&(start, end)| Range {
            start_byte: start,
            start_point: point(start),
            end_byte: end,
            end_point: point(end),
        })
        .collect()
}

/// The tree of only `ranges` of `text`, parsed with `parser`, which is
/// left parsing whole documents again (it is reused for the worker's next
/// file); `None` if tree-sitter refused the ranges or the tree is too
/// deep (the whole file's parse reports that).
pub(super) fn parse_ranges(
    parser: &mut tree_sitter::Parser,
    text: &str,
    ranges: &[(usize, usize)],
) -> Option<tree_sitter::Tree> {
    let ranges = tree_sitter_ranges(text, ranges);
    let parsed = parser
        .set_included_ranges(&ranges)
        .ok()
        .and_then(|()| crate::limits::parse_within(parser, text).ok());
    // An empty list is the whole document; it is always accepted.
    let reset = parser.set_included_ranges(&[]);
    debug_assert!(reset.is_ok());
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::scan;

    fn starts(source: &str) -> Vec<(usize, bool)> {
        top_level_statements(source, usize::MAX)
            .iter()
            .map(|s| (s.start, s.from))
            .collect()
    }

    fn shown(source: &str) -> Option<Vec<&str>> {
        let ranges = site_ranges(source, &scan(source))?;
        Some(ranges.iter().map(|&(a, b)| &source[a..b]).collect())
    }

    #[test]
    fn statements_group_clauses_decorators_and_blocks() {
        let source = "# head\nimport a\n@d\n\n@e(\n x)\ndef f():\n    pass\n# c\nif x:\n    y\nelse:\n    z\nfrom m import (\n  n)\ns = '''\nt\n'''\n";
        let at = |needle: &str| source.find(needle).unwrap();
        assert_eq!(
            starts(source),
            [
                (at("import a"), false),
                (at("@d"), false),
                (at("if x"), false),
                (at("from m"), true),
                (at("s = "), false),
            ]
        );
    }

    #[test]
    fn an_exit_takes_its_statement_and_at_module_level_the_previous_one() {
        let source = "import sys\nlogger.error('x')\n# why\nsys.exit(0)\ndef f():\n    sys.exit(1)\nclass A:\n    pass\n";
        assert_eq!(
            shown(source),
            Some(vec![
                "logger.error('x')\n# why\nsys.exit(0)\ndef f():\n    sys.exit(1)\n"
            ])
        );
        let nested =
            "import sys\nx = 1\ndef f():\n    pass\n\ndef g():\n    x = 2\n    sys.exit(1)\n";
        assert_eq!(
            shown(nested),
            Some(vec!["def g():\n    x = 2\n    sys.exit(1)\n"])
        );
    }

    #[test]
    fn module_wide_exit_facts_take_their_statements() {
        let source = "from errors import HelpfulError as HE\nimport sys\nx = HelpfulError\ndef f():\n    sys.exit(2)\ntry:\n    f()\nexcept SystemExit:\n    pass\n";
        assert_eq!(
            shown(source),
            Some(vec![
                "from errors import HelpfulError as HE\n",
                "def f():\n    sys.exit(2)\ntry:\n    f()\nexcept SystemExit:\n    pass\n",
            ])
        );
        // A thread-local needs neither.
        let local = "from errors import HelpfulError\nt = threading.local()\n";
        assert_eq!(shown(local), Some(vec!["t = threading.local()\n"]));
    }

    #[test]
    fn the_whole_file_or_a_site_before_any_statement_parses_everything() {
        assert_eq!(shown("import sys\nsys.exit(1)\n"), None);
        assert_eq!(shown("\u{feff}import sys\nsys.exit(1)\n"), None);
    }

    #[test]
    fn statements_are_read_up_to_the_one_after_the_last_offset_asked_about() {
        let source = "a = 1\nb = 2\nc = 3\nd = 4\n";
        let found = top_level_statements(source, source.find("b =").unwrap());
        assert_eq!(found.len(), 3, "{found:?}");
        let local = "import threading\nt = threading.local()\nu = 1\nv = 2\n";
        assert_eq!(shown(local), Some(vec!["t = threading.local()\n"]));
    }

    #[test]
    fn points_count_rows_by_line_feeds() {
        let source = "a = 1\r\nb = 2\r\nc = 3\n";
        let ranges = tree_sitter_ranges(source, &[(7, 14), (14, source.len())]);
        assert_eq!(ranges[0].start_point, Point::new(1, 0));
        assert_eq!(ranges[0].end_point, Point::new(2, 0));
        assert_eq!(ranges[1].end_point, Point::new(3, 0));
    }
}
