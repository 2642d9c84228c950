//! A text prefilter: a rule whose pattern names identifiers (e.g. `get`)
//! cannot match a file that lacks one of them, so such files are not parsed.

use memchr::memmem::Finder;

use crate::rules::Rule;

pub struct Prefilter {
    /// Per rule: groups of finders; each group needs one hit (none = always run).
    tokens: Vec<Vec<Vec<Finder<'static>>>>,
}

impl Prefilter {
    pub fn new(rules: &[&Rule]) -> Self {
        let tokens = rules
            .iter()
            .map(|rule| {
                rule.token_groups()
                    .iter()
                    .map(|group| {
                        group
                            .iter()
                            .map(|t| Finder::new(t.as_bytes()).into_owned())
                            .collect()
                    })
                    .collect()
            })
            .collect();
        Prefilter { tokens }
    }

    /// Clears `applicable` for rules that cannot match `text`; returns whether
    /// any rule is left.
    pub fn narrow(&self, text: &[u8], applicable: &mut [bool]) -> bool {
        for (flag, tokens) in applicable.iter_mut().zip(&self.tokens) {
            if *flag {
                *flag = tokens
                    .iter()
                    .all(|group| group.iter().any(|finder| finder.find(text).is_some()));
            }
        }
        applicable.iter().any(|flag| *flag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load::{RuleSource, load_sources};
    use crate::syntax::KindTable;

    fn rule_yaml(matcher: &str) -> String {
        format!(
            "id: r\nphase: 1\ntitle: t\nmessage: m\nseverity: info\nbreaking: none\nmatch:\n{matcher}\n"
        )
    }

    fn narrows(matcher: &str, text: &str) -> bool {
        let source = RuleSource {
            name: "r.yaml".into(),
            text: rule_yaml(matcher),
        };
        let rules = load_sources(&[source], &KindTable::new()).unwrap();
        let refs: Vec<&Rule> = rules.iter().collect();
        Prefilter::new(&refs).narrow(text.as_bytes(), &mut [true])
    }

    #[test]
    fn pattern_tokens_are_all_required() {
        assert!(narrows(
            "  pattern: sys.exit($C)",
            "import sys\nsys.exit(1)"
        ));
        assert!(!narrows("  pattern: sys.exit($C)", "import sys\n"));
    }

    #[test]
    fn query_predicates_give_alternatives() {
        let query = "  query: '((identifier) @N (#match? @N \"^(alpha|beta)$\"))'";
        assert!(narrows(query, "x = beta"));
        assert!(!narrows(query, "x = gamma"));
        assert!(narrows("  query: '(identifier) @N'", "anything"));
    }
}
