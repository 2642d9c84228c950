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

/// Whether provenance could call a receiver in `source` configuration
/// (the audit asks [`tokens_may_hold_config`] on `scan`'s tokens).
#[cfg(test)]
pub fn may_hold_config(source: &str, names: &NameMatcher) -> bool {
    names.may_appear_in(source) && code_may_hold_config(source, Lexer::new(source).code(), names)
}

/// [`may_hold_config`] on code tokens already lexed (no comments or line
/// ends), without the text search first.
pub(super) fn tokens_may_hold_config(source: &str, tokens: &[Token], names: &NameMatcher) -> bool {
    code_may_hold_config(source, tokens.iter().copied(), names)
}

/// Reads the code tokens once, keeping the last three for an `or`'s
/// assignment and looking ahead (on a copy of the iterator) only after one.
fn code_may_hold_config(
    source: &str,
    mut tokens: impl Iterator<Item = Token> + Clone,
    names: &NameMatcher,
) -> bool {
    let text = |token: &Token| &source[token.start..token.end];
    let mut last: [Option<Token>; 3] = [None; 3];
    while let Some(token) = tokens.next() {
        let found = match token.kind {
            TokenKind::Name => {
                let name = text(&token);
                names.matches_trimmed(name)
                    || (name == "or"
                        && assigns_own_name(source, &last)
                        && defaults_to_empty(source, tokens.clone()))
            }
            TokenKind::String if !matches!(source.as_bytes()[token.start], b'"' | b'\'') => {
                formatted_fields(source, &token)
                    .into_iter()
                    .any(|(start, end)| {
                        code_may_hold_config(
                            source,
                            Lexer::within(source, start, end).code(),
                            names,
                        )
                    })
            }
            _ => false,
        };
        if found {
            return true;
        }
        last = [last[1], last[2], Some(token)];
    }
    false
}

/// Whether `before` (the last three tokens before an `or`, oldest first)
/// ends with `= name`, as in `name = name or {}`: `is_self_default` takes
/// only an assignment whose whole value is the `or` of the name itself and
/// an empty value. (Which target it assigns is not checked: an annotation
/// or a keyword argument may stand between; a comparison `==`, `<=`, ...
/// is not an assignment.)
fn assigns_own_name(source: &str, before: &[Option<Token>; 3]) -> bool {
    let text = |token: &Token| &source[token.start..token.end];
    match before {
        [Some(previous), Some(equals), Some(name)] => {
            name.kind == TokenKind::Name
                && text(equals) == "="
                && !matches!(text(previous), "=" | "!" | "<" | ">")
        }
        _ => false,
    }
}

/// Whether `after` (the tokens after an `or`) starts with an empty default
/// (shared with `config_flow`).
pub(super) fn defaults_to_empty(source: &str, after: impl Iterator<Item = Token> + Clone) -> bool {
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
            "# config\ndef f(o: dict = None):\n    o: dict = o or []\n",
            "# config\ndef f(o=None):\n    p = o = o or {}\n",
            "# config\ndef f(o=None):\n    if (o := o or {}):\n        pass\n",
        ] {
            assert!(holds(yes), "{yes:?}");
        }
        for no in [
            "# config\nd.get('a')",
            "'config'; d.get('a')",
            "sysconfig.get_config_var('x'); d.get('a')",
            "d.get('a')",
            "# config\no = o or {1: 2}",
            "# config\ndef f(o=None):\n    return o or {}\n",
            "# config\ndef f(o=None):\n    o = (o or {})\n",
            "# config\ndef f(o=None):\n    o = p or o or {}\n",
            "# config\ndef f(o=None):\n    x = o == o or {}\n",
        ] {
            assert!(!holds(no), "{no:?}");
        }
    }
}
