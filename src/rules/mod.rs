//! The rule model: what a rule matches, where, what it changes, and the
//! tests it carries. Rules are loaded from YAML (embedded or user files).

pub mod diagnostic;
pub mod embedded;
pub mod load;
pub mod model;
pub mod queries;
mod query_tokens;
pub mod selftest;

use regex::Regex;

pub use diagnostic::RuleFileError;
pub use load::{RuleSet, RuleSource, load_rule_set};
pub use model::{Breaking, RuleTests, Severity};

use crate::engine::template::Template;
use crate::pattern::Pattern;
pub use crate::pattern::TokenSpec;

/// How a rule finds candidate nodes.
#[derive(Debug, Clone)]
pub enum RuleMatcher {
    /// One or more alternative patterns; the rule matches where any does.
    Patterns(Vec<Pattern>),
    /// A raw tree-sitter query; the `@match` capture (else the widest one)
    /// is the matched node, and upper-case captures bind metavariables.
    Query(QuerySource),
    /// A named transform (`crate::transforms`) that finds and rewrites
    /// code itself, with the project index at hand.
    Transform(crate::transforms::TransformCall),
}

/// A query's text plus what loading learned from compiling it once
/// (compiling tree-sitter queries is slow; nothing compiles them again but
/// the engine's combined query).
#[derive(Debug, Clone)]
pub struct QuerySource {
    pub text: String,
    pub pattern_count: usize,
    pub capture_names: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CaptureConstraint {
    pub name: String,
    pub regex: Option<Regex>,
    pub not_regex: Option<Regex>,
    pub kinds: Vec<u16>,
    pub not_kinds: Vec<u16>,
    /// Any of these provenances (empty: no condition).
    pub provenance: Vec<crate::analysis::Provenance>,
    pub declared_flag: bool,
    pub exit_hazard: Option<bool>,
    pub schema_default: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    Inside,
    NotInside,
    Has,
    NotHas,
    Follows,
    NotFollows,
    Precedes,
    NotPrecedes,
}

impl RelationKind {
    pub fn is_negative(self) -> bool {
        matches!(
            self,
            RelationKind::NotInside
                | RelationKind::NotHas
                | RelationKind::NotFollows
                | RelationKind::NotPrecedes
        )
    }
}

#[derive(Debug, Clone)]
pub enum RelationTarget {
    Pattern(Pattern),
    Kinds(Vec<u16>),
}

#[derive(Debug, Clone)]
pub struct RelationFilter {
    pub kind: RelationKind,
    pub target: RelationTarget,
    pub stop_at: Vec<u16>,
    pub immediately: bool,
    pub first_in_run: bool,
    pub constraints: Vec<CaptureConstraint>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub phase: u8,
    pub title: String,
    pub message: Template,
    pub severity: Severity,
    pub breaking: Breaking,
    pub note: Option<String>,
    pub files: Vec<String>,
    pub ignores: Vec<String>,
    pub matcher: RuleMatcher,
    pub constraints: Vec<CaptureConstraint>,
    pub relations: Vec<RelationFilter>,
    pub fix: Option<Template>,
    /// False for opt-in rules.
    pub enabled: bool,
    pub migration: Vec<String>,
    pub group: Option<String>,
    pub blocks_group: bool,
    /// Option name (kebab-case) → default text.
    pub options: std::collections::BTreeMap<String, String>,
    pub imports: Option<model::ImportsSpec>,
    pub tests: RuleTests,
    /// Where the rule was defined, e.g. `rules/phase-1/config-get.yaml`.
    pub origin: String,
    /// The rule's YAML document as written, for `rules show`.
    pub yaml: String,
}

/// Names every template may use without binding them (see `engine::builtins`).
pub const BUILTIN_NAMES: &[&str] = &[
    "MATCH",
    "FUNCTION",
    "QUALNAME",
    "EXCEPTION",
    "FROM_EXCEPTION",
    "HELPFUL_ERROR",
    "HAZARD",
    "NOT_A_DICT",
    "MODULE_LOGGER",
];

/// `how-to-fix` → `HOW_TO_FIX`: how an option is named in templates.
pub fn option_variable(option: &str) -> String {
    option.to_ascii_uppercase().replace('-', "_")
}

impl Rule {
    pub fn is_fixable(&self) -> bool {
        self.fix.is_some() || self.transform().is_some()
    }

    /// The transform call of a `transform:` rule.
    pub fn transform(&self) -> Option<&crate::transforms::TransformCall> {
        match &self.matcher {
            RuleMatcher::Transform(call) => Some(call),
            _ => None,
        }
    }

    /// Text a file must contain for this rule to match: every group needs
    /// one of its alternatives, an alternative needs all of its tokens.
    /// Empty means the rule always runs.
    pub fn token_groups(&self) -> Vec<TokenGroup> {
        match &self.matcher {
            RuleMatcher::Patterns(patterns) => match patterns.as_slice() {
                [pattern] => pattern
                    .required_tokens
                    .iter()
                    .map(|token| vec![vec![token.clone()]])
                    .collect(),
                // Any alternative may match, with all of its own tokens.
                _ => vec![
                    patterns
                        .iter()
                        .map(|pattern| pattern.required_tokens.clone())
                        .collect(),
                ],
            },
            // The transform runs its own text test (`may_apply`).
            RuleMatcher::Transform(_) => Vec::new(),
            RuleMatcher::Query(query) => query_tokens::token_groups(query),
        }
    }
}

/// Alternatives, each a set of tokens that must all occur.
pub type TokenGroup = Vec<Vec<TokenSpec>>;
