//! `# txo-codemod: ignore[rule-a, rule-b]` (or a bare `# txo-codemod:
//! ignore` for every rule) on a line: `diff`/`apply` make no fix and report
//! nothing there, as `check` does for its checks (ruff's `noqa`).

use regex::Regex;

/// The comment, with the bracketed rule ids as group 1.
pub const PATTERN: &str = r"#\s*txo-codemod:\s*ignore(?:\[([A-Za-z0-9_, -]*)\])?";

/// The rule ids in the brackets; none means every rule.
pub fn ids(found: &regex::Captures) -> Vec<String> {
    found
        .get(1)
        .map(|m| {
            m.as_str()
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// The suppression comments of one text, by line.
#[derive(Debug, Default)]
pub struct Suppressions {
    /// (1-based line, rule ids; empty for every rule), sorted by line.
    lines: Vec<(usize, Vec<String>)>,
}

impl Suppressions {
    /// `None` when the text has no suppression comment (the common case,
    /// decided by one substring search).
    pub fn of(text: &str) -> Option<Suppressions> {
        memchr::memmem::find(text.as_bytes(), b"txo-codemod")?;
        let pattern = Regex::new(PATTERN).ok()?;
        let lines: Vec<(usize, Vec<String>)> = text
            .lines()
            .enumerate()
            .filter_map(|(index, line)| Some((index + 1, ids(&pattern.captures(line)?))))
            .collect();
        (!lines.is_empty()).then_some(Suppressions { lines })
    }

    /// Whether a comment on `line` suppresses `rule`.
    pub fn covers(&self, line: usize, rule: &str) -> bool {
        self.lines
            .binary_search_by_key(&line, |(l, _)| *l)
            .is_ok_and(|found| {
                let ids = &self.lines[found].1;
                ids.is_empty() || ids.iter().any(|id| id == rule)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_name_rules_or_all() {
        let text = "a = 1\nb = c.get('x', 1)  # txo-codemod: ignore[config-get-with-default, other]\nd = 2  #txo-codemod: ignore\n";
        let found = Suppressions::of(text).unwrap();
        assert!(found.covers(2, "config-get-with-default"));
        assert!(found.covers(2, "other"));
        assert!(!found.covers(2, "sys-exit-after-log"));
        assert!(found.covers(3, "anything"));
        assert!(!found.covers(1, "config-get-with-default"));
        assert!(Suppressions::of("x = 1  # txo-codemod\n").is_none());
    }
}
