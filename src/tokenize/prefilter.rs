//! A file's code as the `diff` prefilter reads it: the bytes with every
//! comment and string literal blanked out, except the replacement fields of
//! f-strings (they are code), so a word found there is a code token; plus
//! where the string literals are (and which could be a statement of their
//! own), and on request the code tokens, from which `config_names` tells
//! whether provenance could find configuration.

mod flags;

use super::config_names::tokens_may_hold_config;
use super::lexer::{Lexer, Token, TokenKind, formatted_fields};
use crate::analysis::NameMatcher;

pub struct CodeView {
    /// The source, same length, comments and string literals replaced by
    /// spaces (line breaks kept, so lines stay lines).
    code: Vec<u8>,
    /// Byte ranges of the outermost string literals, in order.
    strings: Vec<(usize, usize)>,
    /// Per string literal: whether a parser could read it as a statement's
    /// own expression (see [`may_stand_alone`]).
    statement_level: Vec<bool>,
    /// The tokens but comments and line ends, when asked for (the same
    /// lexing serves the configuration test).
    tokens: Option<Vec<Token>>,
}

impl CodeView {
    /// `None` when a parser might read the text otherwise than the lexer
    /// does: broken (unbalanced brackets, unterminated strings,
    /// stray characters), or f-string forms older grammars read differently
    /// (a nested string with the enclosing quote character, a comment in a field,
    /// `\N{...}`). Callers then use the raw text. With `keep_tokens`,
    /// [`CodeView::may_hold_config`] can answer.
    pub fn new(source: &str, keep_tokens: bool) -> Option<CodeView> {
        let mut view = CodeView {
            code: source.as_bytes().to_vec(),
            strings: Vec::new(),
            statement_level: Vec::new(),
            tokens: keep_tokens.then(Vec::new),
        };
        if source.starts_with('\u{feff}') {
            view.blank(0, '\u{feff}'.len_utf8());
        }
        let mut lexer = Lexer::new(source);
        let (mut depth, mut previous) = (0usize, None);
        for token in lexer.by_ref() {
            match token.kind {
                TokenKind::Comment => view.blank(token.start, token.end),
                TokenKind::String => {
                    view.strings.push((token.start, token.end));
                    let alone = depth == 0 && may_stand_alone(source, previous);
                    view.statement_level.push(alone);
                    view.string(source, token)?;
                }
                TokenKind::Operator => match source.as_bytes()[token.start] {
                    b'(' | b'[' | b'{' => depth += 1,
                    b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                    _ => {}
                },
                _ => {}
            }
            if token.kind != TokenKind::Comment {
                previous = Some(token);
            }
            if let Some(tokens) = view.tokens.as_mut()
                && !matches!(token.kind, TokenKind::Comment | TokenKind::Newline)
            {
                tokens.push(token);
            }
        }
        (!lexer.suspect()).then_some(view)
    }

    /// Whether provenance could call a receiver in `source` (the text the
    /// view was made from) configuration: `config_names::may_hold_config`
    /// on the tokens already lexed, without its text search first (a
    /// parameter defaulted in place names no configuration word). `None`
    /// when the view was made without its tokens.
    pub fn may_hold_config(&self, source: &str, names: &NameMatcher) -> Option<bool> {
        let tokens = self.tokens.as_ref()?;
        Some(tokens_may_hold_config(source, tokens, names))
    }

    /// Whether a `declared-flag` capture could name a flag an
    /// `add_argument(...)` call of `source` declares (see
    /// [`flags::may_name_declared_flag`]). `None` when the view was made
    /// without its tokens.
    pub fn may_name_declared_flag(&self, source: &str) -> Option<bool> {
        let tokens = self.tokens.as_ref()?;
        Some(flags::may_name_declared_flag(source, tokens))
    }

    /// The text with only code left.
    pub fn code(&self) -> &[u8] {
        &self.code
    }

    /// Whether `start..end` lies inside one string literal.
    pub fn in_string(&self, start: usize, end: usize) -> bool {
        self.string_around(start, end).is_some()
    }

    /// Whether `start..end` lies inside one string literal that may be a
    /// statement of its own (`(expression_statement (string))`).
    pub fn in_statement_string(&self, start: usize, end: usize) -> bool {
        self.string_around(start, end)
            .is_some_and(|index| self.statement_level[index])
    }

    /// The index of the string literal holding `start..end`.
    fn string_around(&self, start: usize, end: usize) -> Option<usize> {
        let after = self.strings.partition_point(|(s, _)| *s <= start);
        (after > 0 && end <= self.strings[after - 1].1).then(|| after - 1)
    }

    /// Spaces over `start..end` but its line breaks (filled a line at a
    /// time: docstrings are long).
    fn blank(&mut self, start: usize, end: usize) {
        let range = &mut self.code[start..end];
        let mut from = 0;
        while let Some(offset) = memchr::memchr2(b'\n', b'\r', &range[from..]) {
            range[from..from + offset].fill(b' ');
            from += offset + 1;
        }
        range[from..].fill(b' ');
    }

    /// Blanks a string literal but for its replacement fields, whose own
    /// strings and comments are blanked in turn.
    fn string(&mut self, source: &str, token: Token) -> Option<()> {
        self.blank(token.start, token.end);
        let fields = formatted_fields(source, &token);
        let literal = &source[token.start..token.end];
        let quotes = delimiter(literal);
        if is_formatted(literal) && literal.contains("\\N{") {
            return None;
        }
        for (start, end) in fields {
            self.code[start..end].copy_from_slice(&source.as_bytes()[start..end]);
            let mut lexer = Lexer::within(source, start, end);
            for inner in lexer.by_ref() {
                match inner.kind {
                    TokenKind::Comment => return None,
                    TokenKind::String => {
                        let nested = delimiter(&source[inner.start..inner.end]);
                        if nested.bytes().next() == quotes.bytes().next() {
                            return None;
                        }
                        self.string(source, inner)?;
                    }
                    _ => {}
                }
            }
            if lexer.suspect() {
                return None;
            }
        }
        Some(())
    }
}

/// Keywords after which a string is an operand in valid code (`return
/// "x"`, `raise E from "x"`, `a if b else "x"`).
const OPERAND_KEYWORDS: &[&str] = &[
    "and", "assert", "await", "del", "elif", "else", "except", "from", "if", "in", "is", "not",
    "or", "raise", "return", "while", "with", "yield",
];

/// Whether a string literal at bracket depth 0 after `previous` (the
/// token before it, comments aside) may be a direct child of an expression
/// statement: it starts a logical line, follows `:` (a one-line body), `;`
/// or `,` (a bare tuple). After anything else but an operator, another
/// string (implicit concatenation) or a keyword that takes an operand, the
/// code is not valid Python and the parser's recovery may read it as a
/// statement, so that counts too.
fn may_stand_alone(source: &str, previous: Option<Token>) -> bool {
    let Some(previous) = previous else {
        return true;
    };
    let text = &source[previous.start..previous.end];
    match previous.kind {
        TokenKind::String => false,
        TokenKind::Operator => matches!(text, ":" | ";" | "," | ")" | "]" | "}"),
        TokenKind::Name => !OPERAND_KEYWORDS.contains(&text),
        TokenKind::Newline | TokenKind::Number | TokenKind::Comment => true,
    }
}

/// The opening quotes of a string literal: `'`, `"`, `'''` or `"""`.
fn delimiter(literal: &str) -> &str {
    let open = literal.find(['"', '\'']).unwrap_or(literal.len());
    let rest = &literal[open..];
    let triple = rest.len() >= 3
        && rest.as_bytes()[..3]
            .iter()
            .all(|b| *b == rest.as_bytes()[0]);
    &rest[..if triple { 3 } else { rest.len().min(1) }]
}

fn is_formatted(literal: &str) -> bool {
    let open = literal.find(['"', '\'']).unwrap_or(0);
    literal[..open].contains(['f', 'F', 't', 'T'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(source: &str) -> Option<String> {
        CodeView::new(source, false).map(|v| String::from_utf8(v.code).unwrap())
    }

    #[test]
    fn comments_and_strings_are_blanked_and_lines_kept() {
        let source = "x = 'exit(1)'  # exit(2)\ny = \"\"\"a\nexit\"\"\" + z\r\n";
        assert_eq!(
            code(source).unwrap(),
            "x =                     \ny =     \n        + z\r\n"
        );
    }

    #[test]
    fn f_string_fields_are_code_and_their_strings_are_not() {
        let source = "f'{cfg.get(\"exit\")!r:>{width}} exit {{no}}'\n";
        assert_eq!(
            code(source).unwrap(),
            "   cfg.get(      )!r   width               \n"
        );
        let nested = "f'{f\"{a.get(1)}\"}'\n";
        assert_eq!(code(nested).unwrap(), "      a.get(1)    \n");
    }

    #[test]
    fn a_bom_is_not_part_of_the_first_word() {
        let view = CodeView::new("\u{feff}exit(1)\n", false).unwrap();
        assert_eq!(view.code(), b"   exit(1)\n");
    }

    #[test]
    fn string_ranges_are_known() {
        let source = "x = 'a' + f'{y} b'  # 'c'\n";
        let view = CodeView::new(source, false).unwrap();
        let at = |needle: &str| {
            let start = source.find(needle).unwrap();
            view.in_string(start, start + needle.len())
        };
        assert!(at("a'"));
        assert!(at("y} b"));
        assert!(!at("x"));
        assert!(!at("c'"));
    }

    #[test]
    fn statement_strings_are_told_from_operands() {
        let source = "'''m'''\ndef f(): 's'\nclass C:\n    \"\"\"d\"\"\"  # c\n    x = 'o'\n\
                      y, 't'\nz = ('p'\n     'q')\nreturn 'r'\n'u' 'v'; 'w'\nprint 'n'\n";
        let view = CodeView::new(source, false).unwrap();
        let alone = |needle: &str| {
            let start = source.find(needle).unwrap();
            view.in_statement_string(start, start + needle.len())
        };
        for statement in ["m", "'s'", "\"d\"", "'t'", "'u'", "'w'", "'n'"] {
            assert!(alone(statement), "{statement}");
        }
        for operand in ["'o'", "'p'", "'q'", "'r'", "'v'"] {
            assert!(!alone(operand), "{operand}");
        }
    }

    #[test]
    fn text_a_parser_may_read_otherwise_has_no_view() {
        let doubtful = [
            "f(1\n",
            "s = 'oops\n",
            "f\"{d[\"k\"]}\"\n",
            "f'''{d['''k''']}'''\n",
            "f'{x  # c\n}'\n",
            "f'\\N{DASH} {x}'\n",
            "f'''{d['k']}'''\n",
        ];
        for source in doubtful {
            assert!(code(source).is_none(), "{source:?}");
        }
        let fine = ["f'''{d[\"k\"]}'''\n", "f\"{d['k']}\"\n", "'\\N{DASH}'\n"];
        for source in fine {
            assert!(code(source).is_some(), "{source:?}");
        }
    }
}
