//! Turns transform outputs into per-file edits and findings. A change set is
//! all or nothing: it is refused whole when it would create files (not
//! supported yet), touch a file other rules edit, overlap an accepted change
//! set, or leave a file that does not parse.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use super::{ChangeSet, Refusal, TransformOutput};
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

/// `outputs`: (rule index, output) in a deterministic order. `text` gives a
/// file's original text; `edited_elsewhere` holds files other rules edit.
///
/// Parsing is what costs: a parse per change set made a file with many
/// change sets cost many parses. So the change sets are first merged as if
/// each left its files parsing, and each edited file is parsed once, with
/// all of them; when none parses worse than before, that is the result.
/// Otherwise they are merged again, a parse per change set, in order, which
/// refuses exactly the ones that make a file worse. (The two differ only
/// when a file parses with all its change sets but not with some of the
/// first ones: then all are kept.)
pub fn merge<'t>(
    outputs: Vec<(usize, TransformOutput)>,
    text: impl Fn(usize) -> Option<&'t str>,
    edited_elsewhere: &BTreeSet<usize>,
) -> BTreeMap<usize, FileChanges> {
    let optimistic = merge_with(&outputs, &text, edited_elsewhere, |_, _| true);
    let checks: Vec<(&str, &[Edit])> = optimistic
        .iter()
        .filter(|(_, changes)| !changes.edits.is_empty())
        .filter_map(|(file, changes)| Some((text(*file)?, changes.edits.as_slice())))
        .collect();
    if checks
        .par_iter()
        .all(|(original, edits)| parses_no_worse(original, edits))
    {
        return optimistic;
    }
    merge_with(&outputs, &text, edited_elsewhere, parses_no_worse)
}

/// Whether `original` with `edits` has no more parse errors than it had.
fn parses_no_worse(original: &str, edits: &[Edit]) -> bool {
    let after = syntax::error_count(&syntax::parse(&crate::engine::edits::apply(
        original, edits,
    )));
    // Without errors after, the original need not be parsed.
    after == 0 || after <= syntax::error_count(&syntax::parse(original))
}

fn merge_with<'t>(
    outputs: &[(usize, TransformOutput)],
    text: &impl Fn(usize) -> Option<&'t str>,
    edited_elsewhere: &BTreeSet<usize>,
    parses: impl Fn(&str, &[Edit]) -> bool,
) -> BTreeMap<usize, FileChanges> {
    let mut files: BTreeMap<usize, FileChanges> = BTreeMap::new();
    for (rule, output) in outputs {
        match output {
            TransformOutput::Refusal(refusal) => {
                files
                    .entry(refusal.file)
                    .or_default()
                    .refusals
                    .push((*rule, refusal.clone()));
            }
            TransformOutput::Change(change) => {
                if let Err(refusal) =
                    accept(*rule, change, text, edited_elsewhere, &parses, &mut files)
                {
                    files
                        .entry(refusal.file)
                        .or_default()
                        .refusals
                        .push((*rule, refusal));
                }
            }
        }
    }
    files
}

/// Adds the change set's edits to `files`, or says why it cannot.
fn accept<'t>(
    rule: usize,
    change: &ChangeSet,
    text: &impl Fn(usize) -> Option<&'t str>,
    edited_elsewhere: &BTreeSet<usize>,
    parses: &impl Fn(&str, &[Edit]) -> bool,
    files: &mut BTreeMap<usize, FileChanges>,
) -> Result<(), Refusal> {
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
    if let Some(new) = change.new_files.first() {
        return Err(refuse(format!(
            "not rewritten: the change creates `{}`, and creating files is not supported yet",
            new.path
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
        let outputs = outputs.into_iter().map(|o| (0, o)).collect();
        merge(
            outputs,
            |f| TEXTS.get(f).copied(),
            &elsewhere.iter().copied().collect(),
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
    fn overlapping_change_sets_keep_the_first_and_new_files_are_refused() {
        let result = merged(
            vec![change(&[(0, 0, 5, "z = 3")]), change(&[(0, 4, 5, "4")])],
            &[],
        );
        assert_eq!(result[&0].edits.len(), 1);
        assert!(result[&0].refusals[0].1.reason.contains("overlaps"));
        let mut with_file = ChangeSet {
            message: "m".into(),
            edits: vec![FileChange {
                file: 0,
                start: 4,
                end: 5,
                replacement: "2".into(),
            }],
            new_files: vec![NewFile {
                path: "config/proxy.py".into(),
                text: String::new(),
            }],
        };
        let result = merged(vec![TransformOutput::Change(with_file.clone())], &[]);
        assert!(result[&0].edits.is_empty());
        assert!(
            result[&0].refusals[0]
                .1
                .reason
                .contains("creating files is not supported yet")
        );
        with_file.new_files.clear();
        assert_eq!(
            merged(vec![TransformOutput::Change(with_file)], &[])[&0]
                .edits
                .len(),
            1
        );
    }
}
