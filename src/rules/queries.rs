//! What loading learns from compiling query rules' tree-sitter queries:
//! their pattern count and capture names.
//!
//! Much of `Query::new`'s analysis of the grammar does not depend on the
//! query's size: the embedded query rules take 74 M instructions compiled
//! together, 127 M one by one (half of all start-up). So the queries of a
//! batch of rule files are compiled once, together. Where that fails (a
//! rule's query is invalid), each rule compiles its own, which locates the
//! error in its file.

use tree_sitter::{CaptureQuantifier, Query, QueryError};

mod known;

use super::QuerySource;
use crate::syntax;

/// Compiles one query on its own.
pub fn analyze_one(text: &str) -> Result<QuerySource, QueryError> {
    let query = Query::new(&syntax::python(), text)?;
    let mut source = unanalysed(text);
    for pattern in 0..query.pattern_count() {
        add_pattern(&mut source, &query, pattern);
    }
    Ok(source)
}

fn unanalysed(text: &str) -> QuerySource {
    QuerySource {
        text: text.to_string(),
        pattern_count: 0,
        capture_names: Vec::new(),
    }
}

/// One entry per text: its analysis, known without a compile (the
/// embedded rules, see `known`) or from one compile of all the texts
/// together, or `None` everywhere when that cannot be trusted (the caller
/// then compiles each text alone).
pub fn analyze_batch(texts: &[Option<&str>]) -> Vec<Option<QuerySource>> {
    known::all_known(texts).unwrap_or_else(|| analyze_together(texts))
}

/// [`analyze_batch`] by one compile of all the texts together.
pub fn analyze_together(texts: &[Option<&str>]) -> Vec<Option<QuerySource>> {
    let unknown = vec![None; texts.len()];
    let mut combined = String::new();
    let mut spans = Vec::new();
    for (index, text) in texts.iter().enumerate() {
        if let Some(text) = text {
            let start = combined.len();
            combined.push_str(text);
            spans.push((index, start..combined.len()));
            // Ends a comment on the last line of the text.
            combined.push('\n');
        }
    }
    if spans.len() < 2 {
        return unknown;
    }
    let Ok(query) = Query::new(&syntax::python(), &combined) else {
        return unknown;
    };
    let mut found: Vec<Option<QuerySource>> =
        texts.iter().map(|text| text.map(unanalysed)).collect();
    for pattern in 0..query.pattern_count() {
        let Some(index) = owner(&query, pattern, &combined, &spans) else {
            return unknown;
        };
        if let Some(source) = found[index].as_mut() {
            add_pattern(source, &query, pattern);
        }
    }
    found
}

/// The text a pattern lies in. `None` when it runs on into the next text:
/// two invalid texts that are only valid joined (`(call` and `)`).
fn owner(
    query: &Query,
    pattern: usize,
    combined: &str,
    spans: &[(usize, std::ops::Range<usize>)],
) -> Option<usize> {
    let start = query.start_byte_for_pattern(pattern);
    let end = query.end_byte_for_pattern(pattern);
    let (index, span) = spans.iter().find(|(_, span)| span.contains(&start))?;
    // tree-sitter counts the whitespace and comments after a pattern as
    // its own; anything else past the text's end is a straddle.
    let tail = combined.get(span.end..end.max(span.end))?;
    let only_layout = tail.lines().all(|line| {
        let line = line.trim_start();
        line.is_empty() || line.starts_with(';')
    });
    only_layout.then_some(*index)
}

fn add_pattern(source: &mut QuerySource, query: &Query, pattern: usize) {
    source.pattern_count += 1;
    let quantifiers = query.capture_quantifiers(pattern);
    for (capture, quantifier) in quantifiers.iter().enumerate() {
        let name = query.capture_names()[capture];
        let used = *quantifier != CaptureQuantifier::Zero;
        if used && !source.capture_names.iter().any(|n| n == name) {
            source.capture_names.push(name.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut names: Vec<String>) -> Vec<String> {
        names.sort();
        names
    }

    #[test]
    fn together_matches_each_alone() {
        let texts = [
            Some(
                "((call function: (identifier) @F) @match (#eq? @F \"exit\"))\n; trailing comment",
            ),
            None,
            Some("(module) @match\n(string) @S @match"),
            Some("; only a comment"),
        ];
        let together = analyze_together(&texts);
        for (text, found) in texts.iter().zip(&together) {
            let Some(text) = text else {
                assert!(found.is_none());
                continue;
            };
            let alone = analyze_one(text).expect("valid query");
            let found = found.as_ref().expect("analysed together");
            assert_eq!(found.pattern_count, alone.pattern_count, "{text}");
            assert_eq!(
                sorted(found.capture_names.clone()),
                sorted(alone.capture_names),
                "{text}"
            );
        }
        let counts: Vec<usize> = together.iter().flatten().map(|s| s.pattern_count).collect();
        assert_eq!(counts, [1, 2, 0]);
    }

    #[test]
    fn texts_valid_only_when_joined_are_not_trusted() {
        let texts = [Some("(call"), Some(") @match")];
        assert!(analyze_one("(call").is_err());
        assert!(analyze_together(&texts).iter().all(Option::is_none));
        let strings = [Some("((identifier) @x (#eq? @x \"a"), Some("b\"))")];
        assert!(analyze_together(&strings).iter().all(Option::is_none));
    }

    #[test]
    fn one_invalid_query_leaves_every_text_to_compile_alone() {
        let texts = [Some("(call) @match"), Some("(no_such_kind) @match")];
        assert!(analyze_together(&texts).iter().all(Option::is_none));
    }
}
