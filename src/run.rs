//! One run over a set of paths: discover projects and files, then process
//! files in parallel (read → prefilter → parse → match → edits → verify).
//! Results come back sorted by path, whatever the thread count.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use tree_sitter::Tree;

use crate::analysis::NameMatcher;
use crate::analysis::mapping::{self, GetMethod};
use crate::engine::{
    self, BlockedGroup, FileContext, FileEdit, FileWarning, Finding, RuleIndex,
    prefilter::Prefilter,
};
use crate::limits;
use crate::project::{CanonicalDirs, FileScope, Project, ProjectConfigError};
use crate::rules::Rule;
use crate::source::{NotUtf8, SourceText};
use crate::syntax;
use crate::transforms::pass::{self, FileWork, ScopedTransform};
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
    #[error("invalid option for the transform of rule `{rule}`: {message}")]
    #[diagnostic(
        code(txo_codemod::transform_options),
        help("check `[tool.txo-codemod.rule-options.{rule}]` in the project settings")
    )]
    TransformOptions { rule: String, message: String },
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
    /// Parse every file the rules' scopes hold, prefilter or not (a check
    /// that the prefilter skips nothing a rule matches).
    pub parse_every_file: bool,
}

/// What happened to one file.
#[derive(Debug)]
pub enum Outcome {
    /// No selected rule could apply; not parsed.
    Skipped,
    NotUtf8(NotUtf8),
    ReadError(String),
    /// Over a size or nesting limit (`limits`): skipped, with the reason.
    OverLimit(String),
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
    /// Files the run's transforms would create, sorted by path.
    pub created: Vec<crate::transforms::created::CreatedFile>,
}

/// The selected rules with their per-project file scopes.
struct Plan<'r> {
    index: RuleIndex<'r>,
    /// One per project (config names differ).
    prefilters: Vec<Prefilter>,
    parse_every_file: bool,
    projects: Vec<Project>,
    /// scopes[project][rule]; `None` where the project does not run the rule.
    scopes: Vec<Vec<Option<FileScope>>>,
    config_names: Vec<NameMatcher>,
    /// transforms[project]: the transform rules it runs; a project with
    /// any is indexed (every file summarised during its parse).
    transforms: Vec<Vec<ScopedTransform>>,
    /// One per project, loaded only when a rule has a `schema-default`
    /// constraint.
    schemas: Vec<Option<crate::config_audit::schema::Schema>>,
}

/// More to learn from each parsed file, on the run's own parse (`assess`
/// audits library files while the rules run, so no file is parsed twice).
pub trait ParsedFileHook: Sync {
    type Output: Send;
    /// Whether the file at `index` (in walk order) is wanted, even where no
    /// rule applies to it.
    fn wants(&self, index: usize) -> bool;
    /// Called once per wanted file, with its text and tree, or `None` when
    /// it could not be read or decoded.
    fn parsed(&self, index: usize, path: &Path, parsed: Option<(&str, &Tree)>) -> Self::Output;
}

/// No hook: the plain run.
struct NoHook;

impl ParsedFileHook for NoHook {
    type Output = ();
    fn wants(&self, _: usize) -> bool {
        false
    }
    fn parsed(&self, _: usize, _: &Path, _: Option<(&str, &Tree)>) {}
}

pub fn run(rules: &[&Rule], options: &RunOptions) -> Result<RunResult, RunError> {
    run_with(rules, options, |_| Ok(NoHook)).map(|(result, _)| result)
}

/// A run that also hands every file the hook (made from the walked files)
/// wants to it; its outputs come back in walk order (sorted by path).
pub fn run_with<H: ParsedFileHook>(
    rules: &[&Rule],
    options: &RunOptions,
    make_hook: impl FnOnce(&[PathBuf]) -> Result<H, RunError>,
) -> Result<(RunResult, Vec<H::Output>), RunError> {
    let files = walk::python_files(&options.paths, options.walk)?;
    let hook = make_hook(&files)?;
    let (projects, file_projects) = assign_projects(&options.paths, &files)?;
    let mut plan = make_plan(rules, projects, options.explicit_rules)?;
    plan.parse_every_file = options.parse_every_file;
    let mut canonical = CanonicalDirs::default();
    let relatives: Vec<String> = files
        .iter()
        .zip(&file_projects)
        .map(|(file, project)| {
            plan.projects[*project].relative_from(&canonical.absolute(file), file)
        })
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .stack_size(crate::limits::WORKER_STACK_SIZE)
        .build()
        .map_err(|e| RunError::Threads(e.to_string()))?;
    let progress = progress_bar(options.show_progress, files.len());
    let in_run = |index: usize| FileInRun {
        index,
        path: &files[index],
        relative: &relatives[index],
        project: file_projects[index],
    };
    let processed: Vec<FileResult<H::Output>> = pool.install(|| {
        (0..files.len())
            .into_par_iter()
            .map_init(syntax::new_parser, |parser, index| {
                let nothing = Elsewhere::default();
                let result = process_file(&plan, parser, &in_run(index), &hook, &nothing);
                progress.inc(1);
                result
            })
            .collect()
    });
    progress.finish_and_clear();
    let mut reports = Vec::with_capacity(processed.len());
    let mut outputs = Vec::with_capacity(processed.len());
    let mut work = Vec::new();
    let mut learned = Vec::with_capacity(processed.len());
    for (index, (report, output, file_work, facts)) in processed.into_iter().enumerate() {
        reports.push(report);
        outputs.push(output);
        work.extend(file_work.map(|w| (index, w)));
        learned.push(facts);
    }
    let again = decide_again(&plan, &learned, &in_run, &pool);
    for (index, report) in again {
        reports[index] = report;
    }
    // Reports are in walk order here, which the transform pass indexes by;
    // it runs on the files' final pattern-rule results.
    let new_files = if work.is_empty() {
        Vec::new()
    } else {
        let roots: Vec<&Path> = plan.projects.iter().map(|p| p.root.as_path()).collect();
        pool.install(|| pass::finish(work, &mut reports, &roots))
    };
    let created = crate::transforms::created::place(new_files, &plan.projects, &plan.transforms);
    reports.sort_by(|a, b| a.path.cmp(&b.path));
    let result = RunResult {
        projects: plan.projects,
        files: reports,
        created,
    };
    Ok((result, outputs.into_iter().flatten().collect()))
}

/// What one file tells the run about the rest of its project.
#[derive(Debug, Default)]
struct Learned {
    /// The `get` methods its classes define.
    get_methods: Vec<GetMethod>,
    /// A rule took configuration of unknown type in it for a mapping.
    untyped_config: bool,
    /// Groups its code blocks, and groups it has fixes of.
    blocked_groups: BTreeSet<String>,
    fixed_groups: BTreeSet<String>,
}

/// What the rest of a file's project says, for its second processing.
#[derive(Debug, Default)]
struct Elsewhere {
    get_methods: Vec<GetMethod>,
    blocked: Vec<BlockedGroup>,
}

/// Some files are processed again, once, knowing what the rest of their
/// project holds: where a rule took configuration of unknown type for a
/// mapping, the `get` methods defined elsewhere (the receiver may be one
/// of those classes); where a group has fixes, the groups another file
/// blocks (a group changes in every file or in none). Only those files
/// are read twice.
fn decide_again<'f>(
    plan: &Plan,
    learned: &[Learned],
    in_run: &(impl Fn(usize) -> FileInRun<'f> + Sync),
    pool: &rayon::ThreadPool,
) -> Vec<(usize, FileReport)> {
    let mut methods: Vec<Vec<GetMethod>> = vec![Vec::new(); plan.projects.len()];
    let mut blocked: Vec<Vec<BlockedGroup>> = vec![Vec::new(); plan.projects.len()];
    for (index, facts) in learned.iter().enumerate() {
        let file = in_run(index);
        methods[file.project].extend(facts.get_methods.iter().cloned());
        for group in &facts.blocked_groups {
            if !blocked[file.project].iter().any(|b| &b.group == group) {
                blocked[file.project].push(BlockedGroup {
                    group: group.clone(),
                    file: file.relative.to_string(),
                });
            }
        }
    }
    for list in &mut methods {
        list.sort();
    }
    let elsewhere = |index: usize| {
        let (file, facts) = (in_run(index), &learned[index]);
        let own = format!("{}:", file.relative);
        let get_methods = match facts.untyped_config {
            true => methods[file.project]
                .iter()
                .filter(|m| !m.at.starts_with(&own))
                .cloned()
                .collect(),
            false => Vec::new(),
        };
        let blocked = blocked[file.project]
            .iter()
            .filter(|b| facts.fixed_groups.contains(&b.group))
            .filter(|b| !facts.blocked_groups.contains(&b.group))
            .cloned()
            .collect();
        Elsewhere {
            get_methods,
            blocked,
        }
    };
    let again: Vec<(usize, Elsewhere)> = (0..learned.len())
        .map(|index| (index, elsewhere(index)))
        .filter(|(_, e)| !e.get_methods.is_empty() || !e.blocked.is_empty())
        .collect();
    pool.install(|| {
        again
            .into_par_iter()
            .map_init(syntax::new_parser, |parser, (index, elsewhere)| {
                // The transform pass already has this file's work.
                let file = in_run(index);
                let (report, ..) =
                    read_and_rewrite(plan, parser, &file, &NoHook, &elsewhere, false, |_, _| ());
                (index, report)
            })
            .collect()
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
pub(crate) fn assign_projects(
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
    let schemas = project_schemas(rules, &projects)?;
    let index = RuleIndex::new(rules.to_vec()).map_err(RunError::Query)?;
    let prefilters = projects
        .iter()
        .map(|p| Prefilter::new(rules, &p.settings.config_names))
        .collect();
    let transforms = projects
        .iter()
        .zip(&scopes)
        .map(|(project, scopes)| scoped_transforms(rules, scopes, &project.settings))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Plan {
        index,
        prefilters,
        parse_every_file: false,
        projects,
        scopes,
        config_names,
        transforms,
        schemas,
    })
}

/// The transform rules a project runs, with its option overrides checked.
fn scoped_transforms(
    rules: &[&Rule],
    scopes: &[Option<FileScope>],
    settings: &crate::project::Settings,
) -> Result<Vec<ScopedTransform>, RunError> {
    let mut out = Vec::new();
    for (index, (rule, scope)) in rules.iter().zip(scopes).enumerate() {
        let (Some(call), Some(_)) = (rule.transform(), scope) else {
            continue;
        };
        let Some(transform) = crate::transforms::find(&call.name) else {
            continue;
        };
        let mut given = call.options.clone();
        if let Some(overrides) = settings.rule_options.get(&rule.id) {
            given.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let options = crate::transforms::options::resolve(transform.options(), &given).map_err(
            |(_, message)| RunError::TransformOptions {
                rule: rule.id.clone(),
                message,
            },
        )?;
        out.push(ScopedTransform {
            rule: index,
            transform,
            options,
        });
    }
    Ok(out)
}

impl Plan<'_> {
    /// A file's path as shown: relative to its project's root when the run
    /// has one project, however the paths were given; as walked when it
    /// spans several, so files of different projects cannot be confused.
    fn display(&self, file: &FileInRun) -> String {
        crate::project::shown_path(self.projects.len(), file.relative, file.path)
    }
}

/// Each project's configuration schema, if a rule asks about it. A schema
/// that cannot be read counts as none here (`config-audit` reports it).
fn project_schemas(
    rules: &[&Rule],
    projects: &[Project],
) -> Result<Vec<Option<crate::config_audit::schema::Schema>>, RunError> {
    let wanted = rules
        .iter()
        .any(|rule| rule.constraints.iter().any(|c| c.schema_default.is_some()));
    projects
        .iter()
        .map(|project| match wanted {
            true => crate::config_audit::schema::load(project)
                .map(|(schema, _)| schema)
                .map_err(|e| RunError::Glob {
                    rule: "config-schema".into(),
                    message: e.to_string(),
                }),
            false => Ok(None),
        })
        .collect()
}

/// One walked file: its place in the walk, its path (also relative to its
/// project's root), its project.
struct FileInRun<'a> {
    index: usize,
    path: &'a Path,
    relative: &'a str,
    project: usize,
}

/// One file's report, the hook's output, what it hands the transform pass,
/// and what it learned for the second round (see [`decide_again`]).
type FileResult<O> = (FileReport, Option<O>, Option<FileWork>, Learned);

/// Reads, filters, parses and rewrites one file. A file the hook wants, or
/// in a project that runs transforms (they need every file in the index),
/// is read and parsed even when no rule applies; it still counts as skipped.
fn process_file<H: ParsedFileHook>(
    plan: &Plan,
    parser: &mut tree_sitter::Parser,
    file: &FileInRun,
    hook: &H,
    elsewhere: &Elsewhere,
) -> FileResult<H::Output> {
    let indexed = !plan.transforms[file.project].is_empty();
    let mut work = None;
    let on_parsed = |source: &SourceText, tree: &Tree| {
        if indexed {
            work = Some(transform_work(plan, file, source, tree));
        }
    };
    let (report, output, learned) =
        read_and_rewrite(plan, parser, file, hook, elsewhere, indexed, on_parsed);
    (report, output, work, learned)
}

/// What the transform pass needs from a parsed file (see `transforms::pass`).
fn transform_work(plan: &Plan, file: &FileInRun, source: &SourceText, tree: &Tree) -> FileWork {
    let scopes = &plan.scopes[file.project];
    let transforms: Vec<&ScopedTransform> = plan.transforms[file.project]
        .iter()
        .filter(|t| {
            scopes[t.rule]
                .as_ref()
                .is_some_and(|s| s.contains(file.relative))
        })
        .collect();
    let settings = &plan.projects[file.project].settings;
    let indexed = plan.transforms[file.project]
        .iter()
        .any(|t| t.transform.needs_index());
    let mut work = pass::prepare(
        file.index,
        file.relative,
        source,
        tree,
        &transforms,
        settings,
        indexed,
    );
    work.project = file.project;
    if plan.transforms[file.project]
        .iter()
        .any(|t| t.transform.needs_class_facts())
        && let Some(summary) = work.summary.as_mut()
    {
        summary.classes =
            crate::transforms::class_facts::collect(tree.root_node(), &source.text, file.relative);
    }
    work
}

/// [`process_file`] without the transform pass; `indexed` files are parsed
/// even when no rule applies, and handed to `on_parsed`.
fn read_and_rewrite<H: ParsedFileHook>(
    plan: &Plan,
    parser: &mut tree_sitter::Parser,
    file: &FileInRun,
    hook: &H,
    elsewhere: &Elsewhere,
    indexed: bool,
    mut on_parsed: impl FnMut(&SourceText, &Tree),
) -> (FileReport, Option<H::Output>, Learned) {
    let report = |outcome| FileReport {
        path: file.path.to_path_buf(),
        display: plan.display(file),
        project: file.project,
        outcome,
    };
    let hook_wants = hook.wants(file.index);
    let unparsed = || hook_wants.then(|| hook.parsed(file.index, file.path, None));
    let wanted = hook_wants || indexed;
    let mut applicable = plan.applicable(file);
    let rules_may_apply = applicable.iter().any(|a| *a);
    let mut learned = Learned::default();
    if !rules_may_apply && !wanted {
        return (report(Outcome::Skipped), None, learned);
    }
    let bytes = match std::fs::read(file.path) {
        Ok(bytes) => bytes,
        Err(error) if rules_may_apply => {
            let outcome = Outcome::ReadError(error.to_string());
            return (report(outcome), unparsed(), learned);
        }
        Err(_) => return (report(Outcome::Skipped), unparsed(), learned),
    };
    if memchr::memmem::find(&bytes, b"def get(").is_some() {
        let text = String::from_utf8_lossy(&bytes);
        learned.get_methods = mapping::get_methods_in(&text, file.relative);
    }
    let rules_apply = rules_may_apply
        && (plan.parse_every_file || plan.prefilters[file.project].narrow(&bytes, &mut applicable));
    if !rules_apply && !wanted {
        return (report(Outcome::Skipped), None, learned);
    }
    let source = match SourceText::decode(bytes) {
        Ok(source) => source,
        Err(error) if rules_apply => {
            return (report(Outcome::NotUtf8(error)), unparsed(), learned);
        }
        Err(_) => return (report(Outcome::Skipped), unparsed(), learned),
    };
    let max_size = plan.projects[file.project].settings.max_file_size;
    let tree = match limits::check_text(source.text.as_bytes(), max_size)
        .and_then(|()| limits::parse_within(parser, &source.text))
    {
        Ok(tree) => tree,
        Err(reason) => return (report(Outcome::OverLimit(reason)), unparsed(), learned),
    };
    on_parsed(&source, &tree);
    let output =
        hook_wants.then(|| hook.parsed(file.index, file.path, Some((&source.text, &tree))));
    if !rules_apply {
        return (report(Outcome::Skipped), output, learned);
    }
    let context = FileContext {
        applicable: &applicable,
        config_names: &plan.config_names[file.project],
        settings: &plan.projects[file.project].settings,
        schema: plan.schemas[file.project].as_ref(),
        get_methods: &elsewhere.get_methods,
        blocked_elsewhere: &elsewhere.blocked,
        untyped_config: std::cell::Cell::new(false),
        test_code: crate::project::is_test_code(file.relative)
            && !plan.projects[file.project].settings.rewrite_tests,
    };
    let processed = rewrite_file(plan, source, tree, &context, &mut learned);
    learned.untyped_config = context.untyped_config.get();
    (report(Outcome::Processed(processed)), output, learned)
}

fn rewrite_file(
    plan: &Plan,
    source: SourceText,
    tree: Tree,
    context: &FileContext,
    learned: &mut Learned,
) -> Processed {
    let mut rewrite = engine::rewrite(&plan.index, &source.text, tree, source.newline, context);
    learned.blocked_groups = std::mem::take(&mut rewrite.blocked_groups);
    learned.fixed_groups = std::mem::take(&mut rewrite.fixed_groups);
    // Only edits need the text later (diffs, writes); findings and
    // warnings carry their positions, so a rule that fires everywhere
    // does not keep the whole tree of files in memory.
    let keep_source = !rewrite.edits.is_empty();
    Processed {
        source: keep_source.then_some(source),
        edits: rewrite.edits,
        new_text: rewrite.new_text,
        findings: rewrite.findings,
        warnings: rewrite.warnings,
    }
}

impl Plan<'_> {
    /// Per rule: whether its file scope in this file's project covers it.
    fn applicable(&self, file: &FileInRun) -> Vec<bool> {
        self.scopes[file.project]
            .iter()
            .map(|scope| scope.as_ref().is_some_and(|s| s.contains(file.relative)))
            .collect()
    }
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
                Outcome::Skipped | Outcome::OverLimit(_) => totals.skipped += 1,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Records each file it is handed: its name and the length of its text.
    struct Recorder;

    impl ParsedFileHook for Recorder {
        type Output = (String, Option<usize>);
        fn wants(&self, _: usize) -> bool {
            true
        }
        fn parsed(&self, _: usize, path: &Path, parsed: Option<(&str, &Tree)>) -> Self::Output {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let length = parsed.map(|(text, tree)| {
                assert_eq!(tree.root_node().end_byte(), text.len());
                text.len()
            });
            (name, length)
        }
    }

    #[test]
    fn the_hook_gets_every_wanted_file_once_whether_or_not_rules_apply() {
        let dir = tempfile::tempdir().unwrap();
        let utils = dir.path().join("utils");
        std::fs::create_dir_all(&utils).unwrap();
        std::fs::write(dir.path().join("pyproject.toml"), "").unwrap();
        let edited = "def f(config):\n    return config.get('a', 1)\n";
        std::fs::write(utils.join("a.py"), edited).unwrap();
        std::fs::write(utils.join("bad.py"), b"config.get('a', 1)  # \xff\n").unwrap();
        std::fs::write(utils.join("plain.py"), "x = 1\n").unwrap();
        let set = crate::rules::load::load_rule_set(&[], &crate::syntax::KindTable::new()).unwrap();
        let rules: Vec<&Rule> = set.rules.iter().filter(|r| r.phase == 1).collect();
        let options = RunOptions {
            paths: vec![dir.path().to_path_buf()],
            walk: WalkOptions::default(),
            threads: 1,
            show_progress: false,
            explicit_rules: false,
            parse_every_file: false,
        };
        let (result, seen) = run_with(&rules, &options, |files| {
            assert_eq!(files.len(), 3);
            Ok(Recorder)
        })
        .unwrap();
        let expected = [
            ("a.py".to_string(), Some(edited.len())),
            ("bad.py".to_string(), None),
            ("plain.py".to_string(), Some(6)),
        ];
        assert_eq!(seen, expected);
        let outcomes: Vec<&str> = result
            .files
            .iter()
            .map(|f| match &f.outcome {
                Outcome::Processed(p) if !p.edits.is_empty() => "edited",
                Outcome::Processed(_) => "unchanged",
                Outcome::NotUtf8(_) => "not utf-8",
                Outcome::Skipped => "skipped",
                Outcome::ReadError(_) => "unreadable",
                Outcome::OverLimit(_) => "over a limit",
            })
            .collect();
        assert_eq!(outcomes, ["edited", "not utf-8", "skipped"]);
    }
}
