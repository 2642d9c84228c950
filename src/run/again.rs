//! The project-aware second pass: files processed once more knowing what
//! the rest of their project holds.

use std::collections::BTreeSet;

use rayon::prelude::*;

use super::file::{Before, FileInRun, read_and_rewrite, report};
use super::hook::NoHook;
use super::plan::Plan;
use super::{FileReport, Outcome};
use crate::analysis::mapping::GetMethod;
use crate::engine::BlockedGroup;
use crate::syntax;

/// What one file tells the run about the rest of its project.
#[derive(Debug, Default)]
pub(super) struct Learned {
    /// The `get` methods its classes define.
    pub(super) get_methods: Vec<GetMethod>,
    /// A rule took configuration of unknown type in it for a mapping.
    pub(super) untyped_config: bool,
    /// Groups its code blocks, and groups it has fixes of.
    pub(super) blocked_groups: BTreeSet<String>,
    pub(super) fixed_groups: BTreeSet<String>,
    /// Its outcome is already that of a second processing with the `get`
    /// methods the sweep (`sift`) found elsewhere in its project.
    pub(super) redone_early: bool,
}

/// Per project, the `get` methods its files define (sorted), found by the
/// sweep before any file is processed.
pub(super) type EarlyGetMethods = Vec<Vec<GetMethod>>;

/// The methods of `methods` defined outside the file at `relative`.
fn defined_elsewhere(methods: &[GetMethod], relative: &str) -> Vec<GetMethod> {
    let own = format!("{relative}:");
    methods
        .iter()
        .filter(|m| !m.at.starts_with(&own))
        .cloned()
        .collect()
}

/// What a file's first processing knows of its project: the `get` methods
/// the sweep found elsewhere in it. They matter only once a rule takes
/// configuration of unknown type for a mapping, and until then the
/// processing is the same with or without them; so the file is processed
/// once, with them, rather than again when that happens ([`redo_early`]).
/// Not where a grouped rule reads provenance: the groups a file has fixes
/// of are those of its processing without them.
pub(super) fn early_elsewhere(plan: &Plan, file: &FileInRun, early: &EarlyGetMethods) -> Elsewhere {
    if plan.index.groups_read_provenance() {
        return Elsewhere::default();
    }
    Elsewhere {
        get_methods: defined_elsewhere(&early[file.project], file.relative),
        blocked: Vec::new(),
    }
}

/// A file where a rule took configuration of unknown type for a mapping,
/// with the `get` methods defined elsewhere in its project (and no blocked
/// groups: those are known only after the run): the outcome of its first
/// processing if that had them (`first`, from [`early_elsewhere`]), else
/// that of processing it again at once with them.
pub(super) fn redo_early(
    plan: &Plan,
    parser: &mut tree_sitter::Parser,
    file: &FileInRun,
    (early, first): (&EarlyGetMethods, &Elsewhere),
    outcome: Outcome,
    learned: &mut Learned,
) -> Outcome {
    if !learned.untyped_config {
        return outcome;
    }
    if !first.get_methods.is_empty() {
        learned.redone_early = true;
        return outcome;
    }
    let get_methods = defined_elsewhere(&early[file.project], file.relative);
    if get_methods.is_empty() {
        return outcome;
    }
    // Its first result is not needed: never hold two.
    drop(outcome);
    let elsewhere = Elsewhere {
        get_methods,
        blocked: Vec::new(),
    };
    learned.redone_early = true;
    read_and_rewrite(
        plan,
        parser,
        file,
        &NoHook,
        &elsewhere,
        Before::nothing(),
        |_, _| (),
    )
    .0
}

/// What the rest of a file's project says, for its second processing.
#[derive(Debug, Default)]
pub(super) struct Elsewhere {
    pub(super) get_methods: Vec<GetMethod>,
    pub(super) blocked: Vec<BlockedGroup>,
}

/// Some files are processed again, once, knowing what the rest of their
/// project holds: where a rule took configuration of unknown type for a
/// mapping, the `get` methods defined elsewhere (the receiver may be one
/// of those classes); where a group has fixes, the groups another file
/// blocks (a group changes in every file or in none). Only those files
/// are read twice. A file [`redo_early`] processed with the same methods
/// is not processed again unless a group it has fixes of is blocked.
pub(super) fn decide_again<'f>(
    plan: &Plan,
    early: &EarlyGetMethods,
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
        let get_methods = match facts.untyped_config {
            true => defined_elsewhere(&methods[file.project], file.relative),
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
        .filter(|(index, e)| {
            let project = in_run(*index).project;
            // A file redone early with other methods than the run found
            // (none included) gets the outcome it would have had.
            match learned[*index].redone_early {
                true => early[project] != methods[project] || !e.blocked.is_empty(),
                false => !e.get_methods.is_empty() || !e.blocked.is_empty(),
            }
        })
        .collect();
    let outcomes: Vec<(usize, Outcome)> = pool.install(|| {
        again
            .into_par_iter()
            .map_init(syntax::new_parser, |parser, (index, elsewhere)| {
                // The transform pass already has this file's work.
                let file = in_run(index);
                let (outcome, ..) = read_and_rewrite(
                    plan,
                    parser,
                    &file,
                    &NoHook,
                    &elsewhere,
                    Before::nothing(),
                    |_, _| (),
                );
                (index, outcome)
            })
            .collect()
    });
    outcomes
        .into_iter()
        .map(|(index, outcome)| (index, report(plan, &in_run(index), outcome)))
        .collect()
}
