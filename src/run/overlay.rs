//! Bytes that stand in for files on disk during a run: what earlier phases
//! would leave, so `assess` can count each phase on the text the phases
//! before it produce without writing anything.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{Outcome, RunResult};

/// Walked path → the bytes the file would hold. A file not in it is read
/// from disk. Files earlier phases would create are not added: the walk
/// does not find them (only phase 6 creates files today, and it runs last).
#[derive(Debug, Default)]
pub struct Overlay {
    bytes: HashMap<PathBuf, Vec<u8>>,
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
            }
        }
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
}
