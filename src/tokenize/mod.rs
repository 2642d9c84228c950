//! What the audit needs from a file, read by a tokenizer instead of a
//! parser: function extents as Python's `ast` counts them, code lines, and
//! where the calls the audit looks for are. About 30× cheaper than a
//! tree-sitter parse, so callers can parse only files that need a tree.
//!
//! A function runs from its `def` (or `async`) token to the last token of
//! the last logical line before the first logical line indented at or below
//! the `def`; blank and comment-only lines are not logical lines, so they
//! neither end a function nor count towards it.

mod config_flow;
mod config_names;
pub mod dataclass;
mod lexer;
mod module;
mod needs_tree;
pub mod prefilter;
mod rows;
mod sites;
pub mod state;
mod value;

pub use config_flow::config_get_lines;
pub use lexer::{Lexer, Token, TokenKind};
pub use needs_tree::{TreeNeed, audit_needs_tree, audit_tree_need, audit_tree_plan};
pub use sites::{CallKind, CallSite};

use rows::indent_column;

/// A function definition's extent, in 0-based rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionExtent {
    pub name: String,
    /// Offset of the `def` or, for `async def`, of `async`.
    pub offset: usize,
    /// Row of `def` (decorators are not part of it, as in `ast`).
    pub start_row: usize,
    /// Row of the body's last token (comments after it do not count).
    pub end_row: usize,
    /// Rows from `start_row` to `end_row` holding a token other than a
    /// comment (all rows of a multi-line string).
    pub code_lines: usize,
    /// `Class.method`: the names of the enclosing classes and functions
    /// and its own, outermost first.
    pub qualified_name: String,
    /// Offset and row of its name (the `def` row unless a continuation
    /// line comes between).
    pub name_offset: usize,
    pub name_row: usize,
}

impl FunctionExtent {
    /// `end_lineno - lineno`, the plan's method length.
    pub fn lines(&self) -> usize {
        self.end_row - self.start_row
    }
}

/// Everything the tokenizer reads from one file.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FileTokens {
    /// In source order (outer functions before the ones they contain).
    pub functions: Vec<FunctionExtent>,
    /// In source order.
    pub calls: Vec<CallSite>,
    /// Names declared `global`, in source order.
    pub global_names: Vec<String>,
    /// Module-level assignments, class-level containers and singletons,
    /// cached module functions (see [`state`]).
    pub state: state::StateFacts,
    /// Likely not valid Python (see [`Lexer::suspect`]; also inconsistent
    /// indentation): token facts may differ from a parser's recovery.
    pub suspect: bool,
    /// The code tokens, by logical line, for the checks that read them
    /// again (`needs_tree`'s configuration checks), so they lex nothing.
    pub code: CodeTokens,
}

/// A file's code tokens (no comments or line ends: [`Lexer::code`]) and
/// where each logical line ends, as indices into them.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CodeTokens {
    pub tokens: Vec<Token>,
    /// Exclusive end index of each logical line's tokens, in order.
    pub line_ends: Vec<usize>,
}

impl CodeTokens {
    /// Each logical line's tokens, in order.
    pub fn lines(&self) -> impl Iterator<Item = &[Token]> {
        let starts = std::iter::once(0).chain(self.line_ends.iter().copied());
        starts
            .zip(&self.line_ends)
            .map(|(start, &end)| &self.tokens[start..end])
    }
}

/// A `def` or `class` whose body has not ended yet.
struct OpenScope {
    indent: usize,
    class: bool,
    name: String,
    qualified_name: String,
    offset: usize,
    start_row: usize,
    name_offset: usize,
    name_row: usize,
}

/// The scan's state between logical lines.
struct Scan<'s> {
    source: &'s str,
    /// Open classes and functions, innermost last.
    open: Vec<OpenScope>,
    /// Row of the last token of the previous logical line.
    last_row: usize,
    /// Rows holding code, increasing, each once (tokens come in row order).
    code_rows: Vec<usize>,
    found: FileTokens,
    /// Each function's extent before its code lines are counted.
    closed: Vec<(OpenScope, usize)>,
    /// Indentation columns of the open blocks, innermost last.
    indents: Vec<usize>,
    /// Whether the previous logical line ended with `:` (opened a block).
    opens_block: bool,
    state: state::StateScan,
    /// End of the last comment of the logical line being read.
    comment_end: Option<usize>,
}

/// The logical line being read: where its tokens (comments left out)
/// start among the file's, the row of each token's start, where its first
/// physical line starts, and the row of its last token's last byte.
/// Reused from line to line.
#[derive(Default)]
struct LineTokens {
    begin: usize,
    rows: Vec<usize>,
    line_start: usize,
    last_row: usize,
}

/// Reads `source` (a whole file, BOM allowed) once.
pub fn scan(source: &str) -> FileTokens {
    let mut scan = Scan {
        source,
        open: Vec::new(),
        last_row: 0,
        code_rows: Vec::new(),
        found: FileTokens::default(),
        closed: Vec::new(),
        indents: vec![0],
        opens_block: false,
        state: state::StateScan::default(),
        comment_end: None,
    };
    let mut line = LineTokens::default();
    // About one token per 6 bytes of source (stdlib): room for one per 4,
    // so the vector rarely grows (a copy); pages never written to are
    // never resident.
    let mut code = CodeTokens {
        tokens: Vec::with_capacity(source.len() / 4 + 16),
        line_ends: Vec::new(),
    };
    let mut lexer = Lexer::new(source);
    while let Some(token) = lexer.next() {
        match token.kind {
            TokenKind::Comment => scan.comment_end = Some(token.end),
            TokenKind::Newline => {
                scan.logical_line(&code.tokens[line.begin..], &line);
                if code.tokens.len() > line.begin {
                    code.line_ends.push(code.tokens.len());
                }
                line.begin = code.tokens.len();
                line.rows.clear();
                scan.comment_end = None;
            }
            _ => {
                let (first_row, last_row) = lexer.token_rows();
                if code.tokens.len() == line.begin {
                    line.line_start = lexer.token_line_start();
                }
                scan.mark_code_rows(first_row, last_row);
                code.tokens.push(token);
                line.rows.push(first_row);
                line.last_row = last_row;
            }
        }
    }
    // The lexer ends every line with a `Newline`; a line left open would
    // still be one.
    if code.tokens.len() > line.begin {
        code.line_ends.push(code.tokens.len());
    }
    scan.found.suspect |= lexer.suspect() || scan.opens_block;
    scan.found.code = code;
    scan.finish()
}

impl Scan<'_> {
    fn text(&self, token: &Token) -> &str {
        &self.source[token.start..token.end]
    }

    /// A token's text as bytes: no character boundaries to check.
    fn bytes(&self, token: &Token) -> &[u8] {
        &self.source.as_bytes()[token.start..token.end]
    }

    fn logical_line(&mut self, tokens: &[Token], line: &LineTokens) {
        let Some(first) = tokens.first() else {
            return;
        };
        let indent = indent_column(self.source.as_bytes(), line.line_start, first.start);
        self.check_indent(indent);
        self.opens_block = tokens
            .last()
            .is_some_and(|t| t.kind == TokenKind::Operator && self.bytes(t) == b":");
        self.close_scopes(|open| open.indent >= indent);
        let in_top_class = self.open.last().is_some_and(|s| s.class && s.indent == 0);
        let state_line = state::Line {
            source: self.source,
            tokens,
            rows: &line.rows,
            indent,
            comment_end: self.comment_end,
        };
        self.state.line(&state_line, in_top_class);
        if let Some(scope) = self.scope_opened_by(tokens, &line.rows, indent) {
            self.open.push(scope);
        }
        self.last_row = line.last_row;
        sites::collect(self.source, tokens, &mut self.found);
    }

    /// Python's indentation rules: a block opener is followed by a deeper
    /// line, any other line by one at an open block's column.
    fn check_indent(&mut self, indent: usize) {
        let top = self.indents.last().copied().unwrap_or(0);
        if self.opens_block && indent > top {
            self.indents.push(indent);
            return;
        }
        while self.indents.last().is_some_and(|&open| open > indent) {
            self.indents.pop();
        }
        let consistent = !self.opens_block && self.indents.last() == Some(&indent);
        self.found.suspect |= !consistent;
    }

    /// A line starting with `def`, `async def` or `class` opens a scope
    /// (they are keywords, and a compound statement always starts a
    /// logical line).
    fn scope_opened_by(
        &mut self,
        tokens: &[Token],
        rows: &[usize],
        indent: usize,
    ) -> Option<OpenScope> {
        let is_name = |token: Option<&Token>, name: &str| {
            token.is_some_and(|t| t.kind == TokenKind::Name && self.bytes(t) == name.as_bytes())
        };
        let (keyword_at, class) = if is_name(tokens.first(), "def") {
            (0, false)
        } else if is_name(tokens.first(), "class") {
            (0, true)
        } else if is_name(tokens.first(), "async") && is_name(tokens.get(1), "def") {
            (1, false)
        } else {
            return None;
        };
        let name_token = tokens
            .get(keyword_at + 1)
            .filter(|t| t.kind == TokenKind::Name);
        let name = name_token.map_or(String::new(), |t| self.text(t).to_string());
        // Built by hand: `format!` costs more than the rest of the scope.
        let qualified_name = match self.open.last() {
            Some(outer) => {
                let outer = &outer.qualified_name;
                let mut qualified = String::with_capacity(outer.len() + 1 + name.len());
                qualified.push_str(outer);
                qualified.push('.');
                qualified.push_str(&name);
                qualified
            }
            None => name.clone(),
        };
        let offset = tokens[0].start;
        let name_offset = name_token.map_or(offset, |t| t.start);
        let name_row = if name_token.is_some() {
            rows[keyword_at + 1]
        } else {
            rows[0]
        };
        Some(OpenScope {
            indent,
            class,
            name,
            qualified_name,
            offset,
            start_row: rows[0],
            name_offset,
            name_row,
        })
    }

    /// Ends the innermost open scopes `ends` selects at the previous
    /// logical line; functions keep their extent.
    fn close_scopes(&mut self, ends: impl Fn(&OpenScope) -> bool) {
        while self.open.last().is_some_and(&ends) {
            if let Some(scope) = self.open.pop().filter(|s| !s.class) {
                self.closed.push((scope, self.last_row));
            }
        }
    }

    fn mark_code_rows(&mut self, first: usize, last: usize) {
        match self.code_rows.last() {
            // Most tokens share their row with the one before.
            Some(&marked) if marked >= last => {}
            marked => {
                let unmarked = marked.map_or(0, |&row| row + 1);
                self.code_rows.extend(first.max(unmarked)..=last);
            }
        }
    }

    fn finish(mut self) -> FileTokens {
        self.close_scopes(|_| true);
        self.found.state = self.state.finish(self.source);
        let code_rows = &self.code_rows;
        let code_rows_before = |row: usize| code_rows.partition_point(|&r| r < row);
        let mut functions: Vec<FunctionExtent> = self
            .closed
            .into_iter()
            .map(|(open, end_row)| FunctionExtent {
                code_lines: code_rows_before(end_row + 1) - code_rows_before(open.start_row),
                name: open.name,
                qualified_name: open.qualified_name,
                name_offset: open.name_offset,
                name_row: open.name_row,
                offset: open.offset,
                start_row: open.start_row,
                end_row,
            })
            .collect();
        functions.sort_by_key(|f| f.offset);
        self.found.functions = functions;
        self.found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (name, start row, lines, code lines) of each function.
    fn extents(source: &str) -> Vec<(String, usize, usize, usize)> {
        scan(source)
            .functions
            .into_iter()
            .map(|f| (f.name.clone(), f.start_row, f.lines(), f.code_lines))
            .collect()
    }

    fn named(list: &[(&str, usize, usize, usize)]) -> Vec<(String, usize, usize, usize)> {
        list.iter()
            .map(|&(n, s, l, c)| (n.to_string(), s, l, c))
            .collect()
    }

    #[test]
    fn a_function_ends_at_its_last_token_not_at_trailing_comments_or_blanks() {
        let source =
            "@deco\ndef f():\n    x = 1\n\n    return '''a\nb'''\n    # trailing\n\nz = 1\n";
        assert_eq!(extents(source), named(&[("f", 1, 4, 4)]));
    }

    #[test]
    fn nested_one_line_and_async_functions() {
        let source = "class A:\n    async def m(self,\n            x):\n        def inner(): return 1\n        return x\n    def g(self): pass; y = 2\n\ndef last():\n    pass";
        assert_eq!(
            extents(source),
            named(&[
                ("m", 1, 3, 4),
                ("inner", 3, 0, 1),
                ("g", 5, 0, 1),
                ("last", 7, 1, 2),
            ])
        );
    }

    #[test]
    fn dedented_continuation_and_bracket_lines_stay_in_the_function() {
        let source = "def f():\n    x = (1,\n2)\n    y = 1 + \\\n3\n# c at column 0\n    return [\n]\nq = 0\n";
        assert_eq!(extents(source), named(&[("f", 0, 7, 7)]));
    }

    #[test]
    fn crlf_and_tabs_count_like_python() {
        let source =
            "def f():\r\n\tif x:\r\n\t\treturn 1\r\n\treturn 2\r\n\r\ndef g():\r\n\tpass\r\n";
        assert_eq!(extents(source), named(&[("f", 0, 3, 4), ("g", 5, 1, 2)]));
    }

    #[test]
    fn code_tokens_are_the_lexers_code_split_at_its_line_ends() {
        for source in [
            "",
            "# only a comment\n",
            "x = (1,\n  2)  # c\ny = f'{a\n}' \\\n  + 1\n\n\tz",
            "def f(:\n  ]\n",
        ] {
            let code = scan(source).code;
            let lexed: Vec<Token> = Lexer::new(source).code().collect();
            assert_eq!(code.tokens, lexed, "{source:?}");
            let mut lines: Vec<Vec<Token>> = vec![Vec::new()];
            for token in Lexer::new(source) {
                match token.kind {
                    TokenKind::Comment => {}
                    TokenKind::Newline => lines.push(Vec::new()),
                    _ => lines.last_mut().unwrap().push(token),
                }
            }
            lines.retain(|line| !line.is_empty());
            let split: Vec<Vec<Token>> = code.lines().map(<[Token]>::to_vec).collect();
            assert_eq!(split, lines, "{source:?}");
        }
    }

    #[test]
    fn inconsistent_indentation_is_suspect() {
        for broken in [
            "if x:\ny = 1\n",
            "x = 1\n    y = 2\n",
            "if x:\n    a\n  b\n",
            "if x:",
        ] {
            assert!(scan(broken).suspect, "{broken:?}");
        }
        let fine = "if x:\n    a\n\n# c\nelse: b\nclass A:\n\tdef f(self): pass\n";
        assert!(!scan(fine).suspect);
    }

    #[test]
    fn strings_and_comments_that_look_like_code_are_not_code() {
        let source = "def f():\n    s = f\"{x[\"def\"]}\"\n    '''\ndef g():\n'''\n    # def h():\ndef k(): ...\n";
        assert_eq!(extents(source), named(&[("f", 0, 4, 5), ("k", 6, 0, 1)]));
    }
}
