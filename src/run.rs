//! One run over a set of paths: discover projects and files, then process
//! files in parallel (read → prefilter → parse → match → edits → verify).
//! Results come back sorted by path, whatever the thread count.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::analysis::NameMatcher;
use crate::engine::{
    self, FileContext, FileEdit, FileWarning, Finding, RuleIndex, prefilter::Prefilter,
};
use crate::project::{FileScope, Project, ProjectConfigError};
use crate::rules::Rule;
use crate::source::{self, NotUtf8, SourceText};
use crate::syntax;
use crate::walk::{self, WalkError, WalkOptions};

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RunError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Walk(#[from] WalkError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Project(#[from] Box<ProjectConfigError>),
    #[error("invalid glob in rule `{rule}`: {message}")]
    #[diagnostic(code(txo_codemod::rule_glob))]
    Glob { rule: String, message: String },
    #[error("invalid config-names pattern in the project settings: {0}")]
    #[diagnostic(code(txo_codemod::config_names))]
    ConfigNames(String),
    #[error("cannot combine the query rules: {0}")]
    #[diagnostic(code(txo_codemod::query))]
    Query(String),
    #[error("cannot start worker threads: {0}")]
    #[diagnostic(code(txo_codemod::threads))]
    Threads(String),
}

pub struct RunOptions {
    pub paths: Vec<PathBuf>,
    pub walk: WalkOptions,
    /// Worker threads; 0 = one per core.
    pub threads: usize,
    pub show_progress: bool,
    /// Rules were chosen by id: run them even where a project does not enable them.
    pub explicit_rules: bool,
}

/// What happened to one file.
#[derive(Debug)]
pub enum Outcome {
    /// No selected rule could apply; not parsed.
    Skipped,
    NotUtf8(NotUtf8),
    ReadError(String),
    Processed(Processed),
}

#[derive(Debug)]
pub struct Processed {
    /// Kept only when there are edits (to diff or write them).
    pub source: Option<SourceText>,
    pub edits: Vec<FileEdit>,
    pub new_text: Option<String>,
    pub findings: Vec<Finding>,
    pub warnings: Vec<FileWarning>,
}

#[derive(Debug)]
pub struct FileReport {
    pub path: PathBuf,
    /// Path as shown to the user.
    pub display: String,
    pub project: usize,
    pub outcome: Outcome,
}

pub struct RunResult {
    pub projects: Vec<Project>,
    pub files: Vec<FileReport>,
}

/// The selected rules with their per-project file scopes.
struct Plan<'r> {
    index: RuleIndex<'r>,
    /// One per project (config names differ).
    prefilters: Vec<Prefilter>,
    projects: Vec<Project>,
    /// scopes[project][rule]; `None` where the project does not run the rule.
    scopes: Vec<Vec<Option<FileScope>>>,
    config_names: Vec<NameMatcher>,
}

pub fn run(rules: &[&Rule], options: &RunOptions) -> Result<RunResult, RunError> {
    let files = walk::python_files(&options.paths, options.walk)?;
    let (projects, file_projects) = assign_projects(&options.paths, &files)?;
    let plan = make_plan(rules, projects, options.explicit_rules)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .build()
        .map_err(|e| RunError::Threads(e.to_string()))?;
    let progress = progress_bar(options.show_progress, files.len());
    let mut reports: Vec<FileReport> = pool.install(|| {
        files
            .par_iter()
            .zip(file_projects.par_iter())
            .map_init(syntax::new_parser, |parser, (path, project)| {
                let report = process_file(&plan, parser, path, *project);
                progress.inc(1);
                report
            })
            .collect()
    });
    progress.finish_and_clear();
    reports.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(RunResult {
        projects: plan.projects,
        files: reports,
    })
}

fn progress_bar(wanted: bool, len: usize) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if wanted && len >= 500 && std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(len as u64)
    } else {
        indicatif::ProgressBar::hidden()
    }
}

/// Each input path belongs to the project that contains it; each file to the
/// project of the input path it was found under.
fn assign_projects(
    paths: &[PathBuf],
    files: &[PathBuf],
) -> Result<(Vec<Project>, Vec<usize>), RunError> {
    let mut projects: Vec<Project> = Vec::new();
    let mut path_project = Vec::new();
    for path in paths {
        let project = Project::discover(path)?;
        let index = match projects
            .iter()
            .position(|p| same_dir(&p.root, &project.root))
        {
            Some(index) => index,
            None => {
                projects.push(project);
                projects.len() - 1
            }
        };
        path_project.push((path, index));
    }
    let file_projects = files
        .iter()
        .map(|file| {
            path_project
                .iter()
                .filter(|(path, _)| file.starts_with(path))
                .max_by_key(|(path, _)| path.components().count())
                .map_or(0, |(_, index)| *index)
        })
        .collect();
    Ok((projects, file_projects))
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn make_plan<'r>(
    rules: &[&'r Rule],
    projects: Vec<Project>,
    explicit: bool,
) -> Result<Plan<'r>, RunError> {
    let scopes = projects
        .iter()
        .map(|project| {
            rules
                .iter()
                .map(|rule| {
                    if !explicit && !project.settings.runs_rule(&rule.id, rule.enabled) {
                        return Ok(None);
                    }
                    FileScope::new(&rule.files, &rule.ignores, &project.settings)
                        .map(Some)
                        .map_err(|e| RunError::Glob {
                            rule: rule.id.clone(),
                            message: e.to_string(),
                        })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let config_names = projects
        .iter()
        .map(|project| {
            NameMatcher::new(&project.settings.config_names)
                .map_err(|e| RunError::ConfigNames(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let index = RuleIndex::new(rules.to_vec()).map_err(RunError::Query)?;
    let prefilters = projects
        .iter()
        .map(|p| Prefilter::new(rules, &p.settings.config_names))
        .collect();
    Ok(Plan {
        index,
        prefilters,
        projects,
        scopes,
        config_names,
    })
}

fn process_file(
    plan: &Plan,
    parser: &mut tree_sitter::Parser,
    path: &Path,
    project: usize,
) -> FileReport {
    let report = |outcome| FileReport {
        path: path.to_path_buf(),
        display: source::display_path(path),
        project,
        outcome,
    };
    let relative = plan.projects[project].relative(path);
    let mut applicable: Vec<bool> = plan.scopes[project]
        .iter()
        .map(|scope| scope.as_ref().is_some_and(|s| s.contains(&relative)))
        .collect();
    if !applicable.iter().any(|a| *a) {
        return report(Outcome::Skipped);
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => return report(Outcome::ReadError(error.to_string())),
    };
    if !plan.prefilters[project].narrow(&bytes, &mut applicable) {
        return report(Outcome::Skipped);
    }
    let source = match SourceText::decode(bytes) {
        Ok(source) => source,
        Err(error) => return report(Outcome::NotUtf8(error)),
    };
    let tree = syntax::parse_with(parser, &source.text);
    let context = FileContext {
        applicable: &applicable,
        config_names: &plan.config_names[project],
        settings: &plan.projects[project].settings,
    };
    let rewrite = engine::rewrite(&plan.index, &source.text, tree, source.newline, &context);
    // Only edits need the text later (diffs, writes); findings and
    // warnings carry their positions, so a rule that fires everywhere
    // does not keep the whole tree of files in memory.
    let keep_source = !rewrite.edits.is_empty();
    report(Outcome::Processed(Processed {
        source: keep_source.then_some(source),
        edits: rewrite.edits,
        new_text: rewrite.new_text,
        findings: rewrite.findings,
        warnings: rewrite.warnings,
    }))
}

/// Counts for the summary line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub edits: usize,
    pub files_changed: usize,
    pub scanned: usize,
    pub skipped: usize,
    pub with_errors: usize,
    pub findings: usize,
}

impl RunResult {
    pub fn totals(&self) -> Totals {
        let mut totals = Totals {
            scanned: self.files.len(),
            ..Totals::default()
        };
        for file in &self.files {
            match &file.outcome {
                Outcome::Skipped => totals.skipped += 1,
                Outcome::NotUtf8(_) | Outcome::ReadError(_) => totals.with_errors += 1,
                Outcome::Processed(processed) => {
                    let edits: usize = processed.edits.iter().map(|e| e.rules.len()).sum();
                    totals.edits += edits;
                    totals.files_changed += usize::from(edits > 0);
                    totals.findings += processed.findings.len();
                    let broken = processed.warnings.iter().any(|w| {
                        matches!(
                            w,
                            FileWarning::SyntaxErrors { .. } | FileWarning::FixBrokeSyntax { .. }
                        )
                    });
                    totals.with_errors += usize::from(broken);
                }
            }
        }
        totals
    }

    pub fn has_read_errors(&self) -> bool {
        self.files
            .iter()
            .any(|f| matches!(f.outcome, Outcome::ReadError(_)))
    }
}
