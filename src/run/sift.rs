//! The run's first sweep: every file is read and prefiltered, and its `get`
//! methods found, before any is parsed. Most files end here (no rule can
//! match them); the rest are processed after it, largest first, knowing
//! every `get` method of their project.

use std::cmp::Reverse;

use rayon::prelude::*;

use super::again::{EarlyGetMethods, Learned};
use super::file::{FileInRun, Narrowed, get_methods_of, prefilter};
use super::plan::Plan;
use crate::analysis::mapping::GetMethod;

/// What the sweep decided for one file.
pub(super) enum Sifted {
    /// Skipped, as `read_and_rewrite` would skip it (with the `get` methods
    /// it found on the way).
    Skipped(Vec<GetMethod>),
    /// To be processed: its size in bytes (the order files are processed
    /// in) and the prefilter's verdict, where it was read.
    Process(usize, Option<Narrowed>),
}

/// Sifts every file in parallel. A file a hook or a transform may want, or
/// one that could not be read, is always processed (it is read again then,
/// as are the files a rule may still match: a few, and held by no one in
/// between). The decisions mirror `read_and_rewrite` for the other files.
pub(super) fn sift<'f>(
    plan: &Plan,
    count: usize,
    in_run: &(impl Fn(usize) -> FileInRun<'f> + Sync),
    hook_wants: &(impl Fn(usize) -> bool + Sync),
    pool: &rayon::ThreadPool,
) -> (Vec<Sifted>, EarlyGetMethods) {
    let sifted: Vec<(Option<Sifted>, Vec<GetMethod>)> = pool.install(|| {
        (0..count)
            .into_par_iter()
            .map(|index| sift_one(plan, &in_run(index), hook_wants(index)))
            .collect()
    });
    let mut methods: Vec<Vec<GetMethod>> = vec![Vec::new(); plan.projects.len()];
    let decisions = sifted
        .into_iter()
        .enumerate()
        .map(|(index, (process, found))| {
            methods[in_run(index).project].extend(found.iter().cloned());
            process.unwrap_or(Sifted::Skipped(found))
        })
        .collect();
    for list in &mut methods {
        list.sort();
    }
    (decisions, methods)
}

/// One file's decision where it is processed (`None`: skipped), and the
/// `get` methods it defines.
fn sift_one(plan: &Plan, file: &FileInRun, hook_wants: bool) -> (Option<Sifted>, Vec<GetMethod>) {
    let wanted = hook_wants || plan.transforms_may_want(file);
    let mut applicable = plan.applicable(file);
    if !wanted && !applicable.iter().any(|a| *a) {
        return (None, Vec::new());
    }
    let Ok(bytes) = plan.overlay.read(file.path) else {
        return (Some(Sifted::Process(0, None)), Vec::new());
    };
    let found = get_methods_of(&bytes, file.relative);
    let rules_apply = prefilter(plan, file, &bytes, &mut applicable);
    let process = (wanted || rules_apply).then_some(Sifted::Process(
        bytes.len(),
        Some((applicable, rules_apply)),
    ));
    (process, found)
}

/// The files to process, largest first, each with the sweep's verdict
/// (taken out of `sifted`): the longest jobs start first, so that no worker
/// is left with one at the end while the other waits.
pub(super) fn largest_first(sifted: &mut [Sifted]) -> Vec<(usize, Option<Narrowed>)> {
    let mut order: Vec<(usize, usize, Option<Narrowed>)> = sifted
        .iter_mut()
        .enumerate()
        .filter_map(|(index, s)| match s {
            Sifted::Process(size, narrowed) => Some((index, *size, narrowed.take())),
            Sifted::Skipped(_) => None,
        })
        .collect();
    order.sort_by_key(|(index, size, _)| (Reverse(*size), *index));
    order
        .into_iter()
        .map(|(index, _, narrowed)| (index, narrowed))
        .collect()
}

/// What a skipped file tells the second pass.
pub(super) fn skipped_learned(get_methods: Vec<GetMethod>) -> Learned {
    Learned {
        get_methods,
        ..Learned::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_files_go_first_with_their_verdicts_and_the_skipped_not_at_all() {
        let verdict = |flag| Some((vec![flag], flag));
        let mut sifted = vec![
            Sifted::Process(10, verdict(true)),
            Sifted::Skipped(Vec::new()),
            Sifted::Process(30, None),
            Sifted::Process(10, verdict(false)),
        ];
        let order = largest_first(&mut sifted);
        assert_eq!(order, [(2, None), (0, verdict(true)), (3, verdict(false))]);
        assert!(matches!(sifted[0], Sifted::Process(10, None)));
    }
}
