//! Statements of a logical line, read from tokens: `name = value` and
//! `name: annotation = value` with their parts (`state.rs` decides what
//! the audit's global-state checks would say of them).

use super::lexer::{Token, TokenKind};
use super::value::KEYWORDS;

/// Operator characters that make a following `=` part of another operator
/// (`==`, `<=`, `+=`, `:=`, ...).
const COMPOUND_BEFORE_EQUALS: &[u8] = b"=<>!:+-*/%&|^@~";

/// A statement's tokens with their text.
pub struct Statement<'a> {
    source: &'a str,
    pub tokens: &'a [Token],
}

/// `name = value` or `name: annotation = value`.
pub struct Assignment<'a> {
    pub name: &'a str,
    /// The annotation's text (empty without one).
    pub annotation: &'a str,
    pub value: &'a [Token],
}

impl<'a> Statement<'a> {
    fn text(&self, index: usize) -> Option<&'a str> {
        let token = self.tokens.get(index)?;
        Some(&self.source[token.start..token.end])
    }

    fn is(&self, index: usize, kind: TokenKind, text: &str) -> bool {
        self.tokens.get(index).is_some_and(|t| t.kind == kind) && self.text(index) == Some(text)
    }

    /// Whether the token at `index` is a plain `=` (not part of `==`,
    /// `+=`, `:=`, ...: the lexer makes each operator character a token).
    fn is_plain_equals(&self, index: usize) -> bool {
        if !self.is(index, TokenKind::Operator, "=") {
            return false;
        }
        let token = self.tokens[index];
        let glued_before = index.checked_sub(1).is_some_and(|before| {
            let previous = self.tokens[before];
            previous.kind == TokenKind::Operator
                && previous.end == token.start
                && COMPOUND_BEFORE_EQUALS.contains(&self.source.as_bytes()[previous.start])
        });
        let glued_after = self.is(index + 1, TokenKind::Operator, "=")
            && self.tokens[index + 1].start == token.end;
        !glued_before && !glued_after
    }

    /// Whether a plain `=` stands outside any bracket (an assignment's).
    pub fn has_plain_equals(&self) -> bool {
        let mut depth = 0i32;
        (0..self.tokens.len()).any(|index| {
            match self.text(index) {
                Some("(" | "[" | "{") => depth += 1,
                Some(")" | "]" | "}") => depth -= 1,
                _ => {}
            }
            depth == 0 && self.is_plain_equals(index)
        })
    }

    /// Whether the statement's second token is a plain `=` or a `:` (not
    /// `:=`): it can only be an assignment or an annotation.
    pub fn starts_assignment(&self) -> bool {
        self.is_plain_equals(1)
            || (self.is(1, TokenKind::Operator, ":") && !self.is(2, TokenKind::Operator, "="))
    }

    /// `name = value` or `name: annotation = value` (a bare annotation
    /// assigns nothing; a keyword before `:` starts a block).
    pub fn assignment(&self) -> Option<Assignment<'a>> {
        let name = self
            .text(0)
            .filter(|_| self.tokens[0].kind == TokenKind::Name)?;
        if self.is_plain_equals(1) {
            let value = &self.tokens[2..];
            return Some(Assignment {
                name,
                annotation: "",
                value,
            });
        }
        let annotated = self.is(1, TokenKind::Operator, ":")
            && !self.is(2, TokenKind::Operator, "=")
            && !KEYWORDS.contains(&name);
        if !annotated {
            return None;
        }
        let mut depth = 0i32;
        for index in 2..self.tokens.len() {
            match self.text(index) {
                Some("(" | "[" | "{") => depth += 1,
                Some(")" | "]" | "}") => depth -= 1,
                _ if depth == 0 && self.is_plain_equals(index) && index > 2 => {
                    let annotation = &self.source[self.tokens[2].start..self.tokens[index - 1].end];
                    return Some(Assignment {
                        name,
                        annotation,
                        value: &self.tokens[index + 1..],
                    });
                }
                _ => {}
            }
        }
        None
    }
}

/// The statements of a logical line (split at `;`).
pub fn statements<'a>(
    source: &'a str,
    tokens: &'a [Token],
) -> impl Iterator<Item = Statement<'a>> + 'a {
    tokens
        .split(|t| t.kind == TokenKind::Operator && &source[t.start..t.end] == ";")
        .map(move |tokens| Statement { source, tokens })
}

/// The tokens after a one-line class header's `:` (`class A: x = {}`).
pub fn one_line_body<'a>(source: &str, tokens: &'a [Token]) -> &'a [Token] {
    let mut depth = 0i32;
    for (index, token) in tokens.iter().enumerate() {
        match &source[token.start..token.end] {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth -= 1,
            ":" if depth == 0 && token.kind == TokenKind::Operator => {
                return &tokens[index + 1..];
            }
            _ => {}
        }
    }
    &[]
}

#[cfg(test)]
mod tests {
    use super::super::lexer::Lexer;
    use super::*;

    fn assignments(line: &str) -> Vec<(String, String, String)> {
        let tokens: Vec<Token> = Lexer::new(line).code().collect();
        statements(line, &tokens)
            .filter_map(|s| s.assignment())
            .map(|a| {
                let value = match (a.value.first(), a.value.last()) {
                    (Some(first), Some(last)) => &line[first.start..last.end],
                    _ => "",
                };
                (a.name.into(), a.annotation.into(), value.into())
            })
            .collect()
    }

    #[test]
    fn plain_annotated_and_chained_assignments_and_what_is_not_one() {
        let owned = |list: &[(&str, &str, &str)]| -> Vec<(String, String, String)> {
            list.iter()
                .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
                .collect()
        };
        assert_eq!(
            assignments("a = {}; b: Dict[str, int] = dict(); c = d = []"),
            owned(&[
                ("a", "", "{}"),
                ("b", "Dict[str, int]", "dict()"),
                ("c", "", "d = []")
            ])
        );
        for not_one in [
            "x == 1",
            "x += []",
            "x <= []",
            "x.y = {}",
            "a, b = [], []",
            "bare: int",
            "else: x = {}",
            "except: x = {}",
            "f(a=1)",
            "x := 1",
        ] {
            assert_eq!(assignments(not_one), [], "{not_one}");
        }
    }
}
