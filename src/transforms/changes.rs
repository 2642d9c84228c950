//! Turns transform outputs into per-file edits and findings. A change set is
//! all or nothing: it is refused whole when a file it creates is in the way
//! (there with other content), or it would touch a file other rules edit,
//! overlap an accepted change set, or leave a file that does not parse. The
//! files an accepted change set creates go with its edits.

use std::collections::{BTreeMap, BTreeSet};

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
pub fn merge<'t>(
    outputs: Vec<(usize, TransformOutput)>,
    text: impl Fn(usize) -> Option<&'t str>,
    edited_elsewhere: &BTreeSet<usize>,
    in_the_way: impl Fn(usize, &NewFile) -> Option<String>,
) -> Merged {
    let mut merged = Merged::default();
    for (position, (rule, output)) in outputs.into_iter().enumerate() {
        let refusal = match output {
            TransformOutput::Refusal(refusal) => refusal,
            TransformOutput::Change(change) => {
                let blocked = change
                    .new_files
                    .iter()
                    .find_map(|new| in_the_way(position, new));
                match accept(
                    rule,
                    &change,
                    &text,
                    edited_elsewhere,
                    blocked,
                    &mut merged.files,
                ) {
                    Ok(()) => {
                        merged
                            .created
                            .extend(change.new_files.into_iter().map(|f| (position, f)));
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
            .push((rule, refusal));
    }
    merged
}

/// Adds the change set's edits to `files`, or says why it cannot.
fn accept<'t>(
    rule: usize,
    change: &ChangeSet,
    text: &impl Fn(usize) -> Option<&'t str>,
    edited_elsewhere: &BTreeSet<usize>,
    blocked: Option<String>,
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
    fn overlapping_change_sets_keep_the_first() {
        let result = merged(
            vec![change(&[(0, 0, 5, "z = 3")]), change(&[(0, 4, 5, "4")])],
            &[],
        );
        assert_eq!(result[&0].edits.len(), 1);
        assert!(result[&0].refusals[0].1.reason.contains("overlaps"));
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
