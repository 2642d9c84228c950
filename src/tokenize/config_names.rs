//! Whether a `.get(` in a file could be a configuration lookup the audit
//! flags, read from tokens. The tree's provenance (`analysis::provenance`)
//! calls a receiver configuration only from an identifier or attribute
//! whose name is a configuration name (`config`, `self._config`, ...:
//! assignments, parameters and attributes only pass that on), or from a
//! parameter defaulted in place (`options = options or {}`), which needs
//! no such name. So a file needs provenance only if some name in its code
//! (f-string fields included) matches, or it has an `or` followed by
//! `{}`, `[]`, `dict()` or `list()`. Comments and strings never count,
//! which the text search `NameMatcher::may_appear_in` cannot tell.

use super::lexer::{Lexer, Token, TokenKind, formatted_fields};
use crate::analysis::NameMatcher;

/// The empty values `is_self_default` accepts after `or`, as tokens.
const EMPTY_DEFAULTS: &[&[&str]] = &[
    &["{", "}"],
    &["[", "]"],
    &["dict", "(", ")"],
    &["list", "(", ")"],
];

/// Whether provenance could call a receiver in `source` configuration.
pub fn may_hold_config(source: &str, names: &NameMatcher) -> bool {
    names.may_appear_in(source) && code_may_hold_config(source, Lexer::new(source), names)
}

/// The tokens of a lexer other than comments and line ends.
fn code(lexer: Lexer) -> impl Iterator<Item = Token> + Clone {
    lexer.filter(|t| !matches!(t.kind, TokenKind::Comment | TokenKind::Newline))
}

/// Reads the lexer's tokens once, looking ahead (on a copy of it) only
/// after an `or`.
fn code_may_hold_config(source: &str, lexer: Lexer, names: &NameMatcher) -> bool {
    let text = |token: &Token| &source[token.start..token.end];
    let mut tokens = code(lexer);
    while let Some(token) = tokens.next() {
        let found = match token.kind {
            TokenKind::Name => {
                let name = text(&token);
                names.matches(name)
                    || names.matches(name.trim_start_matches('_'))
                    || (name == "or" && defaults_to_empty(source, tokens.clone()))
            }
            TokenKind::String if !matches!(source.as_bytes()[token.start], b'"' | b'\'') => {
                formatted_fields(source, &token)
                    .into_iter()
                    .any(|(start, end)| {
                        code_may_hold_config(source, Lexer::within(source, start, end), names)
                    })
            }
            _ => false,
        };
        if found {
            return true;
        }
    }
    false
}

/// Whether `after` (the tokens after an `or`) starts with an empty default.
fn defaults_to_empty(source: &str, after: impl Iterator<Item = Token> + Clone) -> bool {
    EMPTY_DEFAULTS.iter().any(|shape| {
        let mut after = after.clone();
        shape.iter().all(|word| {
            after
                .next()
                .is_some_and(|token| &source[token.start..token.end] == *word)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holds(source: &str) -> bool {
        let names = NameMatcher::new(&crate::project::Settings::default().config_names)
            .expect("default names");
        may_hold_config(source, &names)
    }

    #[test]
    fn configuration_names_in_code_count_and_in_comments_strings_or_other_words_do_not() {
        for yes in [
            "config.get('a')",
            "self._config.get('a')",
            "x = f'{app_config.get(1)}'",
            "# config\ndef f(options=None):\n    options = options or {}\n    return options.get('a', 1)\n",
            "# config\no = o or dict ( )",
        ] {
            assert!(holds(yes), "{yes:?}");
        }
        for no in [
            "# config\nd.get('a')",
            "'config'; d.get('a')",
            "sysconfig.get_config_var('x'); d.get('a')",
            "d.get('a')",
            "# config\no = o or {1: 2}",
        ] {
            assert!(!holds(no), "{no:?}");
        }
    }
}
