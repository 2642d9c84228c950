//! Tokens a query rule's matches must contain, read from its `#eq?` /
//! `#match?` predicates, with where they must be: in code when the captured
//! node is an `(identifier)`, inside a string literal when it is a
//! `(string)` (one that is a statement of its own when it is always an
//! `(expression_statement (string))`), anywhere otherwise.

use super::{QuerySource, TokenGroup};
use crate::pattern::{TokenPlace, TokenSpec};

mod scan;

/// One group per predicate on a literal, a `^word$` or a `^(a|b)$`
/// alternation (unanchored: the word may be part of a longer one).
pub(super) fn token_groups(query: &QuerySource) -> Vec<TokenGroup> {
    if query.pattern_count != 1 {
        return Vec::new();
    }
    let text = query.text.as_str();
    scan::predicates(text)
        .into_iter()
        .filter_map(|found| {
            let (words, whole_word) = match found.operator {
                "eq" => (vec![found.literal.to_string()], true),
                _ => match_words(found.literal)?,
            };
            let place = capture_place(text, found.capture);
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
/// whether it is anchored at both ends (so each is the whole text): `^w$`,
/// `^(a|b)$`; else `a|b` with or without its brackets.
fn match_words(regex: &str) -> Option<(Vec<String>, bool)> {
    let split = |list: &str| list.split('|').map(String::from).collect();
    let anchored = regex
        .strip_prefix('^')
        .and_then(|rest| rest.strip_suffix('$'))
        .and_then(|inner| match inner.strip_prefix('(') {
            Some(list) => list
                .strip_suffix(')')
                .filter(|list| scan::is_word_list(list)),
            None => scan::is_word(inner).then_some(inner),
        });
    if let Some(list) = anchored {
        return Some((split(list), true));
    }
    let list = regex.strip_prefix('(').unwrap_or(regex);
    let list = list.strip_suffix(')').unwrap_or(list);
    scan::is_word_list(list).then(|| (split(list), false))
}

/// Where a capture's text is: every place the query names `@capture` is
/// either a predicate argument or right after the same leaf node,
/// `(identifier)` or `(string)`; anything else could be any node. A
/// `(string)` that is always the first child pattern of an
/// `(expression_statement ...)` is a direct child of one.
fn capture_place(query: &str, capture: &str) -> TokenPlace {
    let uses = scan::capture_uses(query, capture);
    let total = uses.len();
    let count = |test: fn(&str) -> bool| uses.iter().filter(|before| test(before)).count();
    let in_predicates = count(scan::ends_predicate_head);
    let identifier = count(|before| scan::ends_with_node(before, "identifier").is_some());
    let string = count(|before| scan::ends_with_node(before, "string").is_some());
    let statement = count(scan::ends_statement_string);
    match (identifier, string) {
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
    fn match_words_read_what_the_regexes_read() {
        let words = r"[A-Za-z_][A-Za-z0-9_]*";
        let anchored =
            regex::Regex::new(&format!(r"^\^(?:({words})|\(({words}(?:\|{words})*)\))\$$"))
                .unwrap();
        let loose = regex::Regex::new(&format!(r"^\(?({words}(?:\|{words})*)\)?$")).unwrap();
        let expected = |regex: &str| {
            if let Some(found) = anchored.captures(regex) {
                let list = found.get(1).or_else(|| found.get(2)).unwrap().as_str();
                return Some((list.split('|').map(String::from).collect(), true));
            }
            loose
                .captures(regex)
                .map(|found| (found[1].split('|').map(String::from).collect(), false))
        };
        let cases = [
            "^a$", "^(a|b)$", "^(a)$", "^a|b$", "^(a|b$", "^a", "a$", "(a|b)", "(a|b", "a|b)", "a",
            "", "^$", "^()$", "()", "a||b", "^(a||b)$", "a.b", "^^a$", "^(a|b))$",
        ];
        for regex in cases {
            assert_eq!(match_words(regex), expected(regex), "{regex}");
        }
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
