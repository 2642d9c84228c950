//! Where in a file a pattern rule may match: every match of a pattern
//! contains each of its identifiers, so a subtree whose bytes hold none of
//! them (for any rule) has no match, and the scan's walk skips it.

use tree_sitter::Node;

use crate::pattern::{Pattern, TokenPlace};
use crate::syntax;

/// Sorted start offsets of one identifier per pattern alternative, each
/// the alternative's rarest in the file (a superset: comments and strings
/// count too); identifiers are whole words.
pub(super) struct TokenSites(Vec<usize>);

impl TokenSites {
    /// The sites of `patterns` in `source`; `None` when one of them names
    /// no identifier (it may match anywhere).
    pub(super) fn find<'p>(
        patterns: impl Iterator<Item = &'p Pattern>,
        source: &str,
    ) -> Option<Self> {
        let mut found: Vec<(&str, Vec<usize>)> = Vec::new();
        let mut chosen: Vec<usize> = Vec::new();
        for pattern in patterns {
            let mut rarest: Option<usize> = None;
            for token in &pattern.required_tokens {
                if token.place != TokenPlace::Code {
                    continue;
                }
                let at = match found.iter().position(|(text, _)| *text == token.text) {
                    Some(at) => at,
                    None => {
                        let sites = syntax::word_positions(source.as_bytes(), &token.text);
                        found.push((&token.text, sites.collect()));
                        found.len() - 1
                    }
                };
                if rarest.is_none_or(|r| found[at].1.len() < found[r].1.len()) {
                    rarest = Some(at);
                }
            }
            chosen.push(rarest?);
        }
        chosen.sort_unstable();
        chosen.dedup();
        let mut sites: Vec<usize> = chosen
            .into_iter()
            .flat_map(|at| found[at].1.iter().copied())
            .collect();
        sites.sort_unstable();
        Some(TokenSites(sites))
    }

    /// Whether a site starts within `node`.
    pub(super) fn within(&self, node: Node) -> bool {
        syntax::spans_any(node, &self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::KindTable;

    fn sites(patterns: &[&str], source: &str) -> Option<Vec<usize>> {
        let kinds = KindTable::new();
        let compiled: Vec<Pattern> = patterns
            .iter()
            .map(|p| crate::pattern::compile::compile(p, &kinds).unwrap())
            .collect();
        TokenSites::find(compiled.iter(), source).map(|s| s.0)
    }

    #[test]
    fn each_pattern_keeps_its_rarest_whole_word() {
        let source = "x.get(a)\ntarget = 1\nx.get(b)\nexit(2)\n";
        // `x` occurs twice as a word, `get` twice: the first of equals.
        assert_eq!(sites(&["x.get($K)"], source), Some(vec![0, 20]));
        assert_eq!(sites(&["exit($C)"], source), Some(vec![29]));
        assert_eq!(
            sites(&["x.get($K)", "exit($C)"], source),
            Some(vec![0, 20, 29])
        );
    }

    #[test]
    fn a_pattern_without_identifiers_may_match_anywhere() {
        assert_eq!(sites(&["exit($C)", "$A + $B"], "exit(1)\n"), None);
    }
}
