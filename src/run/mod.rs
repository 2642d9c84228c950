//! One run over a set of paths: discover projects and files, then process
//! files in parallel (read → prefilter → parse → match → edits → verify).
//! Results come back sorted by path, whatever the thread count.

mod again;
mod ahead;
mod file;
mod hook;
mod overlay;
mod plan;
mod render;
mod sift;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use self::again::{decide_again, early_elsewhere, redo_early};
use self::ahead::Ahead;
use self::file::{FileInRun, FileResult, process_file};
use self::hook::NoHook;
use self::plan::make_plan;
use self::sift::{Sifted, largest_first, sift, skipped_learned};
use crate::engine::{FileEdit, FileWarning, Finding};
use crate::project::{CanonicalDirs, Project, ProjectConfigError};
use crate::rules::Rule;
use crate::source::{NotUtf8, SourceText};
use crate::syntax;
use crate::transforms::class_facts::ClassFacts;
use crate::transforms::pass;
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
    /// The caller reads only the run's edits, findings and created files
    /// (`assess`): a file only transform rules cover is not processed by
    /// the pattern engine, which has nothing of theirs to match, so it is
    /// parsed only where a transform wants it (it then counts as skipped,
    /// and its warnings are not reported).
    pub edits_and_findings_only: bool,
    /// Render each edited file as soon as its result is final, in place of
    /// its texts (`Processed::rendered`): `diff`'s text output. A file the
    /// transform pass gets keeps its texts (the pass may change them).
    pub render_edits: Option<Box<RenderEdits>>,
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
    /// Boxed: most files of a run are skipped, and every report is held
    /// until the output.
    Processed(Box<Processed>),
}

#[derive(Debug)]
pub struct Processed {
    /// Kept only when there are edits (to diff or write them).
    pub source: Option<SourceText>,
    pub edits: Vec<FileEdit>,
    pub new_text: Option<String>,
    /// The edits as `RunOptions::render_edits` showed them; `source` and
    /// `new_text` are then `None`.
    pub rendered: Option<String>,
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
    /// Class facts computed for a later run (`Overlay::keep_class_facts`):
    /// path, the key of the text they come from, facts.
    pub class_facts: Vec<(PathBuf, pass::TextKey, ClassFacts)>,
    /// Work done for the next run ([`run_over_ahead`]): path, work.
    pub own_work: Vec<(PathBuf, KeptWork)>,
}

pub use ahead::KeptWork;
pub use hook::ParsedFileHook;
pub use overlay::Overlay;
pub(crate) use plan::assign_projects;
pub use render::{RenderEdits, header_prefix};

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
    run_over_with(rules, options, &Overlay::default(), make_hook)
}

/// [`run`] on the files as `overlay` has them (the disk where it has none);
/// nothing is written.
pub fn run_over(
    rules: &[&Rule],
    options: &RunOptions,
    overlay: &Overlay,
) -> Result<RunResult, RunError> {
    run_over_with(rules, options, overlay, |_| Ok(NoHook)).map(|(result, _)| result)
}

/// [`run_with`] on the files as `overlay` has them.
pub fn run_over_with<H: ParsedFileHook>(
    rules: &[&Rule],
    options: &RunOptions,
    overlay: &Overlay,
    make_hook: impl FnOnce(&[PathBuf]) -> Result<H, RunError>,
) -> Result<(RunResult, Vec<H::Output>), RunError> {
    run_inner(rules, &[], options, overlay, make_hook)
}

/// [`run_over`] that also does, on each file it parses for its transforms,
/// the work of the `next` run's transforms that read no index, where that
/// run would parse the file only for them (`RunResult::own_work`, for
/// `Overlay::absorb_own_work`): `next` must be the next run's rules, over
/// the same paths with the same options.
pub fn run_over_ahead(
    rules: &[&Rule],
    next: &[&Rule],
    options: &RunOptions,
    overlay: &Overlay,
) -> Result<RunResult, RunError> {
    run_inner(rules, next, options, overlay, |_| Ok(NoHook)).map(|(result, _)| result)
}

fn run_inner<H: ParsedFileHook>(
    rules: &[&Rule],
    next: &[&Rule],
    options: &RunOptions,
    overlay: &Overlay,
    make_hook: impl FnOnce(&[PathBuf]) -> Result<H, RunError>,
) -> Result<(RunResult, Vec<H::Output>), RunError> {
    let files = walk::python_files(&options.paths, options.walk)?;
    let hook = make_hook(&files)?;
    let (projects, file_projects) = assign_projects(&options.paths, &files)?;
    let mut plan = make_plan(rules, projects, options.explicit_rules, overlay)?;
    if !next.is_empty() {
        plan.ahead = Some(Ahead::new(next, &plan.projects, options.explicit_rules)?);
    }
    plan.parse_every_file = options.parse_every_file;
    plan.pattern_rules_only = options.edits_and_findings_only;
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
    let prefix = header_prefix(&plan.projects);
    let render = |file: &FileInRun, outcome: Outcome| match &options.render_edits {
        Some(render) => {
            render::rendered(render, &format!("{prefix}{}", plan.display(file)), outcome)
        }
        None => outcome,
    };
    let progress = progress_bar(options.show_progress, files.len());
    let in_run = |index: usize| FileInRun {
        index,
        path: &files[index],
        relative: &relatives[index],
        project: file_projects[index],
    };
    // The sweep does not match rules: the query compiles on the other core.
    let ((mut sifted, early), compiled) = pool.install(|| {
        rayon::join(
            || sift(&plan, files.len(), &in_run, &|i| hook.wants(i), &pool),
            || plan.index.compile_query(),
        )
    });
    compiled.map_err(RunError::Query)?;
    let order = largest_first(&mut sifted);
    progress.inc((files.len() - order.len()) as u64);
    let done: Vec<(usize, FileResult<H::Output>)> = pool.install(|| {
        order
            .into_par_iter()
            .with_max_len(1)
            .map_init(syntax::new_parser, |parser, (index, narrowed)| {
                let file = in_run(index);
                let first = early_elsewhere(&plan, &file, &early);
                let (outcome, output, work, mut learned) =
                    process_file(&plan, parser, &file, &hook, &first, narrowed);
                let known = (&early, &first);
                let outcome = redo_early(&plan, parser, &file, known, outcome, &mut learned);
                // The transform pass may still change a file it has work of.
                let outcome = match work {
                    None => render(&file, outcome),
                    Some(_) => outcome,
                };
                progress.inc(1);
                (index, (outcome, output, work, learned))
            })
            .collect()
    });
    let processed = in_walk_order(sifted, done);
    progress.finish_and_clear();
    let mut reports = Vec::with_capacity(processed.len());
    let mut outputs = Vec::with_capacity(processed.len());
    let mut work = Vec::new();
    let mut learned = Vec::with_capacity(processed.len());
    let mut class_facts = Vec::new();
    let mut own_work = Vec::new();
    let mut has_work = vec![false; processed.len()];
    for (index, (outcome, output, file_work, facts)) in processed.into_iter().enumerate() {
        reports.push(file::report(&plan, &in_run(index), outcome));
        outputs.push(output);
        if let Some(mut file_work) = file_work {
            for (key, later) in std::mem::take(&mut file_work.later) {
                class_facts.push((files[index].clone(), key, later));
            }
            if let Some(kept) = file_work.ahead.take() {
                own_work.push((files[index].clone(), *kept));
            }
            has_work[index] = true;
            work.push((index, *file_work));
        }
        learned.push(facts);
    }
    let again = decide_again(&plan, &early, &learned, &in_run, &pool);
    for (index, mut report) in again {
        if !has_work[index] {
            report.outcome = render(&in_run(index), report.outcome);
        }
        reports[index] = report;
    }
    // Reports are in walk order here, which the transform pass indexes by;
    // it runs on the files' final pattern-rule results.
    let new_files = if work.is_empty() {
        Vec::new()
    } else {
        let roots: Vec<&Path> = plan.projects.iter().map(|p| p.root.as_path()).collect();
        pool.install(|| pass::finish(work, &mut reports, &roots, overlay))
    };
    let created = crate::transforms::created::place(new_files, &plan.projects, &plan.transforms);
    reports.sort_by(|a, b| a.path.cmp(&b.path));
    let result = RunResult {
        projects: plan.projects,
        files: reports,
        created,
        class_facts,
        own_work,
    };
    Ok((result, outputs.into_iter().flatten().collect()))
}

/// Every file's result in walk order: those processed, and the skipped
/// ones as the sweep left them.
fn in_walk_order<O>(sifted: Vec<Sifted>, done: Vec<(usize, FileResult<O>)>) -> Vec<FileResult<O>> {
    let mut results: Vec<Option<FileResult<O>>> = sifted
        .into_iter()
        .map(|s| match s {
            Sifted::Skipped(methods) => {
                Some((Outcome::Skipped, None, None, skipped_learned(methods)))
            }
            Sifted::Process(..) => None,
        })
        .collect();
    for (index, result) in done {
        results[index] = Some(result);
    }
    results.into_iter().flatten().collect()
}

fn progress_bar(wanted: bool, len: usize) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if wanted && len >= 500 && std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(len as u64)
    } else {
        indicatif::ProgressBar::hidden()
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
    use tree_sitter::Tree;

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

    /// The findings of a phase-1 run over `files` (relative path, text).
    fn phase_1_findings(files: &[(&str, &str)], threads: usize) -> Vec<(String, String)> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pyproject.toml"), "").unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let set = crate::rules::load::load_rule_set(&[], &crate::syntax::KindTable::new()).unwrap();
        let rules: Vec<&Rule> = set.rules.iter().filter(|r| r.phase == 1).collect();
        let options = RunOptions {
            show_progress: false,
            ..crate::commands::dry_run_options(
                &[dir.path().to_path_buf()],
                WalkOptions::default(),
                threads,
            )
        };
        let result = run(&rules, &options).unwrap();
        let mut found = Vec::new();
        for file in &result.files {
            if let Outcome::Processed(processed) = &file.outcome {
                for finding in &processed.findings {
                    let id = rules[finding.rule].id.clone();
                    found.push((format!("{}: {id}", file.display), finding.message.clone()));
                }
            }
        }
        found
    }

    #[test]
    fn an_untyped_receiver_is_judged_knowing_the_get_methods_of_other_files() {
        let files = [
            (
                "utils/box.py",
                "class Box:\n    def get(self, key):\n        return key\n",
            ),
            (
                "utils/use.py",
                "class Own:\n    def get(self, k):\n        return k\n\n\ndef f(config):\n    return config.get('a', 1)\n",
            ),
        ];
        let found = phase_1_findings(&files, 1);
        let untyped: Vec<&(String, String)> = found
            .iter()
            .filter(|(at, _)| at.ends_with("config-get-untyped-receiver"))
            .collect();
        assert_eq!(untyped.len(), 1, "{found:?}");
        let (at, message) = untyped[0];
        assert!(at.starts_with("utils/use.py"), "{at}");
        assert!(message.contains("`Box.get` at utils/box.py:2"), "{message}");
        // Its own class's method is named once, as this file's.
        assert!(!message.contains("utils/use.py:2"), "{message}");
        assert_eq!(phase_1_findings(&files, 2), found);
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
            show_progress: false,
            ..crate::commands::dry_run_options(
                &[dir.path().to_path_buf()],
                WalkOptions::default(),
                1,
            )
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
