//! Tokens a query rule's matches must contain, read from its `#eq?` /
//! `#match?` predicates, with where they must be: in code when the captured
//! node is an `(identifier)`, inside a string literal when it is a
//! `(string)` (one that is a statement of its own when it is always an
//! `(expression_statement (string))`), anywhere otherwise.

use regex::Regex;

use super::{QuerySource, TokenGroup};
use crate::pattern::{TokenPlace, TokenSpec};

/// One group per predicate on a literal, a `^word$` or a `^(a|b)$`
/// alternation (unanchored: the word may be part of a longer one).
pub(super) fn token_groups(query: &QuerySource) -> Vec<TokenGroup> {
    if query.pattern_count != 1 {
        return Vec::new();
    }
    let text = query.text.as_str();
    let predicate = Regex::new(r#"#(eq|match)\?\s+@([\w.]+)\s+"([^"\\]*)""#).expect("valid regex");
    predicate
        .captures_iter(text)
        .filter_map(|found| {
            let (words, whole_word) = match &found[1] {
                "eq" => (vec![found[3].to_string()], true),
                _ => match_words(&found[3])?,
            };
            let place = capture_place(text, &found[2]);
            let group = words
                .iter()
                .map(|word| {
                    vec![TokenSpec {
                        whole_word: whole_word && word.bytes().all(is_word_byte),
                        place,
                        ..TokenSpec::word(word)
                    }]
                })
                .collect();
            Some(group)
        })
        .collect()
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// The words of a `#match?` regex one of which every match contains, and
/// whether it is anchored at both ends (so each is the whole text).
fn match_words(regex: &str) -> Option<(Vec<String>, bool)> {
    let words = r"[A-Za-z_][A-Za-z0-9_]*";
    let anchored = Regex::new(&format!(r"^\^(?:({words})|\(({words}(?:\|{words})*)\))\$$"))
        .expect("valid regex");
    let loose = Regex::new(&format!(r"^\(?({words}(?:\|{words})*)\)?$")).expect("valid regex");
    let split = |list: &str| list.split('|').map(String::from).collect();
    if let Some(found) = anchored.captures(regex) {
        let list = found.get(1).or_else(|| found.get(2))?;
        return Some((split(list.as_str()), true));
    }
    loose.captures(regex).map(|found| (split(&found[1]), false))
}

/// Where a capture's text is: every place the query names `@capture` is
/// either a predicate argument or right after the same leaf node,
/// `(identifier)` or `(string)`; anything else could be any node. A
/// `(string)` that is always the first child pattern of an
/// `(expression_statement ...)` is a direct child of one.
fn capture_place(query: &str, capture: &str) -> TokenPlace {
    let name = regex::escape(capture);
    let count = |pattern: String| Regex::new(&pattern).map_or(0, |r| r.find_iter(query).count());
    let total = count(format!(r"@{name}\b"));
    let in_predicates = count(format!(r"\(#[\w-]+[?!]\s+@{name}\b"));
    let after = |kind: &str| count(format!(r"\({kind}\)\s*@{name}\b"));
    let statement = count(format!(r"\(expression_statement\s+\(string\)\s*@{name}\b"));
    match (after("identifier"), after("string")) {
        (found, 0) if found > 0 && found + in_predicates == total => TokenPlace::Code,
        (0, found) if found > 0 && found + in_predicates == total => {
            if statement == found {
                TokenPlace::StatementString
            } else {
                TokenPlace::String
            }
        }
        _ => TokenPlace::Anywhere,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(text: &str) -> Vec<Vec<(String, bool, TokenPlace)>> {
        let query = QuerySource {
            text: text.to_string(),
            pattern_count: 1,
            capture_names: Vec::new(),
        };
        token_groups(&query)
            .into_iter()
            .map(|group| {
                group
                    .into_iter()
                    .flatten()
                    .map(|t| (t.text, t.whole_word, t.place))
                    .collect()
            })
            .collect()
    }

    fn token(text: &str, whole_word: bool, place: TokenPlace) -> (String, bool, TokenPlace) {
        (text.to_string(), whole_word, place)
    }

    #[test]
    fn an_anchored_alternation_on_an_identifier_is_whole_words_in_code() {
        let found = groups(r#"((identifier) @N (#match? @N "^(alpha|beta)$"))"#);
        let code = TokenPlace::Code;
        assert_eq!(
            found,
            [vec![token("alpha", true, code), token("beta", true, code)]]
        );
    }

    #[test]
    fn an_unanchored_regex_may_match_inside_a_longer_word() {
        let found = groups(r#"((identifier) @N (#match? @N "exit"))"#);
        assert_eq!(found, [vec![token("exit", false, TokenPlace::Code)]]);
        // Half an anchor is no anchor, and `^a|b$` is not an alternation of words.
        assert_eq!(
            groups(r#"((identifier) @N (#match? @N "^exit"))"#),
            Vec::<Vec<_>>::new()
        );
        assert!(groups(r#"((identifier) @N (#match? @N "^a|b$"))"#).is_empty());
    }

    #[test]
    fn a_string_capture_is_searched_inside_strings() {
        let docstring = r#"(function_definition
              body: (block . (expression_statement (string) @DOC @match))
              (#match? @DOC "SystemExit"))"#;
        assert_eq!(
            groups(docstring),
            [vec![token(
                "SystemExit",
                false,
                TokenPlace::StatementString
            )]]
        );
        // An operand, or a statement's string only in some alternatives.
        let any_string = r#"((string) @S (#match? @S "SystemExit"))"#;
        let mixed = r#"[(expression_statement (string) @S) (return_statement (string) @S)]
              (#match? @S "SystemExit")"#;
        for query in [any_string, mixed] {
            assert_eq!(
                groups(query),
                [vec![token("SystemExit", false, TokenPlace::String)]]
            );
        }
    }

    #[test]
    fn other_captures_may_be_anywhere() {
        let call = r#"((call) @C (#match? @C "exit"))"#;
        assert_eq!(
            groups(call),
            [vec![token("exit", false, TokenPlace::Anywhere)]]
        );
        // The same name on an identifier and on another node.
        let mixed = r#"[((identifier) @N) ((attribute) @N)] (#eq? @N "cfg")"#;
        assert_eq!(
            groups(mixed),
            [vec![token("cfg", true, TokenPlace::Anywhere)]]
        );
        // `#eq?` on a literal that is not a word cannot ask for boundaries.
        let punctuation = r#"((attribute) @A (#eq? @A "self.config"))"#;
        assert_eq!(
            groups(punctuation),
            [vec![token("self.config", false, TokenPlace::Anywhere)]]
        );
    }
}
