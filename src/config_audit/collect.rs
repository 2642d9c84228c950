//! The key lookups phase 1 makes required, from one dry run of the phase-1
//! rules: the run's own parse of each file gives the key paths
//! (provenance + [`keypaths`]), the run's edits say which `.get` lookups
//! the phase rewrites into subscripts.

use std::path::{Path, PathBuf};

use serde::Serialize;
use tree_sitter::Tree;

use crate::analysis::keypaths::{self, KeyLookup};
use crate::analysis::{FileFacts, NameMatcher};
use crate::engine::FileEdit;
use crate::project::Project;
use crate::rules::Rule;
use crate::run::{self, Outcome, ParsedFileHook, RunError, RunOptions};
use crate::syntax::KindTable;

/// The phase-1 rules whose fix turns `X.get(K, D)` into `X[K]`.
pub const HARD_FAIL_RULES: [&str; 2] = ["config-get-with-default", "config-get-hard-fail-comment"];

/// The opt-in phase-1 rule that keeps the default in `except KeyError:`:
/// lookups inside its edit stay optional.
pub const TRY_EXCEPT_RULE: &str = "config-get-try-except";

/// The phase-1 rule that reports, instead of rewriting, a lookup whose key
/// the schema declares optional with a default.
pub const SCHEMA_DEFAULT_RULE: &str = "config-get-schema-default";

/// Why a lookup is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// A `.get(key, default)` that phase 1 rewrites (or would) into `[key]`.
    Phase1,
    /// Already a subscript (before phase 1, or after it was applied).
    Subscript,
    /// A `.get(key, default)` phase 1 leaves alone and reports: the schema
    /// declares the key optional with a default.
    SchemaOptional,
}

/// One required lookup in the code.
#[derive(Debug, Clone, Serialize)]
pub struct Use {
    pub file: String,
    pub line: usize,
    pub origin: Origin,
    /// Keys from the configuration root, or why they cannot be known.
    #[serde(skip)]
    pub path: Result<Vec<String>, String>,
    /// The default the `.get` carried (Python source).
    pub default: Option<String>,
    /// The lookup's code, whitespace folded.
    pub code: String,
    #[serde(skip)]
    pub project: usize,
}

/// The required lookups under `options.paths`, and the projects they
/// belong to (in the run's order).
pub fn required_uses(
    rules: &[&Rule],
    options: &RunOptions,
) -> Result<(Vec<Project>, Vec<Use>), RunError> {
    let (result, lookups) =
        run::run_with(rules, options, |files| KeyHook::new(&options.paths, files))?;
    let schema_rule = rules.iter().position(|r| r.id == SCHEMA_DEFAULT_RULE);
    let try_except = rules.iter().position(|r| r.id == TRY_EXCEPT_RULE);
    let hard_fail: Vec<usize> = rules
        .iter()
        .enumerate()
        .filter(|(_, rule)| HARD_FAIL_RULES.contains(&rule.id.as_str()))
        .map(|(index, _)| index)
        .collect();
    let mut uses = Vec::new();
    for (path, file_lookups) in lookups {
        let Some(report) = result.files.iter().find(|f| f.path == path) else {
            continue;
        };
        let (edits, findings) = match &report.outcome {
            Outcome::Processed(processed) => {
                (processed.edits.as_slice(), processed.findings.as_slice())
            }
            _ => (&[][..], &[][..]),
        };
        for lookup in file_lookups {
            let kept_optional = findings.iter().any(|f| {
                Some(f.rule) == schema_rule && f.start == lookup.start && f.end == lookup.end
            });
            let origin = match kept_optional {
                true => Some(Origin::SchemaOptional),
                false => origin(&lookup, edits, &hard_fail, try_except),
            };
            if let Some(origin) = origin {
                uses.push(Use {
                    file: report.display.clone(),
                    line: lookup.line,
                    origin,
                    path: lookup.path,
                    default: lookup.default,
                    code: keypaths::fold(&lookup.code),
                    project: report.project,
                });
            }
        }
    }
    Ok((result.projects, uses))
}

/// Subscripts are required already; a `.get` is made required when a
/// hard-fail edit covers it and its code is gone from the rewrite (an
/// inner lookup the rule leaves alone stays verbatim in the edit), unless
/// the edit also wraps it in `try: … except KeyError:`.
fn origin(
    lookup: &KeyLookup,
    edits: &[FileEdit],
    hard_fail: &[usize],
    try_except: Option<usize>,
) -> Option<Origin> {
    if !lookup.is_get {
        return Some(Origin::Subscript);
    }
    let mut covering = edits
        .iter()
        .filter(|edit| edit.start <= lookup.start && lookup.end <= edit.end);
    covering
        .any(|edit| {
            edit.rules.iter().any(|r| hard_fail.contains(r))
                && !edit.rules.iter().any(|r| Some(*r) == try_except)
                && !edit.after.contains(&lookup.code)
        })
        .then_some(Origin::Phase1)
}

/// Hands every file's parse to the key-path analysis, with the config
/// names of its project (assigned as the run assigns them).
struct KeyHook {
    names: Vec<NameMatcher>,
    file_projects: Vec<usize>,
    kinds: KindTable,
}

impl KeyHook {
    fn new(paths: &[PathBuf], files: &[PathBuf]) -> Result<Self, RunError> {
        let (projects, file_projects) = run::assign_projects(paths, files)?;
        let names = projects
            .iter()
            .map(|p| {
                NameMatcher::new(&p.settings.config_names)
                    .map_err(|e| RunError::ConfigNames(e.to_string()))
            })
            .collect::<Result<_, _>>()?;
        Ok(KeyHook {
            names,
            file_projects,
            kinds: KindTable::new(),
        })
    }
}

impl ParsedFileHook for KeyHook {
    type Output = (PathBuf, Vec<KeyLookup>);

    fn wants(&self, _: usize) -> bool {
        true
    }

    fn parsed(&self, index: usize, path: &Path, parsed: Option<(&str, &Tree)>) -> Self::Output {
        let names = &self.names[self.file_projects[index]];
        let lookups = match parsed {
            Some((text, tree)) if names.may_appear_in(text) => {
                let facts = FileFacts::analyze(tree, text, names, &self.kinds);
                keypaths::collect(tree, text, &facts)
            }
            _ => Vec::new(),
        };
        (path.to_path_buf(), lookups)
    }
}
