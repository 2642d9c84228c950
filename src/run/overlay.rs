//! Bytes that stand in for files on disk during a run: what earlier phases
//! would leave, so `assess` can count each phase on the text the phases
//! before it produce without writing anything; and the class facts earlier
//! phases computed from that text, and the work of a later phase's
//! transforms that read no index (`super::ahead`), so a later phase need
//! not parse a file again for them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::ahead::KeptWork;
use super::{Outcome, RunResult};
use crate::transforms::class_facts::ClassFacts;
use crate::transforms::pass::{TextKey, text_key};

/// Walked path → the bytes the file would hold. A file not in it is read
/// from disk. Files earlier phases would create are not added: the walk
/// does not find them (only phase 6 creates files today, and it runs last).
#[derive(Debug, Default)]
pub struct Overlay {
    bytes: HashMap<PathBuf, Vec<u8>>,
    /// Walked path → class facts, each with the text it was computed from
    /// ([`TextKey`]): valid only while the file holds that text.
    class_facts: HashMap<PathBuf, Vec<(TextKey, ClassFacts)>>,
    /// Whether runs over it compute the class facts of the files they
    /// parse for transforms, for a later run (`keep_class_facts`).
    keep_class_facts: bool,
    /// Walked path → the work a run did ahead for the next one
    /// ([`KeptWork`]), valid only while the file holds the text it names.
    own_work: HashMap<PathBuf, KeptWork>,
}

impl Overlay {
    /// The file's bytes: the overlay's, else the disk's.
    pub fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        match self.bytes.get(path) {
            Some(bytes) => Ok(bytes.clone()),
            None => std::fs::read(path),
        }
    }

    /// Records what each file of `result` would hold after its edits,
    /// encoded as `apply` would write it (BOM and newline style kept).
    pub fn absorb(&mut self, result: &RunResult) {
        for file in &result.files {
            let Outcome::Processed(processed) = &file.outcome else {
                continue;
            };
            if let (Some(source), Some(new_text)) = (&processed.source, &processed.new_text) {
                self.bytes
                    .insert(file.path.clone(), source.encode(new_text));
                if let Some(known) = self.class_facts.get_mut(&file.path) {
                    let key = text_key(new_text);
                    known.retain(|(text, _)| *text == key);
                }
            }
        }
    }

    /// Runs over the overlay from now on compute the class facts of each
    /// file they parse for transforms (unless it holds them for that text),
    /// for a later run that reads them ([`Self::absorb_class_facts`]).
    pub fn keep_class_facts(&mut self, keep: bool) {
        self.keep_class_facts = keep;
    }

    pub(crate) fn keeps_class_facts(&self) -> bool {
        self.keep_class_facts
    }

    /// The class facts computed from this very text of the file, if any.
    pub(crate) fn class_facts(&self, path: &Path, key: TextKey) -> Option<&ClassFacts> {
        self.class_facts
            .get(path)?
            .iter()
            .find(|(known, _)| *known == key)
            .map(|(_, facts)| facts)
    }

    /// Takes the class facts `result`'s run computed; call it before
    /// [`Self::absorb`], which keeps of a file it rewrites only those of
    /// the text it leaves.
    pub fn absorb_class_facts(&mut self, result: &mut RunResult) {
        for (path, key, facts) in std::mem::take(&mut result.class_facts) {
            self.class_facts.entry(path).or_default().push((key, facts));
        }
    }

    /// The work a run did ahead for this very text of the file, if any.
    pub(crate) fn own_work(&self, path: &Path, key: TextKey) -> Option<&KeptWork> {
        self.own_work.get(path).filter(|kept| kept.key == key)
    }

    /// Takes the work `result`'s run did ahead for the next run
    /// (`run::run_over_ahead`), in place of any it held: work done ahead
    /// is for the next run only, and is dropped after it.
    pub fn absorb_own_work(&mut self, result: &mut RunResult) {
        self.own_work = std::mem::take(&mut result.own_work).into_iter().collect();
    }

    /// How many files it holds.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rule;
    use crate::run::{RunOptions, run_over};
    use crate::walk::WalkOptions;

    fn phase_rules(set: &crate::rules::load::RuleSet, phase: u8) -> Vec<&Rule> {
        set.rules.iter().filter(|r| r.phase == phase).collect()
    }

    fn edited_text(result: &RunResult) -> Option<String> {
        result.files.iter().find_map(|f| match &f.outcome {
            Outcome::Processed(p) => p.new_text.clone(),
            _ => None,
        })
    }

    /// Phase 2 sees what phase 1 leaves: its edit is made on phase 1's
    /// output (the file on disk stays as it was), kept as `apply` would
    /// write it (BOM, CRLF).
    #[test]
    fn a_run_over_an_overlay_reads_the_overlay_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pyproject.toml"), "").unwrap();
        std::fs::create_dir_all(dir.path().join("utils")).unwrap();
        let original = "\u{feff}import sys\r\n\r\ndef f(config):\r\n    if not config.get('a', 1):\r\n        sys.exit(1)\r\n";
        let path = dir.path().join("utils/a.py");
        std::fs::write(&path, original).unwrap();
        let set = crate::rules::load::load_rule_set(&[], &crate::syntax::KindTable::new()).unwrap();
        let options = RunOptions {
            show_progress: false,
            ..crate::commands::dry_run_options(
                &[dir.path().to_path_buf()],
                WalkOptions::default(),
                1,
            )
        };
        let mut overlay = Overlay::default();
        let first = run_over(&phase_rules(&set, 1), &options, &overlay).unwrap();
        let after_first = edited_text(&first).expect("phase 1 edits the lookup");
        assert!(after_first.contains("config['a']"), "{after_first}");
        overlay.absorb(&first);
        assert_eq!(overlay.len(), 1);
        let stored = overlay.read(&first.files[0].path).unwrap();
        assert_eq!(stored, format!("\u{feff}{after_first}").into_bytes());
        assert!(after_first.contains("\r\n"));

        let second = run_over(&phase_rules(&set, 2), &options, &overlay).unwrap();
        let after_second = edited_text(&second).expect("phase 2 edits the exit");
        assert!(after_second.contains("config['a']"), "{after_second}");
        assert!(!after_second.contains("sys.exit(1)"), "{after_second}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
    }

    /// The dataclass's rewrite or refusal in `utils/a.py` (phase 5).
    fn slots_outcome(result: &RunResult) -> String {
        let file = result.files.iter().find(|f| f.path.ends_with("a.py"));
        match file.map(|f| &f.outcome) {
            Some(Outcome::Processed(p)) if p.new_text.is_some() => "rewritten".into(),
            Some(Outcome::Processed(p)) => format!("{:?}", p.findings.first().map(|f| &f.reason)),
            _ => "untouched".into(),
        }
    }

    /// Phase 5 takes the class facts of a file phase 3 parsed and left as
    /// it was from phase 3's run, without parsing it: the facts it holds
    /// for that text decide (here an attribute stored on an instance in
    /// another file refuses the dataclass); once the file's text differs,
    /// they no longer count.
    #[test]
    fn phase_5_takes_class_facts_from_phase_3_for_files_it_leaves_alone() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nrequires-python = \">=3.11\"\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("utils")).unwrap();
        let dataclass =
            "from dataclasses import dataclass\n\n@dataclass\nclass Entry:\n    name: str = \"\"\n";
        std::fs::write(dir.path().join("utils/a.py"), dataclass).unwrap();
        let store = dir.path().join("utils/b.py");
        std::fs::write(&store, "def tag(entry: Entry):\n    entry.extra = 1\n").unwrap();
        let set = crate::rules::load::load_rule_set(&[], &crate::syntax::KindTable::new()).unwrap();
        let options = RunOptions {
            show_progress: false,
            edits_and_findings_only: true,
            render_edits: None,
            ..crate::commands::dry_run_options(
                &[dir.path().to_path_buf()],
                WalkOptions::default(),
                1,
            )
        };
        let alone = run_over(&phase_rules(&set, 5), &options, &Overlay::default()).unwrap();
        let refused = slots_outcome(&alone);
        assert!(refused.contains("extra"), "{refused}");

        let mut overlay = Overlay::default();
        overlay.keep_class_facts(true);
        let mut third = run_over(&phase_rules(&set, 3), &options, &overlay).unwrap();
        overlay.absorb_class_facts(&mut third);
        overlay.absorb(&third);
        assert_eq!(overlay.class_facts.len(), 2);
        overlay.keep_class_facts(false);
        let fifth = run_over(&phase_rules(&set, 5), &options, &overlay).unwrap();
        assert_eq!(slots_outcome(&fifth), refused);
        assert!(fifth.class_facts.is_empty());

        // What phase 5 read of b.py were the facts held for its text: with
        // none stored there, nothing refuses the dataclass.
        let canonical = |p: &Path| p.canonicalize().unwrap();
        for (path, known) in overlay.class_facts.iter_mut() {
            if canonical(path) == canonical(&store) {
                known[0].1 = ClassFacts::default();
            }
        }
        let fifth = run_over(&phase_rules(&set, 5), &options, &overlay).unwrap();
        assert_eq!(slots_outcome(&fifth), "rewritten");
        // The same facts for another text are not used: b.py is parsed.
        std::fs::write(&store, "def tag(entry: Entry):\n    entry.extra = 2\n").unwrap();
        let fifth = run_over(&phase_rules(&set, 5), &options, &overlay).unwrap();
        assert_eq!(slots_outcome(&fifth), refused);
    }

    /// A file phase 4 rewrites keeps class facts: those of the text it
    /// leaves, from the tree that checked its edits parse, and only those.
    #[test]
    fn a_file_phase_4_rewrites_keeps_the_class_facts_of_its_new_text() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pyproject.toml"), "").unwrap();
        std::fs::create_dir_all(dir.path().join("utils")).unwrap();
        // The rule's own example of a method it splits.
        let rule: serde_yaml::Value = serde_yaml::from_str(include_str!(
            "../../rules/phase-4/split-long-functions.yaml"
        ))
        .unwrap();
        let long = rule["tests"]["invalid"][0]["code"].as_str().unwrap();
        let path = dir.path().join("utils/b.py");
        std::fs::write(&path, long).unwrap();
        let set = crate::rules::load::load_rule_set(&[], &crate::syntax::KindTable::new()).unwrap();
        let options = RunOptions {
            show_progress: false,
            edits_and_findings_only: true,
            render_edits: None,
            ..crate::commands::dry_run_options(
                &[dir.path().to_path_buf()],
                WalkOptions::default(),
                1,
            )
        };
        let mut overlay = Overlay::default();
        overlay.keep_class_facts(true);
        for phase in [3, 4] {
            let mut result = run_over(&phase_rules(&set, phase), &options, &overlay).unwrap();
            overlay.absorb_class_facts(&mut result);
            overlay.absorb(&result);
        }
        let walked = overlay
            .bytes
            .keys()
            .next()
            .expect("phase 4 rewrites b.py")
            .clone();
        let new_text = String::from_utf8(overlay.read(&walked).unwrap()).unwrap();
        assert_ne!(new_text, long);
        let known = &overlay.class_facts[&walked];
        assert_eq!(known.len(), 1);
        assert_eq!(known[0].0, text_key(&new_text));
        let tree = crate::syntax::parse(&new_text);
        let fresh =
            crate::transforms::class_facts::collect(tree.root_node(), &new_text, "utils/b.py");
        assert_eq!(known[0].1, fresh);
        assert!(fresh.attribute_stores["ApiClient"].contains_key("last_endpoint"));
    }

    /// Phase 4's edits and findings, as `assess` counts them.
    fn phase_4_outcome(result: &RunResult) -> Vec<String> {
        result
            .files
            .iter()
            .map(|f| match &f.outcome {
                Outcome::Processed(p) => format!("{:?} {:?}", p.new_text, p.findings),
                other => format!("{other:?}"),
            })
            .collect()
    }

    /// Phase 3's run does phase 4's extract-method on its parse, and phase
    /// 4 takes that work instead of parsing the file, with the same
    /// outcome; only while the file holds the text it came from.
    #[test]
    fn phase_4_takes_its_work_from_phase_3_for_the_same_text_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pyproject.toml"), "").unwrap();
        std::fs::create_dir_all(dir.path().join("utils")).unwrap();
        let rule: serde_yaml::Value = serde_yaml::from_str(include_str!(
            "../../rules/phase-4/split-long-functions.yaml"
        ))
        .unwrap();
        let long = rule["tests"]["invalid"][0]["code"].as_str().unwrap();
        let path = dir.path().join("utils/b.py");
        std::fs::write(&path, long).unwrap();
        let set = crate::rules::load::load_rule_set(&[], &crate::syntax::KindTable::new()).unwrap();
        let options = RunOptions {
            show_progress: false,
            edits_and_findings_only: true,
            render_edits: None,
            ..crate::commands::dry_run_options(
                &[dir.path().to_path_buf()],
                WalkOptions::default(),
                1,
            )
        };
        let (third, fourth) = (phase_rules(&set, 3), phase_rules(&set, 4));
        let alone = run_over(&fourth, &options, &Overlay::default()).unwrap();
        let expected = phase_4_outcome(&alone);
        assert!(expected[0].contains("Some("), "{expected:?}");

        let mut overlay = Overlay::default();
        let mut result = super::super::run_over_ahead(&third, &fourth, &options, &overlay).unwrap();
        assert_eq!(result.own_work.len(), 1);
        overlay.absorb_own_work(&mut result);
        overlay.absorb(&result);
        let shared = run_over(&fourth, &options, &overlay).unwrap();
        assert_eq!(phase_4_outcome(&shared), expected);

        // Phase 4 read the work kept for the text: with none kept there,
        // it makes no edit.
        for kept in overlay.own_work.values_mut() {
            kept.work = crate::transforms::pass::OwnWork::default();
        }
        let taken = run_over(&fourth, &options, &overlay).unwrap();
        assert_eq!(phase_4_outcome(&taken), ["Skipped"]);
        // The work kept for another text is not used: b.py is parsed.
        let changed = format!("{long}\n# the end\n");
        std::fs::write(&path, &changed).unwrap();
        let fresh = phase_4_outcome(&run_over(&fourth, &options, &Overlay::default()).unwrap());
        assert!(fresh[0].contains("Some("), "{fresh:?}");
        assert_eq!(
            phase_4_outcome(&run_over(&fourth, &options, &overlay).unwrap()),
            fresh
        );
    }
}
