//! The phase-5 transforms as the layer runs them: each file's candidates
//! are read during its parse, and decided once the project index (with
//! every file's class facts) exists.

use super::dataclass_slots::{self, Context};
use super::outcome::Outcome;
use super::slots_weakref;
use super::target::PythonVersion;
use super::{
    ChangeSet, FileChange, FileInput, OptionSpec, Options, Pending, ProjectIndex, Refusal,
    Transform, TransformOutput,
};
use crate::project::Settings;

pub struct DataclassSlots;
pub struct SlotsWeakref;

const TARGET_PYTHON: OptionSpec = OptionSpec {
    name: "target-python",
    values: &[],
    default: "",
    help: "oldest Python the project runs on (e.g. `3.11`); empty: the lower bound of `requires-python` in pyproject.toml",
};

/// The option when set, else `requires-python`; `None` when neither says.
pub fn target_python(options: &Options, settings: &Settings) -> Option<PythonVersion> {
    let set = options.get(TARGET_PYTHON.name).map_or("", |v| v.trim());
    if !set.is_empty() {
        return PythonVersion::parse(set);
    }
    settings
        .requires_python
        .as_deref()
        .and_then(PythonVersion::lower_bound)
}

impl Transform for DataclassSlots {
    fn name(&self) -> &'static str {
        "dataclass-slots"
    }

    fn summary(&self) -> &'static str {
        "`@dataclass` with field defaults → `@dataclass(slots=True)`; refused where slots would change behaviour"
    }

    fn options(&self) -> &'static [OptionSpec] {
        &[TARGET_PYTHON]
    }

    fn may_apply(&self, text: &str) -> bool {
        text.contains("dataclass")
    }

    fn needs_class_facts(&self) -> bool {
        true
    }

    /// Only the class facts, which every file gives (no module's entry).
    fn index_reads(&self, _options: &Options) -> Option<Vec<String>> {
        Some(Vec::new())
    }

    fn prepare(&self, file: &FileInput) -> Vec<Pending> {
        let candidates = dataclass_slots::candidates(file.tree.root_node(), file.text);
        if candidates.is_empty() {
            return Vec::new();
        }
        let target = target_python(file.options, file.settings);
        let (id, text) = (file.file, file.text.to_string());
        vec![Box::new(move |index: &ProjectIndex| {
            let context = Context {
                facts: index.class_facts(),
                target,
            };
            candidates
                .iter()
                .map(|c| output(id, &text, c.name_end, c.decide(&context)))
                .collect()
        })]
    }
}

impl Transform for SlotsWeakref {
    fn name(&self) -> &'static str {
        "slots-weakref"
    }

    fn summary(&self) -> &'static str {
        "adds '__weakref__' to the `__slots__` of classes the project weak-references"
    }

    fn options(&self) -> &'static [OptionSpec] {
        &[]
    }

    fn may_apply(&self, text: &str) -> bool {
        text.contains("__slots__")
    }

    fn needs_class_facts(&self) -> bool {
        true
    }

    /// Only the class facts, which every file gives (no module's entry).
    fn index_reads(&self, _options: &Options) -> Option<Vec<String>> {
        Some(Vec::new())
    }

    fn prepare(&self, file: &FileInput) -> Vec<Pending> {
        let candidates = slots_weakref::candidates(file.tree.root_node(), file.text);
        if candidates.is_empty() {
            return Vec::new();
        }
        let (id, text) = (file.file, file.text.to_string());
        vec![Box::new(move |index: &ProjectIndex| {
            candidates
                .iter()
                .filter_map(|c| c.decide(index.class_facts()).map(|o| (c.name_end, o)))
                .map(|(name_end, o)| output(id, &text, name_end, o))
                .collect()
        })]
    }
}

/// A rewrite becomes one change set; a refusal a finding on the class
/// name, its reason followed by the proposal.
fn output(file: usize, text: &str, name_end: usize, outcome: Outcome) -> TransformOutput {
    match outcome {
        Outcome::Rewrite { edits, message, .. } => TransformOutput::Change(ChangeSet {
            message,
            edits: edits
                .into_iter()
                .map(|e| FileChange {
                    file,
                    start: e.start,
                    end: e.end,
                    replacement: e.replacement,
                })
                .collect(),
            new_files: Vec::new(),
        }),
        Outcome::Refused(refusal) => TransformOutput::Refusal(Refusal::at(
            file,
            text,
            refusal.at..name_end.max(refusal.at),
            format!("class `{}` left as it is", refusal.subject),
            format!("{}; {}", refusal.reason, refusal.proposal),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_option_wins_over_requires_python() {
        let mut settings = Settings {
            requires_python: Some(">=3.10".into()),
            ..Settings::default()
        };
        let mut options = Options::new();
        assert_eq!(
            target_python(&options, &settings),
            Some(PythonVersion::new(3, 10))
        );
        options.insert("target-python".into(), "3.12".into());
        assert_eq!(
            target_python(&options, &settings),
            Some(PythonVersion::new(3, 12))
        );
        options.clear();
        settings.requires_python = None;
        assert_eq!(target_python(&options, &settings), None);
    }
}
