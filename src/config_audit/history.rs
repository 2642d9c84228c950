//! Old defaults after phase 1 was applied: the code now says `X["k"]`, so
//! the defaults come from the pre-phase copies the ledger keeps of the
//! files phase 1 rewrote (the same copies `rollback` restores).

use std::collections::BTreeMap;
use std::path::Path;

use crate::analysis::{FileFacts, NameMatcher, keypaths};
use crate::safety::ledger::Ledger;
use crate::safety::{before_bytes, state_root};
use crate::syntax::{self, KindTable};

/// Key path → the default its `.get` had before phase 1 (the first one
/// found, files in ledger order); empty when phase 1 is not applied.
pub fn phase_1_defaults(project_root: &Path, names: &NameMatcher) -> BTreeMap<Vec<String>, String> {
    let mut defaults = BTreeMap::new();
    for no_git in [false, true] {
        let (root, repo) = state_root(project_root, no_git);
        let Some(entry) = Ledger::load(&root).ok().and_then(|l| l.active(1).cloned()) else {
            continue;
        };
        let kinds = KindTable::new();
        for record in &entry.files {
            let Ok(bytes) = before_bytes(&root, repo.as_ref(), record) else {
                continue;
            };
            let Ok(text) = String::from_utf8(bytes) else {
                continue;
            };
            let text = text.trim_start_matches('\u{feff}');
            let tree = syntax::parse(text);
            let facts = FileFacts::analyze(&tree, text, names, &kinds);
            for lookup in keypaths::collect(&tree, text, &facts) {
                if let (Ok(path), Some(default)) = (lookup.path, lookup.default) {
                    defaults.entry(path).or_insert(default);
                }
            }
        }
        break;
    }
    defaults
}
