//! The shape of an assigned value, read from its tokens as far as the
//! tokens decide it: what `analysis::metrics::global_state` and
//! `analysis::state` ask of the value's tree node (a display, a call and
//! its callee, `None`, anything else). Where a parser could read the
//! tokens otherwise, the answer is [`Shape::Undecided`] and the caller
//! parses the file.

use super::lexer::{Token, TokenKind};

/// What the tree's node for a value would be, as far as the audit asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A display or comprehension: `"a dict"`, `"a list"` or `"a set"`.
    Display(&'static str),
    /// A call; the callee's text ends at `function_end`.
    Call { function_end: usize },
    /// The literal `None`.
    NoneLiteral,
    /// Any other expression (a name, a literal, an operator's result, a
    /// parenthesized value, a tuple, a lambda, a chained assignment...).
    Other,
    /// The tokens alone do not say.
    Undecided,
}

/// Python's hard keywords: never a name a statement assigns.
pub const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Names tree-sitter-python may read as something other than a plain
/// identifier at a statement's start (soft keywords, Python 2 statements).
pub const SOFT_KEYWORDS: &[&str] = &["match", "case", "type", "print", "exec", "_"];

/// Tokens that, met after a complete primary expression, make the value
/// an operator's result (binary, comparison, boolean, conditional, tuple,
/// chained assignment): never a display or a call.
const OPERATOR_CHARS: &[u8] = b"+-*/%@&|^~<>!=,";
const OPERATOR_WORDS: &[&str] = &["if", "and", "or", "not", "in", "is"];

/// Words that start a value that is not a primary (`not x`, `lambda: {}`).
const PREFIX_WORDS: &[&str] = &["not", "lambda", "await", "yield"];

struct Value<'a> {
    source: &'a str,
    tokens: &'a [Token],
}

impl Value<'_> {
    fn text(&self, index: usize) -> &str {
        let token = self.tokens[index];
        &self.source[token.start..token.end]
    }

    fn is_operator(&self, index: usize, text: &str) -> bool {
        self.tokens
            .get(index)
            .is_some_and(|t| t.kind == TokenKind::Operator && self.text(index) == text)
    }

    fn is_name(&self, index: usize) -> bool {
        self.tokens
            .get(index)
            .is_some_and(|t| t.kind == TokenKind::Name && !KEYWORDS.contains(&self.text(index)))
    }

    /// Whether the token at `index` ends a primary as an operator does.
    fn is_operator_after_primary(&self, index: usize) -> bool {
        let token = self.tokens[index];
        match token.kind {
            TokenKind::Operator => OPERATOR_CHARS.contains(&self.source.as_bytes()[token.start]),
            TokenKind::Name => OPERATOR_WORDS.contains(&self.text(index)),
            _ => false,
        }
    }

    /// The index of the bracket closing the one at `open`.
    fn close_of(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        for index in open..self.tokens.len() {
            if self.tokens[index].kind != TokenKind::Operator {
                continue;
            }
            match self.text(index) {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(index);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// A `{...}` display from `open` to `close`: a dict or a set (and
    /// their comprehensions), from its first element.
    fn brace_kind(&self, open: usize, close: usize) -> Option<&'static str> {
        if close == open + 1 {
            return Some("a dict");
        }
        let first = open + 1;
        if self.is_operator(first, "*") {
            let glued = self.is_operator(first + 1, "*")
                && self.tokens[first + 1].start == self.tokens[first].end;
            return Some(if glued { "a dict" } else { "a set" });
        }
        let mut index = first;
        while index < close {
            let token = self.tokens[index];
            let text = self.text(index);
            match token.kind {
                TokenKind::Operator if matches!(text, "(" | "[" | "{") => {
                    index = self.close_of(index)?;
                }
                TokenKind::Operator if text == "," => return Some("a set"),
                TokenKind::Operator if text == ":" => {
                    // A walrus (`{x := 1}`) or a lambda's colon: let the tree say.
                    let walrus = self.is_operator(index + 1, "=");
                    return (!walrus).then_some("a dict");
                }
                TokenKind::Name if matches!(text, "for" | "async") => return Some("a set"),
                TokenKind::Name if text == "lambda" => return None,
                _ => {}
            }
            index += 1;
        }
        Some("a set")
    }
}

/// The shape of the value made of `tokens` (everything after the `=`).
pub fn shape(source: &str, tokens: &[Token]) -> Shape {
    let value = Value { source, tokens };
    let Some(first) = tokens.first() else {
        return Shape::Undecided;
    };
    let first_text = value.text(0);
    let prefix = match first.kind {
        TokenKind::Operator => matches!(first_text, "-" | "+" | "~" | "*"),
        TokenKind::Name => PREFIX_WORDS.contains(&first_text),
        _ => false,
    };
    if prefix {
        return Shape::Other;
    }
    let atom_end = match first.kind {
        TokenKind::Operator if matches!(first_text, "(" | "[" | "{") => match value.close_of(0) {
            Some(close) => close + 1,
            None => return Shape::Undecided,
        },
        TokenKind::Name if value.is_name(0) || matches!(first_text, "None" | "True" | "False") => 1,
        TokenKind::String | TokenKind::Number => 1,
        _ => return Shape::Undecided,
    };
    let mut index = atom_end;
    let mut call_open = None;
    while index < tokens.len() {
        if value.is_operator(index, ".") && value.is_name(index + 1) {
            call_open = None;
            index += 2;
        } else if value.is_operator(index, "(") || value.is_operator(index, "[") {
            let Some(close) = value.close_of(index) else {
                return Shape::Undecided;
            };
            call_open = value.is_operator(index, "(").then_some(index);
            index = close + 1;
        } else {
            break;
        }
    }
    let trailers = index > atom_end;
    let odd_atom = matches!(first.kind, TokenKind::Number | TokenKind::String)
        && tokens.get(1).is_some_and(|t| t.kind == first.kind);
    let keyword_atom = first.kind == TokenKind::Name && !value.is_name(0);
    if odd_atom || (trailers && (keyword_atom || first.kind == TokenKind::Number)) {
        return Shape::Undecided;
    }
    if index < tokens.len() {
        return if value.is_operator_after_primary(index) {
            Shape::Other
        } else {
            Shape::Undecided
        };
    }
    match (call_open, trailers) {
        (Some(open), _) => Shape::Call {
            function_end: tokens[open - 1].end,
        },
        (None, true) => Shape::Other,
        (None, false) => match first_text {
            "[" if first.kind == TokenKind::Operator => Shape::Display("a list"),
            "{" if first.kind == TokenKind::Operator => value
                .brace_kind(0, atom_end - 1)
                .map_or(Shape::Undecided, Shape::Display),
            "None" => Shape::NoneLiteral,
            _ => Shape::Other,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexer::Lexer;
    use super::*;

    fn shape_of(value: &str) -> Shape {
        let tokens: Vec<Token> = Lexer::new(value).code().collect();
        shape(value, &tokens)
    }

    #[test]
    fn displays_and_comprehensions() {
        for (value, kind) in [
            ("{}", "a dict"),
            ("{'a': 1, **b}", "a dict"),
            ("{**b}", "a dict"),
            ("{k: v for k, v in x}", "a dict"),
            ("{1, 2}", "a set"),
            ("{*a}", "a set"),
            ("{x for x in y}", "a set"),
            ("{f(a=1)}", "a set"),
            ("[]", "a list"),
            ("[x for x in y]", "a list"),
        ] {
            assert_eq!(shape_of(value), Shape::Display(kind), "{value}");
        }
    }

    #[test]
    fn calls_name_where_their_callee_ends() {
        for (value, callee) in [
            ("Foo()", "Foo"),
            ("a.b.C(1, x=[2])", "a.b.C"),
            ("a . B ()", "a . B"),
            ("foo(1).Bar()", "foo(1).Bar"),
            ("{}.Foo()", "{}.Foo"),
            ("(Foo)()", "(Foo)"),
            ("''.join(x)", "''.join"),
            ("x[0](1)", "x[0]"),
        ] {
            let Shape::Call { function_end } = shape_of(value) else {
                panic!("{value}: {:?}", shape_of(value));
            };
            assert_eq!(&value[..function_end], callee, "{value}");
        }
    }

    #[test]
    fn other_values_are_neither_displays_nor_calls() {
        for value in [
            "1",
            "'s'",
            "a.b",
            "x[0]",
            "(1, 2)",
            "({})",
            "a, {}",
            "[] + []",
            "[1] * 3",
            "{}.copy",
            "f() if a else g()",
            "-f()",
            "not f()",
            "lambda: {}",
            "a = {}",
            "f() or {}",
        ] {
            assert_eq!(shape_of(value), Shape::Other, "{value}");
        }
        assert_eq!(shape_of("None"), Shape::NoneLiteral);
    }

    #[test]
    fn shapes_a_parser_might_read_otherwise_are_undecided() {
        for value in [
            "",
            "'a' 'b'.join(x)",
            "1 .real()",
            "{lambda: 1}",
            "{x := 1}",
            "f(",
            "a b",
            "None.x()",
            "if",
        ] {
            assert_eq!(shape_of(value), Shape::Undecided, "{value:?}");
        }
    }
}
