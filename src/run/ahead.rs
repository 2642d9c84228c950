//! Work a run does for the next one while it holds a file's tree: the next
//! run's transforms that read no index (phase 4's extract-method, during
//! phase 3's run in `assess`) prepared on this run's parse, kept in the
//! `Overlay` under the text they came from, so the next run need not parse
//! a file that still holds that text.

use tree_sitter::Tree;

use super::RunError;
use super::file::FileInRun;
use super::plan::{IndexReads, Plan, project_transforms, rule_scopes};
use crate::project::{FileScope, Project, Settings};
use crate::rules::Rule;
use crate::source::SourceText;
use crate::transforms::Options;
use crate::transforms::pass::{self, OwnWork, ScopedTransform, TextKey, text_key};

/// The next run's rules as this run's projects would run them.
pub(super) struct Ahead {
    scopes: Vec<Vec<Option<FileScope>>>,
    transforms: Vec<Vec<ScopedTransform>>,
    /// The next run's rule ids, by rule index.
    ids: Vec<String>,
    /// shares[project]: whether the next run parses the project's files
    /// only for transforms that read no index and no class facts (else it
    /// parses them anyway, and nothing is done ahead).
    shares: Vec<bool>,
}

/// One file's [`OwnWork`] for the next run, with all it was computed from
/// besides the tree: the text, the file's place in the walk (its edits and
/// refusals name it), the rules with their options, and whether the class
/// facts of the edited text were wanted.
#[derive(Debug, Clone)]
pub struct KeptWork {
    pub(super) key: TextKey,
    file: usize,
    /// (rule index in the next run, rule id, options), in the run's order.
    rules: Vec<(usize, String, Options)>,
    facts_after_edits: bool,
    pub(super) work: OwnWork,
}

impl Ahead {
    pub(super) fn new(
        next: &[&Rule],
        projects: &[Project],
        explicit: bool,
    ) -> Result<Self, RunError> {
        let scopes = rule_scopes(next, projects, explicit)?;
        let transforms = project_transforms(next, projects, &scopes)?;
        let shares = transforms
            .iter()
            .map(|t| {
                t.iter()
                    .all(|t| !t.transform.needs_index() && !t.transform.needs_class_facts())
            })
            .collect();
        Ok(Ahead {
            scopes,
            transforms,
            ids: next.iter().map(|rule| rule.id.clone()).collect(),
            shares,
        })
    }

    /// The next run's work on a file this run parsed, where that run would
    /// parse it for its transforms (as `Plan::transforms_want` decides).
    pub(super) fn work(
        &self,
        file: &FileInRun,
        source: &SourceText,
        tree: &Tree,
        settings: &Settings,
        facts_after_edits: bool,
    ) -> Option<KeptWork> {
        if !self.shares.get(file.project).copied().unwrap_or(false) {
            return None;
        }
        let in_scope: Vec<&ScopedTransform> = self.transforms[file.project]
            .iter()
            .filter(|t| {
                self.scopes[file.project][t.rule]
                    .as_ref()
                    .is_some_and(|s| s.contains(file.relative))
            })
            .collect();
        let wanted = in_scope.iter().any(|t| {
            t.transform.may_apply_to(file.relative, settings)
                && t.transform.may_apply_with(&source.text, &t.options)
        });
        if !wanted {
            return None;
        }
        let want = pass::Wanted {
            summary: false,
            facts_after_edits,
        };
        let work = pass::prepare_own(
            file.index,
            file.relative,
            source,
            tree,
            &in_scope,
            settings,
            want,
        );
        let rules = in_scope
            .iter()
            .map(|t| (t.rule, self.ids[t.rule].clone(), t.options.clone()))
            .collect();
        Some(KeptWork {
            key: text_key(&source.text),
            file: file.index,
            rules,
            facts_after_edits,
            work,
        })
    }
}

/// The work an earlier run kept for this very text of the file, where it
/// is all this run's transforms want of it: none reads the index or class
/// facts, those in scope are the rules it was computed for with the same
/// options, and the class facts a later run keeps are held already.
pub(super) fn kept_work<'o>(plan: &Plan<'o>, file: &FileInRun, text: &str) -> Option<&'o OwnWork> {
    if plan.index_reads[file.project] != IndexReads::Nothing || plan.class_facts[file.project] {
        return None;
    }
    let key = text_key(text);
    let kept = plan.overlay.own_work(file.path, key)?;
    let keeps_facts = plan.overlay.keeps_class_facts();
    if kept.file != file.index
        || kept.facts_after_edits != keeps_facts
        || (keeps_facts && plan.overlay.class_facts(file.path, key).is_none())
    {
        return None;
    }
    let mut in_scope = plan.transforms[file.project]
        .iter()
        .filter(|t| plan.in_scope(t, file));
    let same = kept.rules.iter().all(|(rule, id, options)| {
        in_scope.next().is_some_and(|t| {
            t.rule == *rule && plan.index.rules[t.rule].id == *id && t.options == *options
        })
    }) && in_scope.next().is_none();
    same.then_some(&kept.work)
}
