//! `config-audit`: which configuration keys phase 1 makes required, and
//! which configuration files lack them. Data flows one way: the phase-1
//! dry run gives the required lookups (`collect`), each project's
//! configuration files (`files`) and schema (`schema`) are read, and every
//! key path is checked against every file.

pub mod collect;
pub mod files;
pub mod fix;
pub mod fix_schema;
pub mod history;
pub mod json_spans;
pub mod schema;
pub mod values;

use std::collections::BTreeMap;

use serde::Serialize;

pub use collect::{Origin, Use};
pub use files::{ConfigFile, FileProblem, Presence, Role};
use schema::{Schema, Verdict};

use crate::project::Project;
use crate::run::RunError;

/// A key path the code requires, with its uses and its standing.
#[derive(Debug, Clone, Serialize)]
pub struct RequiredKey {
    pub path: Vec<String>,
    /// The old default (Python source) of the first use that had one.
    pub default: Option<String>,
    /// Whether phase 1 makes it required (else a subscript already does).
    pub from_phase_1: bool,
    pub uses: Vec<Use>,
    /// Per configuration file (same order as the project's files).
    pub presence: Vec<Option<Presence>>,
    pub schema: Option<Verdict>,
}

impl RequiredKey {
    /// `_token`, `_client_secret`: added by the loader at run time (from the
    /// secrets file or a login), never in the configuration file itself.
    pub fn is_injected(&self) -> bool {
        self.path.first().is_some_and(|k| k.starts_with('_'))
    }

    pub fn dotted(&self) -> String {
        self.path.join(".")
    }
}

/// A configuration file as shown: name, role and whether it could be read.
#[derive(Debug, Clone, Serialize)]
pub struct FileView {
    pub file: String,
    pub role: Role,
    pub problem: Option<FileProblem>,
}

/// One project's audit.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectAudit {
    pub root: String,
    pub files: Vec<FileView>,
    pub schema: Option<String>,
    /// Schema files that could not be read, or remote `$ref`s met.
    pub schema_problems: Vec<(String, FileProblem)>,
    pub keys: Vec<RequiredKey>,
    /// Required lookups whose key path cannot be known.
    pub unresolved: Vec<Use>,
    /// Lookups phase 1 reports instead of rewriting: the schema declares
    /// their key optional with a default.
    pub kept_optional: Vec<Use>,
}

impl ProjectAudit {
    /// Whether a configuration file (not a template or secrets file) lacks
    /// a required key: the program would fail on it.
    pub fn breaks_a_config(&self) -> bool {
        self.keys.iter().filter(|k| !k.is_injected()).any(|key| {
            key.presence
                .iter()
                .zip(&self.files)
                .any(|(presence, file)| {
                    file.role == Role::Config
                        && matches!(
                            presence,
                            Some(Presence::Missing { .. } | Presence::NotAnObject { .. })
                        )
                })
        })
    }

    pub fn has_unreadable_files(&self) -> bool {
        self.files.iter().any(|f| f.problem.is_some()) || !self.schema_problems.is_empty()
    }
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConfigAuditError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Run(#[from] RunError),
    #[error("invalid `config-files` or `config-schema` glob in {root}: {message}")]
    #[diagnostic(code(txo_codemod::config_files))]
    Glob { root: String, message: String },
}

/// The audit of every project under the run's paths, with the
/// configuration files loaded (for `--fix-configs`).
pub struct Audit {
    pub projects: Vec<ProjectAudit>,
    pub files: Vec<Vec<ConfigFile>>,
    pub project_roots: Vec<std::path::PathBuf>,
}

/// Whether a project under `paths` has configuration files (a cheap check
/// before a run).
pub fn any_config_files(paths: &[std::path::PathBuf]) -> bool {
    paths.iter().any(|path| {
        Project::discover(path).is_ok_and(|project| {
            files::discover(&project, &project.settings.config_files)
                .is_ok_and(|files| !files.is_empty())
        })
    })
}

pub fn audit(
    rules: &[&crate::rules::Rule],
    options: &crate::run::RunOptions,
) -> Result<Audit, ConfigAuditError> {
    let (projects, uses) = collect::required_uses(rules, options)?;
    let mut audit = Audit {
        projects: Vec::new(),
        files: Vec::new(),
        project_roots: Vec::new(),
    };
    for (index, project) in projects.iter().enumerate() {
        let glob_error = |e: globset::Error| ConfigAuditError::Glob {
            root: crate::source::display_path(&project.root),
            message: e.to_string(),
        };
        let config_files =
            files::discover(project, &project.settings.config_files).map_err(glob_error)?;
        let schema = schema::load(project).map_err(glob_error)?;
        let project_uses = uses
            .iter()
            .filter(|u| u.project == index)
            .cloned()
            .collect();
        audit
            .projects
            .push(audit_project(project, project_uses, &config_files, schema));
        audit.files.push(config_files);
        audit.project_roots.push(project.root.clone());
    }
    Ok(audit)
}

fn audit_project(
    project: &Project,
    uses: Vec<Use>,
    config_files: &[ConfigFile],
    (schema, mut schema_problems): (Option<Schema>, Vec<(String, FileProblem)>),
) -> ProjectAudit {
    let (kept_optional, uses): (Vec<Use>, Vec<Use>) = uses
        .into_iter()
        .partition(|u| u.origin == Origin::SchemaOptional);
    let (resolved, unresolved): (Vec<Use>, Vec<Use>) =
        uses.into_iter().partition(|u| u.path.is_ok());
    let mut by_path: BTreeMap<Vec<String>, Vec<Use>> = BTreeMap::new();
    for found in resolved {
        let path = found.path.clone().unwrap_or_default();
        if !path.is_empty() {
            by_path.entry(path).or_default().push(found);
        }
    }
    let mut keys: Vec<RequiredKey> = by_path
        .into_iter()
        .map(|(path, uses)| required_key(path, uses, config_files, schema.as_ref()))
        .collect();
    recall_defaults(project, &mut keys);
    if let Some(schema) = &schema {
        for key in &keys {
            if let Some(Verdict::RemoteRef { reference, .. }) = &key.schema {
                let problem = FileProblem {
                    line: schema.line_of_reference(reference),
                    column: 0,
                    message: format!("remote $ref `{reference}` is not followed"),
                };
                if !schema_problems.iter().any(|(_, p)| p == &problem) {
                    schema_problems.push((schema.relative.clone(), problem));
                }
            }
        }
    }
    ProjectAudit {
        root: crate::source::display_path(&project.root),
        files: config_files
            .iter()
            .map(|f| FileView {
                file: f.relative.clone(),
                role: f.role,
                problem: f.keys.as_ref().err().cloned(),
            })
            .collect(),
        schema: schema.map(|s| s.relative),
        schema_problems,
        keys,
        unresolved,
        kept_optional,
    }
}

/// After phase 1 was applied the lookups are subscripts: their old defaults
/// come from the pre-phase copies in the ledger.
fn recall_defaults(project: &Project, keys: &mut [RequiredKey]) {
    if keys.iter().all(|k| k.default.is_some()) {
        return;
    }
    let Ok(names) = crate::analysis::NameMatcher::new(&project.settings.config_names) else {
        return;
    };
    let defaults = history::phase_1_defaults(&project.root, &names);
    for key in keys.iter_mut().filter(|k| k.default.is_none()) {
        if let Some(default) = defaults.get(&key.path) {
            key.default = Some(default.clone());
            key.from_phase_1 = true;
        }
    }
}

fn required_key(
    path: Vec<String>,
    mut uses: Vec<Use>,
    config_files: &[ConfigFile],
    schema: Option<&Schema>,
) -> RequiredKey {
    uses.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    uses.dedup_by(|a, b| a.file == b.file && a.line == b.line && a.code == b.code);
    RequiredKey {
        default: uses.iter().find_map(|u| u.default.clone()),
        from_phase_1: uses.iter().any(|u| u.origin == Origin::Phase1),
        presence: config_files
            .iter()
            .map(|f| f.keys.as_ref().ok().map(|keys| presence_in(f, keys, &path)))
            .collect(),
        schema: schema.map(|s| s.verdict(&path)),
        uses,
        path,
    }
}

/// A secrets file holds `client-secret` for the loader's `_client_secret`;
/// other files hold keys as written.
fn presence_in(file: &ConfigFile, keys: &files::Keys, path: &[String]) -> Presence {
    if file.role != Role::Secrets {
        return keys.presence(path);
    }
    let Some(injected) = path.first().and_then(|k| k.strip_prefix('_')) else {
        return Presence::Missing { depth: 0 };
    };
    let files::Keys::Object(members) = keys else {
        return Presence::Missing { depth: 0 };
    };
    members
        .iter()
        .find(|(k, ..)| k.replace('-', "_") == injected)
        .map_or(Presence::Missing { depth: 0 }, |(_, line, _)| {
            Presence::Present { line: *line }
        })
}
