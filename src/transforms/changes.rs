//! Turns transform outputs into per-file edits and findings. A change set is
//! all or nothing: it is refused whole when a file it creates is in the way
//! (there with other content), or it would touch a file other rules edit,
//! overlap an accepted change set, or leave a file that does not parse. The
//! files an accepted change set creates go with its edits.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use tree_sitter::Tree;

use super::{ChangeSet, NewFile, Refusal, TransformOutput};
use crate::engine::Edit;
use crate::syntax;

/// What the transforms of a run did to one file.
#[derive(Debug, Default)]
pub struct FileChanges {
    /// Non-overlapping edits on the original text, sorted.
    pub edits: Vec<Edit>,
    /// (rule, refusal) located in this file.
    pub refusals: Vec<(usize, Refusal)>,
}

/// What the merge made of a run's outputs.
#[derive(Debug, Default)]
pub struct Merged {
    pub files: BTreeMap<usize, FileChanges>,
    /// Files that accepted change sets create: (position of the change set
    /// in the outputs, file).
    pub created: Vec<(usize, NewFile)>,
}

/// `outputs`: (rule index, output) in a deterministic order. `text` gives a
/// file's original text; `edited_elsewhere` holds files other rules edit;
/// `in_the_way(position, file)` says why a file the change set at that
/// position would create cannot be (it exists with other content).
///
/// Parsing is what costs: a parse per change set made a file with many
/// change sets cost many parses. So the change sets are first merged as if
/// each left its files parsing, and each edited file is parsed once, with
/// all of them; when none parses worse than before, that is the result.
/// Otherwise they are merged again, a parse per change set, in order, which
/// refuses exactly the ones that make a file worse. (The two differ only
/// when a file parses with all its change sets but not with some of the
/// first ones: then all are kept.)
///
/// `verdicts` holds checks already made during the run's parse, on its tree
/// (see [`Verdict`]): a file whose merged edits are exactly those checked
/// is not parsed again.
pub fn merge<'t>(
    outputs: Vec<(usize, TransformOutput)>,
    text: impl Fn(usize) -> Option<&'t str>,
    edited_elsewhere: &BTreeSet<usize>,
    in_the_way: impl Fn(usize, &NewFile) -> Option<String>,
    verdicts: &BTreeMap<usize, Verdict>,
) -> Merged {
    let optimistic = merge_with(&outputs, &text, edited_elsewhere, &in_the_way, |_, _| true);
    let checks: Vec<(usize, &str, &[Edit])> = optimistic
        .files
        .iter()
        .filter(|(_, changes)| !changes.edits.is_empty())
        .filter_map(|(file, changes)| Some((*file, text(*file)?, changes.edits.as_slice())))
        .collect();
    if checks
        .par_iter()
        .all(|(file, original, edits)| match verdicts.get(file) {
            Some(verdict) if verdict.key == edits_key(edits) => verdict.no_worse,
            _ => parses_no_worse(original, edits),
        })
    {
        return optimistic;
    }
    merge_with(
        &outputs,
        &text,
        edited_elsewhere,
        &in_the_way,
        parses_no_worse,
    )
}

/// Whether `original` with `edits` has no more parse errors than it had.
fn parses_no_worse(original: &str, edits: &[Edit]) -> bool {
    let after = syntax::error_count(&syntax::parse(&crate::engine::edits::apply(
        original, edits,
    )));
    // Without errors after, the original need not be parsed.
    after == 0 || after <= syntax::error_count(&syntax::parse(original))
}

/// Whether a file with a given list of edits parses no worse than without
/// them, decided during the run's parse, where its tree is at hand
/// ([`parses_no_worse_incrementally`]); `key` is [`edits_key`] of that list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub key: u64,
    pub no_worse: bool,
}

impl Verdict {
    /// The check of `edits` (sorted, not overlapping) on `original`, whose
    /// parse is `tree`.
    pub fn check(tree: &Tree, original: &str, edits: &[Edit]) -> Self {
        Self::check_then(tree, original, edits, |_, _| ())
    }

    /// [`Self::check`], handing `after` the edited text and its tree.
    pub fn check_then(
        tree: &Tree,
        original: &str,
        edits: &[Edit],
        after: impl FnOnce(&str, &Tree),
    ) -> Self {
        Verdict {
            key: edits_key(edits),
            no_worse: check_incrementally(tree, original, edits, after),
        }
    }
}

/// Identifies a list of edits by what they do (ranges and replacements, in
/// order); rules and messages do not change the text.
pub fn edits_key(edits: &[Edit]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for edit in edits {
        (edit.start, edit.end, edit.replacement.as_str()).hash(&mut hasher);
    }
    hasher.finish()
}

/// [`parses_no_worse`], re-parsing only what the edits change: the run's
/// tree of `original` is told about each edit (`Tree::edit`) and handed to
/// the parser, which reuses every subtree the edits leave alone. Tree-sitter
/// makes that parse the same tree as a parse from scratch, so the error
/// count, and the decision, are the same (a unit test compares both).
pub fn parses_no_worse_incrementally(tree: &Tree, original: &str, edits: &[Edit]) -> bool {
    check_incrementally(tree, original, edits, |_, _| ())
}

/// [`parses_no_worse_incrementally`], handing `after` the edited text and
/// its tree (when the incremental parse gave one).
fn check_incrementally(
    tree: &Tree,
    original: &str,
    edits: &[Edit],
    after: impl FnOnce(&str, &Tree),
) -> bool {
    let edited = crate::engine::edits::apply(original, edits);
    let mut old = tree.clone();
    crate::engine::edits::edit_tree(&mut old, original, edits);
    let mut parser = syntax::new_parser();
    let Some(new_tree) = parser.parse(&edited, Some(&old)) else {
        return parses_no_worse(original, edits);
    };
    after(&edited, &new_tree);
    let errors = syntax::error_count(&new_tree);
    errors == 0 || errors <= syntax::error_count(tree)
}

fn merge_with<'t>(
    outputs: &[(usize, TransformOutput)],
    text: &impl Fn(usize) -> Option<&'t str>,
    edited_elsewhere: &BTreeSet<usize>,
    in_the_way: &impl Fn(usize, &NewFile) -> Option<String>,
    parses: impl Fn(&str, &[Edit]) -> bool,
) -> Merged {
    let mut merged = Merged::default();
    for (position, (rule, output)) in outputs.iter().enumerate() {
        let refusal = match output {
            TransformOutput::Refusal(refusal) => refusal.clone(),
            TransformOutput::Change(change) => {
                let blocked = change
                    .new_files
                    .iter()
                    .find_map(|new| in_the_way(position, new));
                let context = Context {
                    text,
                    edited_elsewhere,
                    parses: &parses,
                };
                match accept(*rule, change, &context, blocked, &mut merged.files) {
                    Ok(()) => {
                        merged
                            .created
                            .extend(change.new_files.iter().map(|f| (position, f.clone())));
                        continue;
                    }
                    Err(refusal) => refusal,
                }
            }
        };
        merged
            .files
            .entry(refusal.file)
            .or_default()
            .refusals
            .push((*rule, refusal));
    }
    merged
}

/// What deciding on one change set needs from the run.
struct Context<'c, T, P> {
    text: &'c T,
    edited_elsewhere: &'c BTreeSet<usize>,
    parses: &'c P,
}

/// Adds the change set's edits to `files`, or says why it cannot.
fn accept<'t, T, P>(
    rule: usize,
    change: &ChangeSet,
    context: &Context<T, P>,
    blocked: Option<String>,
    files: &mut BTreeMap<usize, FileChanges>,
) -> Result<(), Refusal>
where
    T: Fn(usize) -> Option<&'t str>,
    P: Fn(&str, &[Edit]) -> bool,
{
    let Context {
        text,
        edited_elsewhere,
        parses,
    } = *context;
    let Some(first) = change.edits.first() else {
        return Ok(());
    };
    let refuse = |reason: String| {
        let source = text(first.file).unwrap_or_default();
        let end = first.end.min(source.len());
        let start = first.start.min(end);
        Refusal::at(
            first.file,
            source,
            start..end,
            change.message.clone(),
            reason,
        )
    };
    if let Some(why) = blocked {
        return Err(refuse(format!(
            "not rewritten: the change also creates a file, and {why}; move it away (or delete it) and run again"
        )));
    }
    let targets: BTreeSet<usize> = change.edits.iter().map(|e| e.file).collect();
    let mut proposed: BTreeMap<usize, Vec<Edit>> = BTreeMap::new();
    for &file in &targets {
        if edited_elsewhere.contains(&file) {
            return Err(refuse(
                "not rewritten: other rules in this run edit a file this change touches (in `assess`: earlier phases); apply them first, then run again".into(),
            ));
        }
        let Some(original) = text(file) else {
            return Err(refuse(
                "not rewritten: a file this change touches changed during the run or could not be read".into(),
            ));
        };
        let mut edits = files
            .get(&file)
            .map(|f| f.edits.clone())
            .unwrap_or_default();
        edits.extend(
            change
                .edits
                .iter()
                .filter(|e| e.file == file)
                .map(|e| Edit {
                    start: e.start,
                    end: e.end,
                    replacement: e.replacement.clone(),
                    rule,
                    message: change.message.clone(),
                }),
        );
        edits.sort_by_key(|e| (e.start, e.end));
        if edits.windows(2).any(|pair| pair[1].start < pair[0].end)
            || edits.iter().any(|e| e.end > original.len())
        {
            return Err(refuse(
                "not rewritten: the change overlaps another change to the same code".into(),
            ));
        }
        if !parses(original, &edits) {
            return Err(refuse(
                "not rewritten: the change would leave a file that does not parse".into(),
            ));
        }
        proposed.insert(file, edits);
    }
    for (file, edits) in proposed {
        files.entry(file).or_default().edits = edits;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transforms::{FileChange, NewFile};
    use tree_sitter::Point;

    fn change(edits: &[(usize, usize, usize, &str)]) -> TransformOutput {
        TransformOutput::Change(ChangeSet {
            message: "m".into(),
            edits: edits
                .iter()
                .map(|&(file, start, end, r)| FileChange {
                    file,
                    start,
                    end,
                    replacement: r.into(),
                })
                .collect(),
            new_files: Vec::new(),
        })
    }

    const TEXTS: [&str; 2] = ["x = 1\n", "y = 2\n"];

    fn merged(outputs: Vec<TransformOutput>, elsewhere: &[usize]) -> BTreeMap<usize, FileChanges> {
        merged_with(outputs, elsewhere, None).files
    }

    /// With `occupied`: a path that is in the way.
    fn merged_with(
        outputs: Vec<TransformOutput>,
        elsewhere: &[usize],
        occupied: Option<&str>,
    ) -> Merged {
        let outputs = outputs.into_iter().map(|o| (0, o)).collect();
        merge(
            outputs,
            |f| TEXTS.get(f).copied(),
            &elsewhere.iter().copied().collect(),
            |_, new| {
                (Some(new.path.as_str()) == occupied).then(|| format!("`{}` is there", new.path))
            },
            &BTreeMap::new(),
        )
    }

    #[test]
    fn a_change_set_spans_files_and_is_refused_whole() {
        let ok = merged(vec![change(&[(0, 4, 5, "10"), (1, 4, 5, "20")])], &[]);
        assert_eq!(ok[&0].edits.len(), 1);
        assert_eq!(ok[&1].edits.len(), 1);
        // The second file would not parse: neither file changes.
        let broken = merged(vec![change(&[(0, 4, 5, "10"), (1, 4, 5, "(")])], &[]);
        assert!(broken.values().all(|f| f.edits.is_empty()));
        assert!(broken[&0].refusals[0].1.reason.contains("does not parse"));
        // Another rule edits file 1.
        let blocked = merged(vec![change(&[(0, 4, 5, "10"), (1, 4, 5, "20")])], &[1]);
        assert!(blocked.values().all(|f| f.edits.is_empty()));
    }

    #[test]
    fn a_change_set_that_breaks_the_parse_is_refused_and_the_others_kept() {
        // Merged together the file would not parse: checked one by one,
        // only the breaking change set is refused.
        let result = merged(
            vec![change(&[(0, 4, 5, "10")]), change(&[(0, 0, 1, "(")])],
            &[],
        );
        assert_eq!(result[&0].edits.len(), 1);
        assert_eq!(result[&0].edits[0].replacement, "10");
        assert_eq!(result[&0].refusals.len(), 1);
        assert!(result[&0].refusals[0].1.reason.contains("does not parse"));
        // Each parses: all kept.
        let fine = merged(
            vec![change(&[(0, 4, 5, "10")]), change(&[(0, 0, 1, "z")])],
            &[],
        );
        assert_eq!(fine[&0].edits.len(), 2);
        assert!(fine[&0].refusals.is_empty());
    }

    #[test]
    fn overlapping_change_sets_keep_the_first() {
        let result = merged(
            vec![change(&[(0, 0, 5, "z = 3")]), change(&[(0, 4, 5, "4")])],
            &[],
        );
        assert_eq!(result[&0].edits.len(), 1);
        assert!(result[&0].refusals[0].1.reason.contains("overlaps"));
    }

    /// Every node's kind, bytes and points, in pre-order.
    fn layout(tree: &Tree) -> Vec<(String, std::ops::Range<usize>, Point, Point)> {
        let mut out = Vec::new();
        crate::syntax::walk_pruned(
            tree.root_node(),
            |_| true,
            |n| {
                out.push((
                    n.kind().to_string(),
                    n.byte_range(),
                    n.start_position(),
                    n.end_position(),
                ))
            },
        );
        out
    }

    #[test]
    fn the_incremental_parse_check_decides_as_a_parse_from_scratch() {
        let edit = |start, end, replacement: &str| Edit {
            start,
            end,
            replacement: replacement.into(),
            rule: 0,
            message: String::new(),
        };
        let original = "def f(a):\r\n    x = 'é' + a\r\n    y = x\r\n    return y\r\n\nclass C:\n    z = [1,\n         2]\n";
        let cases: Vec<Vec<Edit>> = vec![
            // A block becomes a call; a helper is appended after the function.
            vec![
                edit(11, 40, "    y = _h(a)\r\n"),
                edit(54, 54, "\ndef _h(a):\n    x = 'é' + a\n    return x\n"),
            ],
            // Adjacent: an insertion where a replacement ends, a deletion.
            vec![edit(4, 5, "g"), edit(5, 5, "_2"), edit(85, 86, "")],
            // Tokens after an edit on its row keep their subtrees.
            vec![edit(51, 51, "0 or "), edit(68, 69, "zz")],
            // Breaks the parse, in one place and in two.
            vec![edit(11, 15, "    (")],
            vec![edit(0, 3, "df"), edit(72, 73, "")],
        ];
        let tree = crate::syntax::parse(original);
        for edits in &cases {
            let edited = crate::engine::edits::apply(original, edits);
            let scratch = crate::syntax::parse(&edited);
            let mut old = tree.clone();
            crate::engine::edits::edit_tree(&mut old, original, edits);
            let again = crate::syntax::new_parser()
                .parse(&edited, Some(&old))
                .expect("a tree");
            assert_eq!(layout(&again), layout(&scratch), "{edited:?}");
            assert_eq!(
                parses_no_worse_incrementally(&tree, original, edits),
                parses_no_worse(original, edits),
                "{edited:?}"
            );
        }
        assert!(!parses_no_worse_incrementally(&tree, original, &cases[3]));
        assert!(parses_no_worse_incrementally(&tree, original, &cases[0]));
    }

    fn with_file(edits: &[(usize, usize, usize, &str)]) -> TransformOutput {
        let TransformOutput::Change(mut change) = change(edits) else {
            unreachable!("change() makes a change set")
        };
        change.new_files.push(NewFile {
            path: "config/proxy.py".into(),
            text: "X = 1\n".into(),
        });
        TransformOutput::Change(change)
    }

    #[test]
    fn files_a_change_set_creates_go_with_its_edits_or_not_at_all() {
        let accepted = merged_with(vec![with_file(&[(0, 4, 5, "2")])], &[], None);
        assert_eq!(accepted.files[&0].edits.len(), 1);
        assert_eq!(accepted.created.len(), 1);
        assert_eq!(accepted.created[0].1.path, "config/proxy.py");
        // The path is in the way: neither the edits nor the file.
        let blocked = merged_with(
            vec![with_file(&[(0, 4, 5, "2")])],
            &[],
            Some("config/proxy.py"),
        );
        assert!(blocked.files[&0].edits.is_empty());
        assert!(blocked.created.is_empty());
        assert!(
            blocked.files[&0].refusals[0]
                .1
                .reason
                .contains("`config/proxy.py` is there"),
            "{:?}",
            blocked.files[&0].refusals
        );
        // The edits are refused (another rule edits the file): no file either.
        let refused = merged_with(vec![with_file(&[(0, 4, 5, "2")])], &[0], None);
        assert!(refused.created.is_empty());
        assert!(refused.files[&0].edits.is_empty());
    }
}
