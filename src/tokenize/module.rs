//! Assignments that may hold shared mutable state, read from tokens: what
//! the audit's global-state checks could flag. Module level:
//! `analysis::metrics::global_state`; class bodies and cache decorators:
//! `analysis::state::shared_state`. Conservative: a statement this passes
//! over is one those checks cannot flag; one it names still gets a tree.

use super::lexer::{Token, TokenKind};
use crate::analysis::metrics::is_instance_callee;
use crate::analysis::state::CLASS_CONTAINER_CALLS;

/// Keywords that a `:` can follow at the start of a line.
const BLOCK_KEYWORDS: &[&str] = &["else", "try", "finally"];

/// Operator characters that make a following `=` part of another operator
/// (`==`, `<=`, `+=`, `:=`, ...).
const COMPOUND_BEFORE_EQUALS: &[u8] = b"=<>!:+-*/%&|^@~";

/// A logical line's tokens with their text.
struct Statement<'a> {
    source: &'a str,
    tokens: &'a [Token],
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

    /// `name = value` or `name: annotation = value`: the name and the
    /// value's tokens (a bare annotation assigns nothing).
    fn assignment(&self) -> Option<(&'a str, &'a [Token])> {
        let name = self
            .text(0)
            .filter(|_| self.tokens[0].kind == TokenKind::Name)?;
        if self.is_plain_equals(1) {
            return Some((name, &self.tokens[2..]));
        }
        let annotated = self.is(1, TokenKind::Operator, ":")
            && !self.is(2, TokenKind::Operator, "=")
            && !BLOCK_KEYWORDS.contains(&name);
        if !annotated {
            return None;
        }
        let mut depth = 0i32;
        for index in 2..self.tokens.len() {
            match self.text(index) {
                Some("(" | "[" | "{") => depth += 1,
                Some(")" | "]" | "}") => depth -= 1,
                _ if depth == 0 && self.is_plain_equals(index) => {
                    return Some((name, &self.tokens[index + 1..]));
                }
                _ => {}
            }
        }
        None
    }
}

/// The statements of a logical line (split at `;`).
fn statements<'a>(
    source: &'a str,
    tokens: &'a [Token],
) -> impl Iterator<Item = Statement<'a>> + 'a {
    tokens
        .split(|t| t.kind == TokenKind::Operator && &source[t.start..t.end] == ";")
        .map(move |tokens| Statement { source, tokens })
}

/// The names a module-level logical line assigns a value that may be
/// mutable: a display or comprehension (`{`, `[`), a call of a class or a
/// mutable container (`Session()`, `defaultdict(list)`), or any other value
/// holding a call (`Foo(1).bar()`, `(Foo)()`: the tree decides). Tuples
/// and other parenthesized values are not.
pub fn assigned_names<'s>(source: &'s str, tokens: &'s [Token]) -> Vec<&'s str> {
    statements(source, tokens)
        .filter_map(|statement| {
            let (name, value) = statement.assignment()?;
            may_be_mutable(source, value).then_some(name)
        })
        .collect()
}

fn may_be_mutable(source: &str, value: &[Token]) -> bool {
    let is_operator = |token: &Token, text: &str| {
        token.kind == TokenKind::Operator && &source[token.start..token.end] == text
    };
    let Some(first) = value.first() else {
        return false;
    };
    if is_operator(first, "{") || is_operator(first, "[") {
        return true;
    }
    if is_operator(first, "(") && matching_close(source, value, 0) == Some(value.len() - 1) {
        // A tuple, a generator or a parenthesized value: never a call.
        return false;
    }
    match simple_call_callee(source, value) {
        Some(callee) => is_instance_callee(callee.rsplit('.').next().unwrap_or(callee)),
        None => value.iter().any(|t| is_operator(t, "(")),
    }
}

/// The callee of a value that is exactly one call of a dotted name
/// (`a.b.C(...)`, written without spaces in the name), or `None`.
fn simple_call_callee<'s>(source: &'s str, value: &[Token]) -> Option<&'s str> {
    let text = |token: &Token| &source[token.start..token.end];
    let mut end = 0;
    loop {
        let name = value.get(end).filter(|t| t.kind == TokenKind::Name)?;
        let next = value.get(end + 1)?;
        let glued = next.start == name.end;
        match text(next) {
            "." if glued => end += 2,
            "(" => break,
            _ => return None,
        }
        (value.get(end)?.start == next.end).then_some(())?;
    }
    let open = end + 1;
    let close = matching_close(source, value, open)?;
    (close + 1 == value.len()).then(|| &source[value[0].start..value[end].end])
}

/// The index of the bracket closing the one at `open`.
fn matching_close(source: &str, tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (index, token) in tokens.iter().enumerate().skip(open) {
        match &source[token.start..token.end] {
            "(" | "[" | "{" if token.kind == TokenKind::Operator => depth += 1,
            ")" | "]" | "}" if token.kind == TokenKind::Operator => {
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

/// Whether a statement directly in a top-level class body may be one the
/// class-level checks flag: a mutable container shared by every instance
/// (`_modules = {}`, `cache = dict()`), or `_instance = None` when the file
/// assigns `._instance =` somewhere (a singleton).
pub fn class_statement_may_share(source: &str, tokens: &[Token]) -> bool {
    statements(source, tokens).any(|statement| {
        let Some((name, value)) = statement.assignment() else {
            return false;
        };
        let value = Statement {
            source,
            tokens: value,
        };
        match value.text(0) {
            Some("{" | "[") => value.tokens[0].kind == TokenKind::Operator,
            Some("None") => source.contains(&format!(".{name} =")),
            Some(callee) => {
                CLASS_CONTAINER_CALLS.contains(&callee) && value.is(1, TokenKind::Operator, "(")
            }
            None => false,
        }
    })
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

/// Whether a decorator line names `cache` or `lru_cache` (a function that
/// caches for the whole process).
pub fn is_cache_decorator(source: &str, tokens: &[Token]) -> bool {
    let decorator = tokens
        .first()
        .is_some_and(|t| t.kind == TokenKind::Operator && &source[t.start..t.end] == "@");
    decorator
        && tokens.iter().any(|t| {
            t.kind == TokenKind::Name && matches!(&source[t.start..t.end], "cache" | "lru_cache")
        })
}

#[cfg(test)]
mod tests {
    use super::super::scan;

    #[test]
    fn module_level_assignments_that_may_hold_mutable_values() {
        let source = "_cache = {}\nitems = [x for x in y]\nsession = Session()\nchain = a = []\n\
                      typed: dict[str, int] = {}\nname = 'txo'\nlimit = 3\npair = (1, 2)\n\
                      flag = None\nneg = -1\nother == 1\nelse: pass\nx.y = {}\na, b = [], []\n\
                      def f():\n    inner = {}\nbare: int\npath = os.path.join(a, b)\n\
                      odd = foo(1).Bar()\nlate = 1; later = deque()\nlogger = logging.getLogger()\n\
                      alias = other\nspaced = a . B()\nplus += []\ncompare <= []\n\
                      paren_call = (Foo)()\n";
        assert_eq!(
            scan(source).module_assignments,
            [
                "_cache",
                "items",
                "session",
                "typed",
                "odd",
                "later",
                "spaced",
                "paren_call"
            ]
        );
    }

    #[test]
    fn class_bodies_and_cache_decorators_that_may_share_state() {
        for shared in [
            "class A:\n    _modules = {}\n",
            "class A:\n    cache: dict = dict()\n",
            "class A:\n    _instance = None\n    def get(cls):\n        cls._instance = cls()\n",
            "class A: items = []\n",
            "@functools.lru_cache(maxsize=None)\ndef f():\n    pass\n",
        ] {
            assert!(scan(shared).shared_state, "{shared:?}");
        }
        for quiet in [
            "class A:\n    name = 'a'\n    _instance = None\n    def f(self):\n        x = {}\n",
            "def f():\n    class B:\n        x = {}\n",
            "x = {}\n",
            "class A:\n    n = len([])\n",
        ] {
            assert!(!scan(quiet).shared_state, "{quiet:?}");
        }
    }
}
