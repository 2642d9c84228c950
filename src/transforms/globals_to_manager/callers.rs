//! Other modules that reach the state, rewritten to the default manager
//! where that is exact, else a reason to refuse the module:
//!
//! - `m.x` read inside a function body is looked up at each read; it
//!   becomes `m.default_…().x`, the object the old functions use.
//! - `from m import x` binds the object `m.x` held at import time. It stays
//!   that object only while nothing rebinds `m.x` (no `global x` in `m`, no
//!   store from outside); then the import becomes one of `default_…` and each
//!   read `default_…().x`: the very object the module's functions use, as
//!   before. A caller that binds the name again, reads it at import time,
//!   re-exports it or reaches names by string is refused.

use std::collections::BTreeMap;

use super::plan::{Planned, attribute_name};
use crate::transforms::bound::BoundName;
use crate::transforms::index::IndexedUse;
use crate::transforms::summary::UseKind;
use crate::transforms::{FileChange, ProjectIndex};

/// The callers' edits, or why they cannot be made.
#[derive(Default)]
pub struct Callers {
    pub edits: Vec<FileChange>,
    pub reasons: Vec<String>,
}

/// A from-import item to rewrite: (file, statement start) groups items.
struct Item<'a> {
    file: usize,
    bound: &'a BoundName,
    attr: String,
}

pub fn rewrite(planned: &Planned, module: &str, index: &ProjectIndex) -> Callers {
    let mut callers = Callers::default();
    let mut items = Vec::new();
    for name in &planned.state_names {
        for found in index.uses_of(module, name) {
            if let Some(reason) = callers.one(planned, name, found, index, &mut items) {
                callers.reasons.push(reason);
            }
        }
    }
    callers.imports(planned, items);
    callers
}

impl Callers {
    /// Plans the edits for one use, or says why it cannot be rewritten.
    fn one<'a>(
        &mut self,
        planned: &Planned,
        name: &str,
        found: &'a IndexedUse,
        index: &ProjectIndex,
        items: &mut Vec<Item<'a>>,
    ) -> Option<String> {
        let place = format!("{}:{}", found.relative, found.what.line);
        let helper = &planned.default_function;
        let attr = attribute_name(name);
        if crate::project::is_test_code(&found.relative) && !planned.rewrite_tests {
            return Some(format!(
                "{place} uses `{name}` from this module, in test code, which is not rewritten (`rewrite-tests`); make it use `{helper}().{attr}`"
            ));
        }
        match found.what.kind {
            UseKind::AttributeStore => Some(format!("{place} assigns `{name}` of this module")),
            UseKind::StarImport => None,
            UseKind::Attribute if found.what.at_import_time => Some(format!(
                "{place} reads `{name}` when it is imported, which would create the default manager then"
            )),
            UseKind::Attribute => {
                // The attribute's name ends the `m.x` node.
                self.edits.push(FileChange {
                    file: found.file,
                    start: found.what.end - name.len(),
                    end: found.what.end,
                    replacement: format!("{helper}().{attr}"),
                });
                None
            }
            UseKind::FromImport => {
                let Some(bound) = found.what.bound.as_deref() else {
                    return Some(format!(
                        "{place} imports `{name}` inside a function or class, where the rewrite cannot follow the name"
                    ));
                };
                if let Some(reason) = snapshot_problem(planned, name, bound, found, index) {
                    return Some(format!("{place} imports `{name}`: {reason}"));
                }
                items.push(Item {
                    file: found.file,
                    bound,
                    attr,
                });
                None
            }
        }
    }

    /// Per import statement: the first item becomes the default manager's
    /// function, the others go; every read becomes `default_…().attr`.
    fn imports(&mut self, planned: &Planned, mut items: Vec<Item>) {
        let helper = &planned.default_function;
        items.sort_by_key(|i| (i.file, i.bound.item.0));
        let mut statements: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for item in &items {
            let seen = statements
                .entry((item.file, item.bound.statement))
                .or_insert(0);
            *seen += 1;
            let (start, end, replacement) = match (*seen, item.bound.removal) {
                (1, _) => (item.bound.item.0, item.bound.item.1, helper.clone()),
                (_, Some((start, end))) => (start, end, String::new()),
                (_, None) => {
                    self.reasons.push(format!(
                        "a comment sits among the names `{}` is imported with; drop it from that import by hand",
                        item.bound.local
                    ));
                    continue;
                }
            };
            self.edits.push(FileChange {
                file: item.file,
                start,
                end,
                replacement,
            });
            for read in &item.bound.reads {
                self.edits.push(FileChange {
                    file: item.file,
                    start: read.start,
                    end: read.end,
                    replacement: format!("{helper}().{}", item.attr),
                });
            }
        }
    }
}

/// Why the name a caller took with `from m import name` could not follow
/// the state into the default manager exactly, if it could not.
fn snapshot_problem(
    planned: &Planned,
    name: &str,
    bound: &BoundName,
    found: &IndexedUse,
    index: &ProjectIndex,
) -> Option<String> {
    let local = &bound.local;
    let helper = &planned.default_function;
    if planned.rebound_states.contains(name) {
        return Some(format!(
            "the name holds the object `{name}` had at import time, and this module rebinds `{name}` with `global`, so the two can differ; after the rewrite they could not"
        ));
    }
    if let Some(line) = bound.rebound {
        return Some(format!(
            "line {line} binds `{local}` again or uses it before the import"
        ));
    }
    if let Some(read) = bound.reads.iter().find(|r| r.at_import_time) {
        return Some(format!(
            "line {} reads `{local}` when the module is imported, which would create the default manager then",
            read.line
        ));
    }
    let Some((caller, indexed)) = index.module_in_file(found.file) else {
        return Some("its module is not in the project index".into());
    };
    if indexed.dynamic_names {
        return Some(format!(
            "that module calls `globals`, `vars`, `locals`, `exec` or `eval`, which can reach `{local}` by name"
        ));
    }
    let exported = indexed.all.as_ref().is_some_and(|all| all.contains(local));
    if exported || !index.uses_of(caller, local).is_empty() {
        return Some(format!(
            "that module passes `{local}` on to others (`__all__` or their imports)"
        ));
    }
    let taken = indexed.helper_like.iter().any(|h| h == helper)
        || indexed.top_level.iter().any(|t| t == helper);
    if taken {
        return Some(format!(
            "that module already uses the name `{helper}`, which the rewrite imports"
        ));
    }
    None
}
