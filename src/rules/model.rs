//! The rule file format, exactly as written in YAML. Unknown fields are
//! rejected so that a typo is an error rather than a silently ignored filter.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Breaking {
    None,
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl Breaking {
    pub fn as_str(self) -> &'static str {
        match self {
            Breaking::None => "none",
            Breaking::Low => "low",
            Breaking::Medium => "medium",
            Breaking::High => "high",
        }
    }
}

/// A value that may be written as one item or as a list.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany::Many(Vec::new())
    }
}

impl<T> OneOrMany<T> {
    pub fn to_vec(&self) -> Vec<&T> {
        match self {
            OneOrMany::One(item) => vec![item],
            OneOrMany::Many(items) => items.iter().collect(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleSpec {
    pub id: String,
    pub phase: u8,
    pub title: String,
    pub message: String,
    pub severity: Severity,
    pub breaking: Breaking,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub files: Vec<String>,
    #[serde(default)]
    pub ignores: Vec<String>,
    /// What a pattern or query rule matches; absent for a transform rule.
    #[serde(rename = "match", default)]
    pub matcher: MatchSpec,
    /// A named, code-implemented transform (see `crate::transforms`)
    /// instead of `match` + `fix`.
    #[serde(default)]
    pub transform: Option<TransformSpec>,
    #[serde(default)]
    pub fix: Option<String>,
    /// Steps for users of the migrated code, for `report`'s migration guide.
    #[serde(default)]
    pub migration: Vec<String>,
    /// Rules that only make sense together (e.g. removing a flag and every use).
    #[serde(default)]
    pub group: Option<String>,
    /// A report-only rule that, when it matches in a file, stops every fix of
    /// its group in that file (the code has a shape the group cannot rewrite).
    #[serde(default)]
    pub blocks_group: bool,
    /// Named texts for the fix (e.g. `how-to-fix`), bound as Python string
    /// literals (`$HOW_TO_FIX`); projects override them in `rule-options`.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// Imports to add, and imports to drop once unused, in files the rule edits.
    #[serde(default)]
    pub imports: Option<ImportsSpec>,
    /// Opt-in rules (`enabled: false`) run only when a project enables them.
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    #[serde(default)]
    pub tests: RuleTests,
}

fn enabled_by_default() -> bool {
    true
}

/// `transform: {name, options}`: which transform, with which options
/// (option values are strings; each transform validates its own).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TransformSpec {
    pub name: String,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MatchSpec {
    /// One pattern, or a list of alternatives.
    #[serde(default)]
    pub pattern: Option<OneOrMany<String>>,
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default, rename = "where")]
    pub constraints: BTreeMap<String, Constraint>,
    #[serde(default)]
    pub inside: OneOrMany<Relation>,
    #[serde(default)]
    pub not_inside: OneOrMany<Relation>,
    #[serde(default)]
    pub has: OneOrMany<Relation>,
    #[serde(default)]
    pub not_has: OneOrMany<Relation>,
    #[serde(default)]
    pub follows: OneOrMany<Relation>,
    #[serde(default)]
    pub not_follows: OneOrMany<Relation>,
    #[serde(default)]
    pub precedes: OneOrMany<Relation>,
    #[serde(default)]
    pub not_precedes: OneOrMany<Relation>,
}

/// A condition on what a metavariable captured.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Constraint {
    #[serde(default)]
    pub regex: Option<String>,
    #[serde(default)]
    pub not_regex: Option<String>,
    #[serde(default)]
    pub kind: Option<OneOrMany<String>>,
    #[serde(default)]
    pub not_kind: Option<OneOrMany<String>>,
    /// Where the captured value comes from (see `analysis::provenance`).
    #[serde(default)]
    pub provenance: Option<OneOrMany<crate::analysis::Provenance>>,
    /// The capture is a string naming an argparse option declared in the file.
    #[serde(default)]
    pub declared_flag: bool,
    /// `true`: turning this exit into a raise changes behaviour (the reason
    /// is bound as `$HAZARD`); `false`: it does not.
    #[serde(default)]
    pub exit_hazard: Option<bool>,
}

/// A filter on the surroundings of a match: a pattern or a node kind.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Relation {
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default)]
    pub kind: Option<OneOrMany<String>>,
    /// Ancestor kinds at which an `inside` search stops (e.g. a function).
    #[serde(default)]
    pub stop_at: Option<OneOrMany<String>>,
    /// For `follows`/`precedes`: only the adjacent statement counts; for
    /// `inside`: only the parent.
    #[serde(default)]
    pub immediately: bool,
    /// For `follows`/`precedes`: of a run of adjacent matching statements,
    /// bind the farthest one (e.g. the first of several log lines).
    #[serde(default)]
    pub first_in_run: bool,
    /// Conditions on names the relation's pattern binds, checked while
    /// searching (a candidate that fails them is skipped).
    #[serde(default, rename = "where")]
    pub constraints: BTreeMap<String, Constraint>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ImportsSpec {
    /// `from MODULE import NAME`; `$HELPFUL_ERROR_MODULE` is the project's setting.
    #[serde(default)]
    pub add: Vec<String>,
    /// Module names whose `import` goes when nothing uses it any more.
    #[serde(default)]
    pub remove_if_unused: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleTests {
    #[serde(default)]
    pub valid: Vec<String>,
    #[serde(default)]
    pub invalid: Vec<InvalidCase>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InvalidCase {
    pub code: String,
    /// For transform rules: the file's path in the test project (the
    /// module name some transforms derive names from); default `module.py`.
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub fixed: Option<String>,
}
