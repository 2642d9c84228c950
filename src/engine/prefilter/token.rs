//! One literal the prefilter searches for, and what must surround it.

use memchr::memmem::Finder;

use crate::pattern::TokenPlace;
use crate::rules::TokenSpec;
use crate::syntax::{is_identifier_byte, opens_call, opens_empty_call};
use crate::tokenize::prefilter::CodeView;

/// A literal that must occur in a file, optionally as a whole identifier
/// on either side (so `exit` does not count inside `__exit__` or `atexit`)
/// and with the surroundings the pattern gives it.
pub(super) struct Token {
    pub(super) finder: Finder<'static>,
    pub(super) len: usize,
    pub(super) left_boundary: bool,
    pub(super) right_boundary: bool,
    /// Followed by `(` (after spaces or a line continuation): a call.
    pub(super) called: bool,
    /// Followed by `(` and `)` with only spaces and comments between.
    pub(super) empty_call: bool,
    /// Not preceded by `.`: a plain name, not an attribute.
    pub(super) unqualified: bool,
    /// Preceded by this keyword on the same logical line.
    pub(super) after_keyword: Option<&'static str>,
    pub(super) place: TokenPlace,
}

impl Token {
    pub(super) fn word(text: &str) -> Self {
        Token::new(text, true, true)
    }

    pub(super) fn new(text: &str, left_boundary: bool, right_boundary: bool) -> Self {
        Token {
            finder: Finder::new(text.as_bytes()).into_owned(),
            len: text.len(),
            left_boundary,
            right_boundary,
            called: false,
            empty_call: false,
            unqualified: false,
            after_keyword: None,
            place: TokenPlace::Anywhere,
        }
    }

    pub(super) fn from_spec(spec: &TokenSpec) -> Self {
        Token {
            called: spec.called,
            empty_call: spec.empty_call,
            unqualified: spec.unqualified,
            after_keyword: spec.after_keyword,
            place: spec.place,
            ..Token::new(&spec.text, spec.whole_word, spec.whole_word)
        }
    }

    pub(super) fn same_as(&self, other: &Token) -> bool {
        self.finder.needle() == other.finder.needle()
            && (self.left_boundary, self.right_boundary)
                == (other.left_boundary, other.right_boundary)
            && (self.called, self.empty_call, self.unqualified)
                == (other.called, other.empty_call, other.unqualified)
            && self.after_keyword == other.after_keyword
            && self.place == other.place
    }

    pub(super) fn occurs_in(&self, text: &[u8]) -> bool {
        self.occurs_where(text, |at| self.empty_call_holds(text, at))
    }

    /// Whether it occurs where its place says, once the raw text has it.
    pub(super) fn occurs_placed(&self, text: &[u8], view: &CodeView) -> bool {
        let empty_call = |at| self.empty_call_holds(text, at);
        match self.place {
            TokenPlace::Code => self.occurs_where(view.code(), empty_call),
            TokenPlace::String => self.occurs_where(text, |at| view.in_string(at, at + self.len)),
            TokenPlace::StatementString => {
                self.occurs_where(text, |at| view.in_statement_string(at, at + self.len))
            }
            TokenPlace::Anywhere => true,
        }
    }

    /// Whether the token at `at` is called with nothing between its
    /// brackets, if it must be. Read in the raw text (same offsets as the
    /// code view), where a string argument is not blanked out.
    fn empty_call_holds(&self, text: &[u8], at: usize) -> bool {
        !self.empty_call || opens_empty_call(&text[at + self.len..])
    }

    fn occurs_where(&self, text: &[u8], accept: impl Fn(usize) -> bool) -> bool {
        self.finder.find_iter(text).any(|at| {
            let left_ok = !self.left_boundary || starts_word(text, at);
            let end = at + self.len;
            let right_ok =
                !self.right_boundary || end >= text.len() || !is_identifier_byte(text[end]);
            left_ok
                && right_ok
                && accept(at)
                && (!self.called || opens_call(&text[end..]))
                && self.preceded_as_required(before_spaces(&text[..at]))
        })
    }

    /// Checks what comes before the token (spaces and continuations skipped).
    fn preceded_as_required(&self, before: &[u8]) -> bool {
        if self.unqualified && before.ends_with(b".") {
            return false;
        }
        self.after_keyword.is_none_or(|keyword| {
            before.ends_with(keyword.as_bytes())
                && before[..before.len() - keyword.len()]
                    .last()
                    .is_none_or(|byte| !is_identifier_byte(*byte))
        })
    }
}

/// A UTF-8 byte order mark: not part of the first word.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Whether a word starts at `at`: no identifier byte before it (a BOM is
/// none).
fn starts_word(text: &[u8], at: usize) -> bool {
    at == 0 || text[..at] == *BOM || !is_identifier_byte(text[at - 1])
}

/// `text` without the spaces, tabs and `\` line continuations at its end
/// (newlines stay: inside brackets they could hide anything).
fn before_spaces(mut text: &[u8]) -> &[u8] {
    loop {
        while let [rest @ .., b' ' | b'\t' | b'\x0c'] = text {
            text = rest;
        }
        match text {
            [rest @ .., b'\\', b'\n'] | [rest @ .., b'\\', b'\r', b'\n'] => text = rest,
            _ => return text,
        }
    }
}
