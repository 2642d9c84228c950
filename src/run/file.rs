//! One file of the run: read, prefilter, parse, rewrite, and what it
//! hands the transform pass and the second pass.

use std::path::Path;

use tree_sitter::Tree;

use super::again::{Elsewhere, Learned};
use super::ahead::kept_work;
use super::hook::ParsedFileHook;
use super::plan::Plan;
use super::{FileReport, Outcome, Processed};
use crate::analysis::mapping;
use crate::engine::{self, FileContext};
use crate::limits;
use crate::source::SourceText;
use crate::transforms::class_facts;
use crate::transforms::pass::{self, FileWork, ScopedTransform, text_key};

/// One walked file: its place in the walk, its path (also relative to its
/// project's root), its project.
pub(super) struct FileInRun<'a> {
    pub(super) index: usize,
    pub(super) path: &'a Path,
    pub(super) relative: &'a str,
    pub(super) project: usize,
}

/// The prefilter's verdict on a file's bytes, where the sweep (`sift`)
/// gave one: the rules left, and whether any may match (or the file is
/// to be reported as not UTF-8).
pub(super) type Narrowed = (Vec<bool>, bool);

/// What is known of a file before it is read: whether its project's
/// transforms may want it, and the prefilter's verdict if already made.
pub(super) struct Before {
    pub(super) for_transforms: bool,
    pub(super) narrowed: Option<Narrowed>,
}

impl Before {
    /// Nothing known: no transform wants it, no verdict yet.
    pub(super) fn nothing() -> Self {
        Before {
            for_transforms: false,
            narrowed: None,
        }
    }
}

/// One file's outcome, the hook's output, what it hands the transform pass,
/// and what it learned for the second round (see [`decide_again`]). The
/// work is boxed: few files have any, and every result is held until the
/// last file is done. (Its [`FileReport`] is made after the parallel part,
/// by [`report`]: the worker threads' heap then holds no small strings of
/// every file between the files' read buffers and trees.)
pub(super) type FileResult<O> = (Outcome, Option<O>, Option<Box<FileWork>>, Learned);

/// The report of one file.
pub(super) fn report(plan: &Plan, file: &FileInRun, outcome: Outcome) -> FileReport {
    FileReport {
        path: file.path.to_path_buf(),
        display: plan.display(file),
        project: file.project,
        outcome,
    }
}

/// Reads, filters, parses and rewrites one file. A file the hook wants, or
/// one its project's transforms want (every file where one reads the index;
/// else those in a transform's scope it may apply to), is read and parsed
/// even when no rule applies; it still counts as skipped.
pub(super) fn process_file<H: ParsedFileHook>(
    plan: &Plan,
    parser: &mut tree_sitter::Parser,
    file: &FileInRun,
    hook: &H,
    elsewhere: &Elsewhere,
    narrowed: Option<Narrowed>,
) -> FileResult<H::Output> {
    let before = Before {
        for_transforms: plan.transforms_may_want(file),
        narrowed,
    };
    let mut work = None;
    let on_parsed = |source: &SourceText, tree: Option<&Tree>| {
        work = Some(Box::new(transform_work(plan, file, source, tree)));
    };
    let (outcome, output, learned) =
        read_and_rewrite(plan, parser, file, hook, elsewhere, before, on_parsed);
    (outcome, output, work, learned)
}

/// What the transform pass needs from a parsed file (see `transforms::pass`);
/// without a tree, from a file only class facts an earlier run computed
/// from the same text are wanted of ([`Plan::known_class_facts`]).
fn transform_work(
    plan: &Plan,
    file: &FileInRun,
    source: &SourceText,
    tree: Option<&Tree>,
) -> FileWork {
    let Some(tree) = tree else {
        if let Some(own) = kept_work(plan, file, &source.text) {
            let mut work = own
                .clone()
                .into_work(file.relative, &source.text, Vec::new());
            work.project = file.project;
            return work;
        }
        let key = text_key(&source.text);
        return FileWork {
            classes: plan.known_class_facts(file, &source.text, key).cloned(),
            relative: file.relative.to_string(),
            project: file.project,
            fingerprint: key.1,
            ..FileWork::default()
        };
    };
    let transforms: Vec<&ScopedTransform> = plan.transforms[file.project]
        .iter()
        .filter(|t| plan.in_scope(t, file))
        .collect();
    let settings = &plan.projects[file.project].settings;
    let wanted = pass::Wanted {
        summary: plan.indexes(file),
        facts_after_edits: plan.overlay.keeps_class_facts(),
    };
    let mut work = pass::prepare(
        file.index,
        file.relative,
        source,
        tree,
        &transforms,
        settings,
        wanted,
    );
    work.project = file.project;
    if let Some(ahead) = &plan.ahead {
        let facts = plan.overlay.keeps_class_facts();
        work.ahead = ahead
            .work(file, source, tree, settings, facts)
            .map(Box::new);
    }
    let key = (source.text.len(), work.fingerprint);
    let keep =
        plan.overlay.keeps_class_facts() && plan.overlay.class_facts(file.path, key).is_none();
    if plan.class_facts[file.project] || keep {
        let facts = class_facts::collect(tree.root_node(), &source.text, file.relative);
        if keep {
            work.later.push((key, facts.clone()));
        }
        if plan.class_facts[file.project] {
            work.classes = Some(facts);
        }
    }
    work
}

/// [`process_file`] without the transform pass; files the transforms want
/// (`for_transforms`, then [`Plan::transforms_want`] on their bytes) are
/// parsed even when no rule applies, and handed to `on_parsed`. So are
/// those the hook wants, unless its text suffices (`TEXT_SUFFICES`).
pub(super) fn read_and_rewrite<H: ParsedFileHook>(
    plan: &Plan,
    parser: &mut tree_sitter::Parser,
    file: &FileInRun,
    hook: &H,
    elsewhere: &Elsewhere,
    before: Before,
    mut on_parsed: impl FnMut(&SourceText, Option<&Tree>),
) -> (Outcome, Option<H::Output>, Learned) {
    let for_transforms = before.for_transforms;
    let hook_wants = hook.wants(file.index);
    let unparsed = || hook_wants.then(|| hook.parsed(file.index, file.path, None));
    let wanted = hook_wants || for_transforms;
    let mut applicable = plan.applicable(file);
    let rules_may_apply = applicable.iter().any(|a| *a);
    let mut learned = Learned::default();
    if !rules_may_apply && !wanted {
        return (Outcome::Skipped, None, learned);
    }
    let bytes = match plan.overlay.read(file.path) {
        Ok(bytes) => bytes,
        Err(error) if rules_may_apply => {
            let outcome = Outcome::ReadError(error.to_string());
            return (outcome, unparsed(), learned);
        }
        Err(_) => return (Outcome::Skipped, unparsed(), learned),
    };
    let for_transforms = for_transforms && plan.transforms_want(file, &bytes);
    let wanted = hook_wants || for_transforms;
    learned.get_methods = get_methods_of(&bytes, file.relative);
    let rules_apply = match before.narrowed {
        Some((rules_left, rules_apply)) => {
            applicable = rules_left;
            rules_apply
        }
        None => prefilter(plan, file, &bytes, &mut applicable),
    };
    if !rules_apply && !wanted {
        return (Outcome::Skipped, None, learned);
    }
    let source = match SourceText::decode(bytes) {
        Ok(source) => source,
        Err(error) if rules_apply => {
            return (Outcome::NotUtf8(error), unparsed(), learned);
        }
        Err(_) => return (Outcome::Skipped, unparsed(), learned),
    };
    if for_transforms && !rules_apply && !hook_wants && known_facts_suffice(plan, file, &source) {
        on_parsed(&source, None);
        return (Outcome::Skipped, None, learned);
    }
    let max_size = plan.projects[file.project].settings.max_file_size;
    if let Err(reason) = limits::check_text(source.text.as_bytes(), max_size) {
        return (Outcome::OverLimit(reason), unparsed(), learned);
    }
    if H::TEXT_SUFFICES && hook_wants && !rules_apply && !for_transforms {
        let output = hook.text(file.index, file.path, &source.text, parser);
        return (Outcome::Skipped, Some(output), learned);
    }
    let tree = match limits::parse_within(parser, &source.text) {
        Ok(tree) => tree,
        Err(reason) => return (Outcome::OverLimit(reason), unparsed(), learned),
    };
    if for_transforms {
        on_parsed(&source, Some(&tree));
    }
    let output =
        hook_wants.then(|| hook.parsed(file.index, file.path, Some((&source.text, &tree))));
    if !rules_apply {
        return (Outcome::Skipped, output, learned);
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
    (Outcome::Processed(Box::new(processed)), output, learned)
}

/// Whether a rule may match the file's bytes (the others cleared in
/// `applicable`), or they are to be reported as not UTF-8.
pub(super) fn prefilter(
    plan: &Plan,
    file: &FileInRun,
    bytes: &[u8],
    applicable: &mut [bool],
) -> bool {
    applicable.iter().any(|a| *a)
        && (plan.parse_every_file || plan.prefilters[file.project].narrow(bytes, applicable))
}

/// The `get` methods a file's classes define, searched in every file read.
pub(super) fn get_methods_of(bytes: &[u8], relative: &str) -> Vec<mapping::GetMethod> {
    match memchr::memmem::find(bytes, b"def get(") {
        Some(_) => mapping::get_methods_in(&String::from_utf8_lossy(bytes), relative),
        None => Vec::new(),
    }
}

/// Whether the class facts, or the transforms' work, an earlier run
/// computed from this text are all the transforms want of the file (it
/// then need not be parsed).
fn known_facts_suffice(plan: &Plan, file: &FileInRun, source: &SourceText) -> bool {
    let key = text_key(&source.text);
    plan.known_class_facts(file, &source.text, key).is_some()
        || kept_work(plan, file, &source.text).is_some()
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
        rendered: None,
        findings: rewrite.findings,
        warnings: rewrite.warnings,
    }
}
