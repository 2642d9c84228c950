//! Turns transform outputs into per-file edits and findings. A change set is
//! all or nothing: it is refused whole when it would create files (not
//! supported yet), touch a file other rules edit, overlap an accepted change
//! set, or leave a file that does not parse.

use std::collections::{BTreeMap, BTreeSet};

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
pub fn merge<'t>(
    outputs: Vec<(usize, TransformOutput)>,
    text: impl Fn(usize) -> Option<&'t str>,
    edited_elsewhere: &BTreeSet<usize>,
) -> BTreeMap<usize, FileChanges> {
    let mut files: BTreeMap<usize, FileChanges> = BTreeMap::new();
    for (rule, output) in outputs {
        match output {
            TransformOutput::Refusal(refusal) => {
                files
                    .entry(refusal.file)
                    .or_default()
                    .refusals
                    .push((rule, refusal));
            }
            TransformOutput::Change(change) => {
                if let Err(refusal) = accept(rule, &change, &text, edited_elsewhere, &mut files) {
                    files
                        .entry(refusal.file)
                        .or_default()
                        .refusals
                        .push((rule, refusal));
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
        let before = syntax::error_count(&syntax::parse(original));
        let after = syntax::error_count(&syntax::parse(&crate::engine::edits::apply(
            original, &edits,
        )));
        if after > before {
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
