//! The run's transform pass: what each file hands over during its parse
//! ([`FileWork`]), then, once all files are parsed, the project indexes,
//! the deferred transform work, and the merge into the files' reports.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use super::changes::{self, FileChanges};
use super::class_facts::ClassFacts;
use super::summary::{self, ModuleSummary};
use super::{FileInput, NewFile, Options, Pending, ProjectIndex, Transform, TransformOutput};
use crate::engine::{Finding, edits};
use crate::project::Settings;
use crate::run::{FileReport, Outcome, Overlay, Processed};
use crate::source::SourceText;

/// A file a transform would create: (project, rule, file).
pub type Creation = (usize, usize, NewFile);

/// A transform rule as one project runs it.
pub struct ScopedTransform {
    pub rule: usize,
    pub transform: &'static dyn Transform,
    /// The rule's options with the project's overrides.
    pub options: Options,
}

/// What one parsed file of an indexed project hands to the pass.
#[derive(Default)]
pub struct FileWork {
    pub summary: Option<ModuleSummary>,
    /// The file's class facts, where a transform of its project needs them
    /// (`Transform::needs_class_facts`): from every file, summarised or not.
    pub classes: Option<ClassFacts>,
    /// Class facts for a later run (`run::Overlay::keep_class_facts`), each
    /// with the key of the text they come from: the file's, and the one its
    /// own change sets leave (from the tree of their parse check).
    pub later: Vec<(TextKey, ClassFacts)>,
    /// The next run's work on this file, done on this run's tree
    /// (`run::run_over_ahead`).
    pub ahead: Option<Box<crate::run::KeptWork>>,
    pub relative: String,
    pub project: usize,
    /// (rule, work left for after the index).
    pub pending: Vec<(usize, Pending)>,
    /// A hash of the text that was parsed: a file a change set edits is
    /// read again (no text is kept for the whole run) and must be unchanged.
    pub fingerprint: u64,
    /// Whether the file's own change sets from transforms that read no
    /// index, all applied, parse no worse: checked here, on the run's tree,
    /// so that the merge need not parse the file again.
    pub verdict: Option<changes::Verdict>,
}

/// What [`prepare`] computes besides the transforms' work.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wanted {
    /// The file's summary for the project index (some transform of its
    /// project reads the index).
    pub summary: bool,
    /// The class facts of the text the file's own change sets leave, from
    /// the tree of their parse check, for a later run (`FileWork::later`).
    pub facts_after_edits: bool,
}

/// During the parse: each applicable transform's preparation, and what
/// else is `wanted`.
pub fn prepare(
    file: usize,
    relative: &str,
    source: &SourceText,
    tree: &tree_sitter::Tree,
    transforms: &[&ScopedTransform],
    settings: &Settings,
    wanted: Wanted,
) -> FileWork {
    let (indexed, own): (Vec<&ScopedTransform>, Vec<&ScopedTransform>) = transforms
        .iter()
        .partition(|scoped| scoped.transform.needs_index());
    let mut pending = Vec::new();
    for scoped in indexed {
        if scoped.transform.may_apply(&source.text) {
            let input = file_input(file, relative, source, tree, scoped, settings);
            let work = scoped.transform.prepare(&input).into_iter();
            pending.extend(work.map(|p| (scoped.rule, p)));
        }
    }
    let own = prepare_own(file, relative, source, tree, &own, settings, wanted);
    FileWork {
        summary: wanted
            .summary
            .then(|| summary::summarize(relative, &source.text, tree)),
        ..own.into_work(relative, &source.text, pending)
    }
}

fn file_input<'a>(
    file: usize,
    relative: &'a str,
    source: &'a SourceText,
    tree: &'a tree_sitter::Tree,
    scoped: &'a ScopedTransform,
    settings: &'a Settings,
) -> FileInput<'a> {
    FileInput {
        file,
        relative,
        text: &source.text,
        tree,
        newline: source.newline,
        options: &scoped.options,
        settings,
    }
}

/// What a file's transforms that read no index (extract-method) make of
/// it during its parse: a function of its text, its tree and the rules
/// (with their options) alone, so a run may take it from an earlier run's
/// parse of the same text (`run::Overlay::own_work`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OwnWork {
    /// (rule, its outputs), in the order of the transforms.
    pub outputs: Vec<(usize, Vec<TransformOutput>)>,
    /// The parse check of their edits to the file (`FileWork::verdict`).
    pub verdict: Option<changes::Verdict>,
    /// The class facts of the text those edits leave (`FileWork::later`).
    pub later: Vec<(TextKey, ClassFacts)>,
}

impl OwnWork {
    /// The file's work for the pass: `pending` (the transforms that read
    /// the index), then these outputs.
    pub fn into_work(
        self,
        relative: &str,
        text: &str,
        mut pending: Vec<(usize, Pending)>,
    ) -> FileWork {
        pending.extend(self.outputs.into_iter().map(|(rule, outputs)| {
            let later: Pending = Box::new(move |_| outputs);
            (rule, later)
        }));
        FileWork {
            summary: None,
            classes: None,
            later: self.later,
            ahead: None,
            relative: relative.to_string(),
            project: 0,
            pending,
            fingerprint: fingerprint(text),
            verdict: self.verdict,
        }
    }
}

/// The work of `transforms` (none of which reads the index) on the file,
/// done now, while the tree is at hand for the parse check of its edits.
pub fn prepare_own(
    file: usize,
    relative: &str,
    source: &SourceText,
    tree: &tree_sitter::Tree,
    transforms: &[&ScopedTransform],
    settings: &Settings,
    wanted: Wanted,
) -> OwnWork {
    let mut outputs = Vec::new();
    let empty = ProjectIndex::default();
    for scoped in transforms {
        if !scoped.transform.may_apply(&source.text) {
            continue;
        }
        let input = file_input(file, relative, source, tree, scoped, settings);
        let work = scoped.transform.prepare(&input).into_iter();
        outputs.extend(work.map(|p| (scoped.rule, p(&empty))));
    }
    let mut later = Vec::new();
    let keep_facts = |edited: &str, after: &tree_sitter::Tree| {
        // A tree with errors is left out: error recovery is where an
        // incremental parse could differ from a parse from scratch.
        if wanted.facts_after_edits && !after.root_node().has_error() {
            let facts = super::class_facts::collect(after.root_node(), edited, relative);
            later.push((text_key(edited), facts));
        }
    };
    let verdict = own_verdict(file, &source.text, tree, &outputs, keep_facts);
    OwnWork {
        outputs,
        verdict,
        later,
    }
}

/// The parse check of `file` with the edits its own change sets make to it
/// (in the order the merge sorts them), if any and none overlap; the merge
/// uses it when it accepts exactly those edits. `after` gets the edited
/// text and its tree.
fn own_verdict(
    file: usize,
    text: &str,
    tree: &tree_sitter::Tree,
    done: &[(usize, Vec<TransformOutput>)],
    after: impl FnOnce(&str, &tree_sitter::Tree),
) -> Option<changes::Verdict> {
    let mut edits: Vec<edits::Edit> = done
        .iter()
        .flat_map(|(rule, outputs)| outputs.iter().map(move |o| (*rule, o)))
        .filter_map(|(rule, output)| match output {
            TransformOutput::Change(change) => Some((rule, change)),
            TransformOutput::Refusal(_) => None,
        })
        .flat_map(|(rule, change)| {
            change
                .edits
                .iter()
                .filter(|e| e.file == file)
                .map(move |e| edits::Edit {
                    start: e.start,
                    end: e.end,
                    replacement: e.replacement.clone(),
                    rule,
                    message: String::new(),
                })
        })
        .collect();
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|e| (e.start, e.end));
    let fits = edits.windows(2).all(|pair| pair[1].start >= pair[0].end)
        && edits.iter().all(|e| e.end <= text.len());
    fits.then(|| changes::Verdict::check_then(tree, text, &edits, after))
}

/// After the parse: builds each project's index, finishes the deferred
/// work, and folds edits and refusals into `reports` (in walk order).
/// Files to create come back as (project, rule, file): those of change sets
/// that only create files (whether to create them depends on the disk and
/// the rule's `if-exists`, which the run checks), and those of accepted
/// change sets that also edit (refused whole here when a file is in the way).
pub fn finish(
    work: Vec<(usize, FileWork)>,
    reports: &mut [FileReport],
    roots: &[&std::path::Path],
    overlay: &Overlay,
) -> Vec<(usize, usize, NewFile)> {
    let mut by_project: BTreeMap<usize, Vec<(usize, String, ModuleSummary)>> = BTreeMap::new();
    let mut classes: BTreeMap<usize, Vec<(usize, ClassFacts)>> = BTreeMap::new();
    let mut fingerprints: BTreeMap<usize, u64> = BTreeMap::new();
    let mut verdicts: BTreeMap<usize, changes::Verdict> = BTreeMap::new();
    let mut pending = Vec::new();
    for (file, item) in work {
        if let Some(verdict) = item.verdict {
            verdicts.insert(file, verdict);
        }
        if let Some(summary) = item.summary {
            by_project
                .entry(item.project)
                .or_default()
                .push((file, item.relative, summary));
        }
        if let Some(facts) = item.classes {
            classes.entry(item.project).or_default().push((file, facts));
        }
        fingerprints.insert(file, item.fingerprint);
        pending.extend(
            item.pending
                .into_iter()
                .map(|(rule, p)| (item.project, rule, p)),
        );
    }
    let mut indexes: BTreeMap<usize, ProjectIndex> = by_project
        .into_iter()
        .map(|(project, files)| (project, ProjectIndex::build(files)))
        .collect();
    for (project, mut facts) in classes {
        facts.sort_by_key(|(file, _)| *file);
        let index = indexes.entry(project).or_default();
        for (_, facts) in facts {
            index.add_class_facts(facts);
        }
    }
    let empty = ProjectIndex::default();
    let outputs: Vec<(usize, usize, TransformOutput)> = pending
        .into_par_iter()
        .map(|(project, rule, work)| {
            let index = indexes.get(&project).unwrap_or(&empty);
            work(index)
                .into_iter()
                .map(|o| (project, rule, o))
                .collect::<Vec<_>>()
        })
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect();
    let (mut created, outputs) = split_creations(outputs);
    if outputs.is_empty() {
        return created;
    }
    let mut sources = reread(&outputs, &fingerprints, reports, overlay);
    let edited: BTreeSet<usize> = reports
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(&r.outcome, Outcome::Processed(p) if !p.edits.is_empty()))
        .map(|(file, _)| file)
        .collect();
    let (projects, outputs): (Vec<usize>, Vec<_>) = outputs
        .into_iter()
        .map(|(project, rule, output)| (project, (rule, output)))
        .unzip();
    let rule_of: Vec<usize> = outputs.iter().map(|(rule, _)| *rule).collect();
    let merged = changes::merge(
        outputs,
        |f| sources.get(&f).map(|s| s.text.as_str()),
        &edited,
        |position, new| {
            let root = projects.get(position).and_then(|p| roots.get(*p))?;
            in_the_way(&root.join(&new.path), new)
        },
        &verdicts,
    );
    for (file, changes) in merged.files {
        if let Some(report) = reports.get_mut(file) {
            fold_into(report, changes, sources.remove(&file));
        }
    }
    created.extend(merged.created.into_iter().filter_map(|(position, new)| {
        Some((*projects.get(position)?, *rule_of.get(position)?, new))
    }));
    created
}

/// Why a file a change set creates cannot be created at `path`: something
/// else is there. The same bytes are no obstacle (nothing to write).
fn in_the_way(path: &std::path::Path, new: &NewFile) -> Option<String> {
    match std::fs::read(path) {
        Ok(bytes) if bytes == new.text.as_bytes() => None,
        Err(_) if !path.exists() => None,
        _ => Some(format!("`{}` exists with other content", new.path)),
    }
}

/// Takes out the change sets that only create files; the rest keep their
/// rule, in order, for [`changes::merge`].
fn split_creations(
    outputs: Vec<(usize, usize, TransformOutput)>,
) -> (Vec<Creation>, Vec<(usize, usize, TransformOutput)>) {
    let mut created = Vec::new();
    let mut rest = Vec::new();
    for (project, rule, output) in outputs {
        match output {
            TransformOutput::Change(change) if change.edits.is_empty() => created.extend(
                change
                    .new_files
                    .into_iter()
                    .map(|file| (project, rule, file)),
            ),
            output => rest.push((project, rule, output)),
        }
    }
    (created, rest)
}

/// What identifies a text: its length and its [`fingerprint`].
pub type TextKey = (usize, u64);

pub fn text_key(text: &str) -> TextKey {
    (text.len(), fingerprint(text))
}

/// A hash of a file's text (which `FileWork::fingerprint` holds).
pub fn fingerprint(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// The texts of the files change sets edit, read again; a file that changed
/// since its parse is left out (its change sets are then refused).
fn reread(
    outputs: &[(usize, usize, TransformOutput)],
    fingerprints: &BTreeMap<usize, u64>,
    reports: &[FileReport],
    overlay: &Overlay,
) -> BTreeMap<usize, SourceText> {
    let needed: BTreeSet<usize> = outputs
        .iter()
        .filter_map(|(_, _, output)| match output {
            TransformOutput::Change(change) => Some(change.edits.iter().map(|e| e.file)),
            TransformOutput::Refusal(_) => None,
        })
        .flatten()
        .collect();
    needed
        .into_iter()
        .filter_map(|file| {
            let bytes = overlay.read(&reports.get(file)?.path).ok()?;
            let source = SourceText::decode(bytes).ok()?;
            (fingerprints.get(&file) == Some(&fingerprint(&source.text))).then_some((file, source))
        })
        .collect()
}

fn fold_into(report: &mut FileReport, changes: FileChanges, source: Option<SourceText>) {
    if let Outcome::Skipped = report.outcome {
        report.outcome = Outcome::Processed(Box::new(Processed {
            source: None,
            edits: Vec::new(),
            new_text: None,
            rendered: None,
            findings: Vec::new(),
            warnings: Vec::new(),
        }));
    }
    let Outcome::Processed(processed) = &mut report.outcome else {
        return;
    };
    processed
        .findings
        .extend(changes.refusals.into_iter().map(|(rule, refusal)| Finding {
            rule,
            start: refusal.start,
            end: refusal.end,
            from: refusal.from,
            to: refusal.to,
            message: refusal.message,
            reason: Some(refusal.reason),
            captures: Vec::new(),
        }));
    processed.findings.sort_by_key(|f| (f.start, f.rule));
    if changes.edits.is_empty() {
        return;
    }
    let Some(source) = source else {
        return;
    };
    let file_edits = edits::compose(&source.text, &source.text, Vec::new(), &changes.edits);
    processed.new_text = Some(edits::apply(&source.text, &changes.edits));
    processed.edits = file_edits;
    processed.source = Some(source);
}

/// One transform on one file as a one-file project (for `rules test`):
/// the rewritten text, if any, and how many changes and refusals it made.
pub fn run_alone(
    transform: &'static dyn Transform,
    options: &Options,
    relative: &str,
    code: &str,
) -> (Option<String>, usize) {
    let Ok(source) = SourceText::decode(code.as_bytes().to_vec()) else {
        return (None, 0);
    };
    let tree = crate::syntax::parse(&source.text);
    let scoped = ScopedTransform {
        rule: 0,
        transform,
        options: options.clone(),
    };
    let settings = Settings::default();
    let wanted = Wanted {
        summary: true,
        facts_after_edits: false,
    };
    let mut work = prepare(0, relative, &source, &tree, &[&scoped], &settings, wanted);
    if transform.needs_class_facts()
        && let Some(summary) = work.summary.as_mut()
    {
        summary.classes = super::class_facts::collect(tree.root_node(), &source.text, relative);
    }
    let index = ProjectIndex::build(
        work.summary
            .into_iter()
            .map(|s| (0, relative.to_string(), s))
            .collect(),
    );
    let outputs: Vec<(usize, usize, TransformOutput)> = work
        .pending
        .into_iter()
        .flat_map(|(rule, pending)| pending(&index).into_iter().map(move |o| (0, rule, o)))
        .collect();
    // A created file counts as a match; the file itself stays as it is.
    let (created, outputs) = split_creations(outputs);
    let outputs = outputs.into_iter().map(|(_, rule, o)| (rule, o)).collect();
    let verdicts = work
        .verdict
        .map(|verdict| BTreeMap::from([(0, verdict)]))
        .unwrap_or_default();
    let merged = changes::merge(
        outputs,
        |_| Some(source.text.as_str()),
        &BTreeSet::new(),
        |_, _| None,
        &verdicts,
    );
    let created = created.len() + merged.created.len();
    let Some(changes) = merged.files.get(&0) else {
        return (None, created);
    };
    let hits = changes.edits.len() + changes.refusals.len() + created;
    let fixed = (!changes.edits.is_empty()).then(|| edits::apply(&source.text, &changes.edits));
    (fixed, hits)
}
