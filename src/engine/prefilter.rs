//! A text prefilter: a rule whose pattern names identifiers (e.g. `get`)
//! cannot match a file that lacks one of them, so such files are not parsed.

use memchr::memmem::Finder;

use crate::rules::Rule;

pub struct Prefilter {
    /// Per rule: finders for every token it requires (empty = always run).
    tokens: Vec<Vec<Finder<'static>>>,
}

impl Prefilter {
    pub fn new(rules: &[&Rule]) -> Self {
        let tokens = rules
            .iter()
            .map(|rule| {
                rule.required_tokens()
                    .iter()
                    .map(|t| Finder::new(t.as_bytes()).into_owned())
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
                *flag = tokens.iter().all(|finder| finder.find(text).is_some());
            }
        }
        applicable.iter().any(|flag| *flag)
    }
}
