//! Which names are configuration names (`config`, `*_config`, ...).

use globset::{Glob, GlobSet, GlobSetBuilder};

/// Config name patterns such as `config`, `*_config`. Exact names,
/// `*suffix` and `prefix*` are checked directly (this runs for every
/// identifier the analysis and the tokenizer look at, so the few exact
/// names are compared in a list, which costs less than hashing each
/// identifier); other globs fall back to a glob set.
#[derive(Debug, Clone)]
pub struct NameMatcher {
    exact: Vec<String>,
    suffixes: Vec<String>,
    prefixes: Vec<String>,
    others: GlobSet,
}

impl NameMatcher {
    pub fn new(patterns: &[String]) -> Result<Self, globset::Error> {
        let mut matcher = NameMatcher {
            exact: Vec::new(),
            suffixes: Vec::new(),
            prefixes: Vec::new(),
            others: GlobSet::empty(),
        };
        let mut others = GlobSetBuilder::new();
        for pattern in patterns {
            let is_plain = |s: &str| !s.is_empty() && !s.contains(['*', '?', '[', ']', '{', '}']);
            match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
                (Some(suffix), _) if is_plain(suffix) => matcher.suffixes.push(suffix.to_string()),
                (_, Some(prefix)) if is_plain(prefix) => matcher.prefixes.push(prefix.to_string()),
                _ if is_plain(pattern) => {
                    if !matcher.exact.contains(pattern) {
                        matcher.exact.push(pattern.clone());
                    }
                }
                _ => {
                    others.add(Glob::new(pattern)?);
                }
            }
        }
        matcher.others = others.build()?;
        Ok(matcher)
    }

    /// Whether a name this matcher accepts can occur in `text` at all: false
    /// only when no literal name, prefix or suffix appears anywhere in it.
    /// Configuration provenance always starts at such a name, so a file
    /// where none appears needs no provenance analysis.
    pub fn may_appear_in(&self, text: &str) -> bool {
        !self.others.is_empty()
            || self
                .exact
                .iter()
                .chain(&self.suffixes)
                .chain(&self.prefixes)
                .any(|literal| memchr::memmem::find(text.as_bytes(), literal.as_bytes()).is_some())
    }

    /// Whether `name`, or `name` without its leading underscores (as
    /// `self._config` is read), is a configuration name; the second
    /// comparison only when there is an underscore to trim.
    pub fn matches_trimmed(&self, name: &str) -> bool {
        self.matches(name) || (name.starts_with('_') && self.matches(name.trim_start_matches('_')))
    }

    pub fn matches(&self, name: &str) -> bool {
        self.exact.iter().any(|exact| exact == name)
            || self.suffixes.iter().any(|s| name.ends_with(s.as_str()))
            || self.prefixes.iter().any(|p| name.starts_with(p.as_str()))
            || (!self.others.is_empty() && self.others.is_match(name))
    }
}
