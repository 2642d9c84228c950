//! Hand-written readers of a query's text for `query_tokens`: regexes
//! built per capture cost about 10 M instructions a query rule at start-up.
//! Each reader does what the regex named beside it would (the tests
//! compare them); `\w` and `\s` are Unicode, as in the `regex` crate.

use regex_syntax::is_word_character;

/// A `#eq?` or `#match?` predicate on a capture and a string literal.
pub(super) struct Predicate<'q> {
    pub operator: &'q str,
    pub capture: &'q str,
    pub literal: &'q str,
}

/// Every match of `#(eq|match)\?\s+@([\w.]+)\s+"([^"\\]*)"`, in order.
pub(super) fn predicates(text: &str) -> Vec<Predicate<'_>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find('#') {
        let at = from + offset;
        match predicate_at(&text[at + 1..]) {
            Some((predicate, length)) => {
                found.push(predicate);
                from = at + 1 + length;
            }
            None => from = at + 1,
        }
    }
    found
}

/// The predicate right after a `#`, and the length it takes.
fn predicate_at(rest: &str) -> Option<(Predicate<'_>, usize)> {
    let (operator, after) = ["eq", "match"]
        .iter()
        .find_map(|op| Some((*op, rest.strip_prefix(op)?.strip_prefix('?')?)))?;
    let after = strip_spaces(after)?.strip_prefix('@')?;
    let name_end = after
        .find(|c: char| !(is_word_character(c) || c == '.'))
        .unwrap_or(after.len());
    let (capture, after) = after.split_at(name_end);
    if capture.is_empty() {
        return None;
    }
    let after = strip_spaces(after)?.strip_prefix('"')?;
    let literal_end = after.find(['"', '\\'])?;
    let (literal, after) = after.split_at(literal_end);
    let after = after.strip_prefix('"')?;
    let predicate = Predicate {
        operator,
        capture,
        literal,
    };
    Some((predicate, rest.len() - after.len()))
}

/// `text` past one or more leading spaces (`\s+`).
fn strip_spaces(text: &str) -> Option<&str> {
    let rest = text.trim_start_matches(char::is_whitespace);
    (rest.len() < text.len()).then_some(rest)
}

/// `text` before one or more trailing spaces.
fn strip_trailing_spaces(text: &str) -> Option<&str> {
    let rest = text.trim_end_matches(char::is_whitespace);
    (rest.len() < text.len()).then_some(rest)
}

/// The text before each match of `@capture\b`.
pub(super) fn capture_uses<'q>(query: &'q str, capture: &str) -> Vec<&'q str> {
    let Some(last) = capture.chars().next_back() else {
        return Vec::new();
    };
    let needle = format!("@{capture}");
    query
        .match_indices(needle.as_str())
        .filter(|(at, _)| {
            let next = query[at + needle.len()..].chars().next();
            is_word_character(last) != next.is_some_and(is_word_character)
        })
        .map(|(at, _)| &query[..at])
        .collect()
}

/// Whether `before` ends with `\(#[\w-]+[?!]\s+`.
pub(super) fn ends_predicate_head(before: &str) -> bool {
    let Some(rest) = strip_trailing_spaces(before) else {
        return false;
    };
    let Some(rest) = rest.strip_suffix(['?', '!']) else {
        return false;
    };
    let name = rest.trim_end_matches(|c: char| is_word_character(c) || c == '-');
    name.len() < rest.len() && name.ends_with("(#")
}

/// What comes before a trailing `\(kind\)\s*`, if `before` ends so.
pub(super) fn ends_with_node<'q>(before: &'q str, kind: &str) -> Option<&'q str> {
    let rest = before.trim_end_matches(char::is_whitespace);
    rest.strip_suffix(')')?
        .strip_suffix(kind)?
        .strip_suffix('(')
}

/// Whether `before` ends with `\(expression_statement\s+\(string\)\s*`.
pub(super) fn ends_statement_string(before: &str) -> bool {
    ends_with_node(before, "string")
        .and_then(strip_trailing_spaces)
        .is_some_and(|rest| rest.ends_with("(expression_statement"))
}

/// `[A-Za-z_][A-Za-z0-9_]*`.
pub(super) fn is_word(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Words joined by `|`.
pub(super) fn is_word_list(text: &str) -> bool {
    text.split('|').all(is_word)
}

#[cfg(test)]
mod tests {
    use regex::Regex;

    use super::*;

    const QUERIES: &[&str] = &[
        r#"((identifier) @N (#match? @N "^(alpha|beta)$"))"#,
        "((identifier)  @N\n (#eq?\t@N  \"x\") (#match? @N.x \"a\\\"b\") (#eq? @M \"\"))",
        r#"(expression_statement  (string) @DOC @match) (#not-match? @DOC "x") @DOC.x @DOCS"#,
        r#"[(expression_statement (string)@S) (return_statement (string) @S)] (#match? @S "S")"#,
        "(#eq? @é \"é\") (#eq?@N \"x\") #match? @N \"unterminated",
        "((call) @C (#match? @C \"exit\")) ((attribute) @A (#eq? @A \"self.config\")) @a.",
        "(#eq? @N \"a\"#eq? @N \"b\") (#set! @N) (#x-y? @N) (# @N) (#? @N)",
    ];

    fn regex_count(query: &str, pattern: String) -> usize {
        Regex::new(&pattern).map_or(0, |r| r.find_iter(query).count())
    }

    #[test]
    fn predicates_are_what_the_regex_finds() {
        let regex = Regex::new(r#"#(eq|match)\?\s+@([\w.]+)\s+"([^"\\]*)""#).unwrap();
        for query in QUERIES {
            let expected: Vec<(String, String, String)> = regex
                .captures_iter(query)
                .map(|c| (c[1].to_string(), c[2].to_string(), c[3].to_string()))
                .collect();
            let found: Vec<(String, String, String)> = predicates(query)
                .into_iter()
                .map(|p| (p.operator.into(), p.capture.into(), p.literal.into()))
                .collect();
            assert_eq!(found, expected, "{query}");
        }
    }

    #[test]
    fn capture_counts_are_what_the_regexes_count() {
        for query in QUERIES {
            for capture in [
                "N", "N.x", "M", "DOC", "DOC.x", "S", "C", "A", "é", "a.", "match",
            ] {
                let name = regex::escape(capture);
                let uses = capture_uses(query, capture);
                let count = |test: &dyn Fn(&str) -> bool| uses.iter().filter(|b| test(b)).count();
                let context = format!("{query} / {capture}");
                assert_eq!(
                    uses.len(),
                    regex_count(query, format!(r"@{name}\b")),
                    "{context}"
                );
                assert_eq!(
                    count(&ends_predicate_head),
                    regex_count(query, format!(r"\(#[\w-]+[?!]\s+@{name}\b")),
                    "{context}"
                );
                for kind in ["identifier", "string"] {
                    assert_eq!(
                        count(&|b| ends_with_node(b, kind).is_some()),
                        regex_count(query, format!(r"\({kind}\)\s*@{name}\b")),
                        "{context} {kind}"
                    );
                }
                assert_eq!(
                    count(&ends_statement_string),
                    regex_count(
                        query,
                        format!(r"\(expression_statement\s+\(string\)\s*@{name}\b")
                    ),
                    "{context}"
                );
            }
        }
    }

    #[test]
    fn word_lists_are_what_the_regex_accepts() {
        let words = r"[A-Za-z_][A-Za-z0-9_]*";
        let list = Regex::new(&format!(r"^{words}(?:\|{words})*$")).unwrap();
        for text in [
            "a", "_a1|b", "a||b", "", "|a", "1a", "a|", "é", "a b", "A_Z|z9",
        ] {
            assert_eq!(is_word_list(text), list.is_match(text), "{text}");
        }
    }
}
