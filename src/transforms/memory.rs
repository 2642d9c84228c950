//! Phase 5 over a whole project: class facts from every file first (weak
//! references and attribute stores may be anywhere), then each file's
//! `dataclass-slots` and `slots-weakref` outcomes, each file parsed once.

use super::class_facts::{self, ClassFacts};
use super::target::PythonVersion;
use super::{Outcome, Refusal, apply, dataclass_slots, slots_weakref};
use crate::syntax;

pub const DATACLASS_SLOTS: &str = "dataclass-slots";
pub const SLOTS_WEAKREF: &str = "slots-weakref";

pub struct SourceFile<'a> {
    /// The path as shown to the user (relative to the project root).
    pub display: &'a str,
    pub text: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOutcome {
    pub rule: &'static str,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileResult {
    pub display: String,
    /// The rewritten text, when something changes and it still parses.
    pub new_text: Option<String>,
    pub outcomes: Vec<RuleOutcome>,
}

pub fn migrate(files: &[SourceFile], target: Option<PythonVersion>) -> Vec<FileResult> {
    let trees: Vec<_> = files.iter().map(|f| syntax::parse(f.text)).collect();
    let mut facts = ClassFacts::default();
    for (file, tree) in files.iter().zip(&trees) {
        facts.merge(class_facts::collect(
            tree.root_node(),
            file.text,
            file.display,
        ));
    }
    let context = dataclass_slots::Context {
        facts: &facts,
        target,
    };
    files
        .iter()
        .zip(&trees)
        .map(|(file, tree)| {
            let root = tree.root_node();
            let slotted = dataclass_slots::transform(root, file.text, &context);
            let weak = slots_weakref::transform(root, file.text, &facts);
            finish(file, tree, combine(slotted, weak))
        })
        .collect()
}

/// Both rules' outcomes; a class `dataclass-slots` rewrites gets its weak
/// references from `weakref_slot`, so `slots-weakref` stays out of it.
fn combine(slotted: Vec<Outcome>, weak: Vec<Outcome>) -> Vec<RuleOutcome> {
    let rewritten: Vec<usize> = slotted
        .iter()
        .filter(|o| matches!(o, Outcome::Rewrite { .. }))
        .map(Outcome::at)
        .collect();
    let mut outcomes: Vec<RuleOutcome> = slotted
        .into_iter()
        .map(|outcome| RuleOutcome {
            rule: DATACLASS_SLOTS,
            outcome,
        })
        .collect();
    outcomes.extend(
        weak.into_iter()
            .filter(|o| !rewritten.contains(&o.at()))
            .map(|outcome| RuleOutcome {
                rule: SLOTS_WEAKREF,
                outcome,
            }),
    );
    outcomes.sort_by_key(|o| (o.outcome.at(), o.rule));
    outcomes
}

/// Applies the rewrites; a result that would not parse is not kept, and
/// each of its rewrites becomes a refusal.
fn finish(file: &SourceFile, tree: &tree_sitter::Tree, outcomes: Vec<RuleOutcome>) -> FileResult {
    let plain: Vec<Outcome> = outcomes.iter().map(|o| o.outcome.clone()).collect();
    let new_text = apply(file.text, &plain);
    if new_text == file.text {
        return FileResult {
            display: file.display.to_string(),
            new_text: None,
            outcomes,
        };
    }
    if syntax::error_count(&syntax::parse(&new_text)) > syntax::error_count(tree) {
        let outcomes = outcomes.into_iter().map(unparsable).collect();
        return FileResult {
            display: file.display.to_string(),
            new_text: None,
            outcomes,
        };
    }
    FileResult {
        display: file.display.to_string(),
        new_text: Some(new_text),
        outcomes,
    }
}

fn unparsable(outcome: RuleOutcome) -> RuleOutcome {
    let Outcome::Rewrite { subject, at, .. } = outcome.outcome else {
        return outcome;
    };
    RuleOutcome {
        rule: outcome.rule,
        outcome: Outcome::Refused(Refusal {
            subject,
            at,
            reason: "the rewritten file would not parse".into(),
            proposal: "report this as a txo-codemod bug, with the class".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_cross_files_and_rules_do_not_collide() {
        let models = "from dataclasses import dataclass\n@dataclass\nclass R:\n    __slots__ = ('a',)\n    a: int = 0\nclass T:\n    __slots__ = ('v',)\n";
        let store = "import weakref\nfrom models import R, T\npool = weakref.WeakValueDictionary()\npool['r'] = R()\npool['t'] = T()\n";
        let files = [
            SourceFile {
                display: "models.py",
                text: models,
            },
            SourceFile {
                display: "store.py",
                text: store,
            },
        ];
        let results = migrate(&files, Some(PythonVersion::new(3, 11)));
        assert_eq!(
            results[0].new_text.as_deref(),
            Some(
                "from dataclasses import dataclass\n@dataclass(slots=True, weakref_slot=True)\nclass R:\n    a: int = 0\nclass T:\n    __slots__ = ('v', '__weakref__')\n"
            )
        );
        let rules: Vec<&str> = results[0].outcomes.iter().map(|o| o.rule).collect();
        assert_eq!(rules, [DATACLASS_SLOTS, SLOTS_WEAKREF]);
        assert_eq!(results[1].new_text, None);
    }
}
