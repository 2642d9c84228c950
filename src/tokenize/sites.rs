//! Where the calls and statements the audit looks for are, from one
//! logical line's tokens (comments already dropped, so a comment between a
//! name and its `(` does not hide the call; strings are single tokens, so
//! text inside them is never a call).

use super::FileTokens;
use super::lexer::{Lexer, Token, TokenKind, formatted_fields};

/// What a site is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// `receiver.get(`: at the `get`.
    Get,
    /// `sys.exit(`, `exit(`, `quit(`, `os._exit(`: at the callee's start.
    Exit,
    /// `raise SystemExit...`: at `SystemExit`.
    RaiseSystemExit,
    /// `threading.local(` or `local(`: at the callee's start.
    ThreadLocal,
    /// A decorator whose text (comments included, as the census reads it)
    /// holds `dataclass`: at its `@`.
    Dataclass,
    /// A `global` statement: at the keyword.
    Global,
    /// `validate_config` or `no_validation`, anywhere in code.
    EscapeHatch,
}

/// One site and its byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallSite {
    pub kind: CallKind,
    pub offset: usize,
}

/// Dotted callees the audit counts, as name sequences.
const EXIT_CALLEES: &[&[&str]] = &[&["sys", "exit"], &["exit"], &["quit"], &["os", "_exit"]];
const LOCAL_CALLEES: &[&[&str]] = &[&["threading", "local"], &["local"]];

/// Adds the sites of one logical line to `found`.
pub fn collect(source: &str, tokens: &[Token], found: &mut FileTokens) {
    let line = Line { source, tokens };
    let decorator_text = match (tokens.first(), tokens.last()) {
        (Some(first), Some(last)) if line.is(0, TokenKind::Operator, "@") => {
            &source[first.start..last.end]
        }
        _ => "",
    };
    if !decorator_text.is_empty() && decorator_text.contains("dataclass") {
        found.calls.push(CallSite {
            kind: CallKind::Dataclass,
            offset: tokens[0].start,
        });
    }
    let bytes = source.as_bytes();
    for (index, token) in tokens.iter().enumerate() {
        match token.kind {
            TokenKind::Name if may_be_site(&bytes[token.start..token.end]) => {
                line.name_site(index, found);
            }
            // Only a prefixed string can be an f-string.
            TokenKind::String if !matches!(bytes[token.start], b'"' | b'\'') => {
                collect_in_fields(source, token, found);
            }
            _ => {}
        }
    }
}

/// Whether a name can start a site `name_site` looks for, by its first
/// byte and length (most names are none, and this is cheaper than
/// comparing their text with each).
fn may_be_site(name: &[u8]) -> bool {
    let length = name.len();
    match name.first() {
        Some(b'g') => length == 3 || length == 6,
        Some(b'e' | b'q') => length == 4,
        Some(b'_' | b'l') => length == 5,
        Some(b'v') => length == "validate_config".len(),
        Some(b'n') => length == "no_validation".len(),
        Some(b'S') => length >= "SystemExit".len(),
        _ => false,
    }
}

/// Sites inside an f-string's fields (`f"{cfg.get('k')}"` is a call).
fn collect_in_fields(source: &str, string: &Token, found: &mut FileTokens) {
    for (start, end) in formatted_fields(source, string) {
        let tokens: Vec<Token> = Lexer::within(source, start, end).code().collect();
        collect(source, &tokens, found);
    }
}

struct Line<'a> {
    source: &'a str,
    tokens: &'a [Token],
}

impl Line<'_> {
    fn text(&self, token: &Token) -> &str {
        &self.source[token.start..token.end]
    }

    fn is(&self, index: usize, kind: TokenKind, text: &str) -> bool {
        self.tokens
            .get(index)
            .is_some_and(|t| t.kind == kind && self.text(t) == text)
    }

    /// `name(` that is a call, not the signature of `def name(`.
    fn opens_call(&self, index: usize) -> bool {
        self.is(index + 1, TokenKind::Operator, "(")
            && !(index > 0 && self.is(index - 1, TokenKind::Name, "def"))
    }

    /// Start of the callee ending at `index` if it is exactly one of
    /// `callees` (not an attribute of something else).
    fn callee_start(&self, index: usize, callees: &[&[&str]]) -> Option<usize> {
        callees.iter().find_map(|names| {
            let first = index.checked_sub(2 * (names.len() - 1))?;
            let matches = names.iter().enumerate().all(|(i, name)| {
                self.is(first + 2 * i, TokenKind::Name, name)
                    && (i == 0 || self.is(first + 2 * i - 1, TokenKind::Operator, "."))
            });
            let dotted_before = first > 0 && self.is(first - 1, TokenKind::Operator, ".");
            (matches && !dotted_before).then(|| self.tokens[first].start)
        })
    }

    fn name_site(&self, index: usize, found: &mut FileTokens) {
        let token = &self.tokens[index];
        let text = self.text(token);
        let site = |kind, offset| Some(CallSite { kind, offset });
        let call = match text {
            "get"
                if self.opens_call(index)
                    && index > 0
                    && self.is(index - 1, TokenKind::Operator, ".") =>
            {
                site(CallKind::Get, token.start)
            }
            "exit" | "quit" | "_exit" if self.opens_call(index) => self
                .callee_start(index, EXIT_CALLEES)
                .and_then(|offset| site(CallKind::Exit, offset)),
            "local" if self.opens_call(index) => self
                .callee_start(index, LOCAL_CALLEES)
                .and_then(|offset| site(CallKind::ThreadLocal, offset)),
            "global" => {
                found.global_names.extend(self.global_names(index));
                site(CallKind::Global, token.start)
            }
            "validate_config" | "no_validation" => site(CallKind::EscapeHatch, token.start),
            _ if text.starts_with("SystemExit")
                && index > 0
                && self.is(index - 1, TokenKind::Name, "raise") =>
            {
                site(CallKind::RaiseSystemExit, token.start)
            }
            _ => None,
        };
        found.calls.extend(call);
    }

    /// The names of the `global` statement at `index`: up to its `;` or
    /// the end of the line.
    fn global_names(&self, index: usize) -> Vec<String> {
        self.tokens[index + 1..]
            .iter()
            .take_while(|t| !(t.kind == TokenKind::Operator && self.text(t) == ";"))
            .filter(|t| t.kind == TokenKind::Name)
            .map(|t| self.text(t).to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::scan;
    use super::*;

    fn sites(source: &str) -> Vec<(CallKind, &str)> {
        scan(source)
            .calls
            .into_iter()
            .map(|site| (site.kind, &source[site.offset..]))
            .map(|(kind, rest)| (kind, rest.split(['(', ' ', '\n']).next().unwrap_or(rest)))
            .collect()
    }

    #[test]
    fn calls_in_code_are_found_and_text_in_strings_and_comments_is_not() {
        let source = "import sys\nv = cfg.get  (  # c\n  'k')\nm = f'{f\"{cfg.get(1)}\"}'\ns = 'x.get(1) exit(0)'  # sys.exit(1)\nsys.exit(1)\nos._exit(2)\nquit()\nself.exit(3)\nd.get\ndef exit(s): pass\ndef local(): pass\n";
        assert_eq!(
            sites(source),
            [
                (CallKind::Get, "get"),
                (CallKind::Get, "get"),
                (CallKind::Exit, "sys.exit"),
                (CallKind::Exit, "os._exit"),
                (CallKind::Exit, "quit"),
            ]
        );
    }

    #[test]
    fn raises_globals_thread_locals_dataclasses_and_escape_hatches() {
        let source = "@dataclasses.dataclass(frozen=True)\nclass C: pass\n_t = threading.local()\nx.threading.local()\ndef f():\n    global a, b; global c\n    raise SystemExit(1)\nexcept SystemExit: pass\nf(no_validation=True)\n";
        let found = scan(source);
        assert_eq!(found.global_names, ["a", "b", "c"]);
        assert_eq!(
            sites(source),
            [
                (CallKind::Dataclass, "@dataclasses.dataclass"),
                (CallKind::ThreadLocal, "threading.local"),
                (CallKind::Global, "global"),
                (CallKind::Global, "global"),
                (CallKind::RaiseSystemExit, "SystemExit"),
                (CallKind::EscapeHatch, "no_validation=True)"),
            ]
        );
    }
}
