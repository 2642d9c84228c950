//! How a file uses the names it binds with a module-level `from m import x`:
//! where it reads them (and whether at import time) and whether it binds
//! them again. A transform that moves `m.x` elsewhere rewrites the reads
//! only when nothing rebinds the name; the facts come from the summary's
//! one walk of the run's parse.

use crate::syntax::field;
use std::collections::HashMap;

use tree_sitter::Node;

use super::context::Path;

/// One `x` / `x as y` item of a module-level `from m import …` and what
/// the file does with the name it binds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BoundName {
    /// The name the file binds (`y` of `x as y`).
    pub local: String,
    /// The item in the import statement.
    pub item: (usize, usize),
    /// What to delete to drop the item from its list, one comma included
    /// (the whole item when it is the only one); none when a comment is in
    /// the way.
    pub removal: Option<(usize, usize)>,
    /// Start of the import statement (items of one statement share it).
    pub statement: usize,
    /// Reads of the name, in source order.
    pub reads: Vec<NameRead>,
    /// 1-based line where the file binds the name again (an assignment, a
    /// parameter, `global`, `del`, another import) or may use it before
    /// the import: the name is then not only this import's.
    pub rebound: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameRead {
    pub start: usize,
    pub end: usize,
    /// 1-based.
    pub line: usize,
    /// Evaluated when the module is imported (see `context.rs`).
    pub at_import_time: bool,
    /// Changes the object (`x[k] = v`, `x.update(…)`; `context::mutates`).
    pub mutates: bool,
}

enum Role {
    Label,
    Read,
    Bind,
}

/// Collects [`BoundName`]s during a pre-order walk: an import is seen
/// before the code after it.
#[derive(Default)]
pub struct Tracker<'t> {
    text: &'t str,
    names: Vec<BoundName>,
    by_local: HashMap<&'t str, usize>,
    /// Identifiers starting `default_` or `set_default_`, each once: the
    /// names phase 3's helpers take, so a rewrite can tell one is free.
    pub helper_like: Vec<String>,
}

impl<'t> Tracker<'t> {
    pub fn new(text: &'t str) -> Self {
        Tracker {
            text,
            ..Tracker::default()
        }
    }

    /// A `from m import …` statement: module-level ones start tracking.
    pub fn import_from(&mut self, path: Path<'_, 't>) {
        if !path.at_module_level() {
            return;
        }
        let statement = path.node();
        let mut cursor = statement.walk();
        let items: Vec<Node> = field::children(statement, field::NAME, &mut cursor).collect();
        for (i, item) in items.iter().enumerate() {
            let local_node = match item.kind() {
                "aliased_import" => item.child_by_field_id(field::ALIAS),
                _ => Some(*item),
            };
            let Some(local_node) = local_node else {
                continue;
            };
            let local = &self.text[local_node.byte_range()];
            let removal = match (i.checked_sub(1).map(|p| items[p]), items.get(i + 1)) {
                (Some(previous), _) => (previous.end_byte(), item.end_byte()),
                (None, Some(next)) => (item.start_byte(), next.start_byte()),
                (None, None) => (item.start_byte(), item.end_byte()),
            };
            let removal = (!self.text[removal.0..removal.1].contains('#')).then_some(removal);
            // A use above the import (in a function defined earlier) is
            // not seen by the walk: treat any earlier mention as a rebinding.
            let mentioned_before = self.text[..statement.start_byte()].contains(local);
            let line = statement.start_position().row + 1;
            if let Some(&earlier) = self.by_local.get(local) {
                self.names[earlier].rebound.get_or_insert(line);
            }
            self.by_local.insert(local, self.names.len());
            self.names.push(BoundName {
                local: local.to_string(),
                item: (item.start_byte(), item.end_byte()),
                removal,
                statement: statement.start_byte(),
                reads: Vec::new(),
                rebound: mentioned_before.then_some(line),
            });
        }
    }

    pub fn identifier(&mut self, path: Path<'_, 't>) {
        let node = path.node();
        let text = &self.text[node.byte_range()];
        if (text.starts_with("default_") || text.starts_with("set_default_"))
            && !self.helper_like.iter().any(|h| h == text)
        {
            self.helper_like.push(text.to_string());
        }
        let Some(&index) = self.by_local.get(text) else {
            return;
        };
        let bound = &mut self.names[index];
        if let Some(import) = import_statement_of(path) {
            let own = bound.item.0 <= node.start_byte() && node.end_byte() <= bound.item.1;
            let binds =
                crate::transforms::summary::import_bindings(import, self.text).contains(&text);
            if !own && binds {
                bound.rebound.get_or_insert(node.start_position().row + 1);
            }
            return;
        }
        match role(path) {
            Role::Label => {}
            Role::Bind => {
                bound.rebound.get_or_insert(node.start_position().row + 1);
            }
            Role::Read => bound.reads.push(NameRead {
                start: node.start_byte(),
                end: node.end_byte(),
                line: node.start_position().row + 1,
                at_import_time: path.at_import(),
                mutates: super::context::mutates(path.ancestry(), self.text),
            }),
        }
    }

    /// The tracked names by the start of their import item.
    pub fn finish(self) -> HashMap<usize, BoundName> {
        self.names.into_iter().map(|b| (b.item.0, b)).collect()
    }
}

fn import_statement_of<'t>(path: Path<'_, 't>) -> Option<Node<'t>> {
    let mut current = path.up();
    for _ in 0..3 {
        let ancestor = current?;
        if matches!(
            ancestor.node().kind(),
            "import_statement" | "import_from_statement" | "future_import_statement"
        ) {
            return Some(ancestor.node());
        }
        current = ancestor.up();
    }
    None
}

/// Whether the identifier binds its name (assignment, parameter, `global`,
/// `del`, loop or `with` target, …).
pub(crate) fn binds(path: Path) -> bool {
    matches!(role(path), Role::Bind)
}

/// Whether the identifier is read, bound, or only names an attribute or
/// keyword. Target containers (`a, b = …`, `*rest`) are climbed first.
fn role(path: Path) -> Role {
    let mut child = path.node();
    let Some(mut parent) = path.up() else {
        return Role::Read;
    };
    while matches!(
        parent.node().kind(),
        "pattern_list"
            | "tuple_pattern"
            | "list_pattern"
            | "list_splat_pattern"
            | "dictionary_splat_pattern"
            | "as_pattern_target"
            | "parenthesized_expression"
            | "tuple"
            | "list"
            | "expression_list"
    ) {
        let Some(next) = parent.up() else {
            return Role::Read;
        };
        child = parent.node();
        parent = next;
    }
    let parent = parent.node();
    let is_field = |field: u16| {
        parent
            .child_by_field_id(field)
            .is_some_and(|f| f.id() == child.id())
    };
    match parent.kind() {
        "attribute" if is_field(field::ATTRIBUTE) => Role::Label,
        "keyword_argument" if is_field(field::NAME) => Role::Label,
        "assignment" | "augmented_assignment" | "for_statement" | "for_in_clause"
            if is_field(field::LEFT) =>
        {
            Role::Bind
        }
        "named_expression"
        | "function_definition"
        | "class_definition"
        | "default_parameter"
        | "typed_default_parameter"
            if is_field(field::NAME) =>
        {
            Role::Bind
        }
        "as_pattern" if is_field(field::ALIAS) => Role::Bind,
        "global_statement" | "nonlocal_statement" | "delete_statement" | "parameters"
        | "lambda_parameters" | "typed_parameter" => Role::Bind,
        kind if kind.contains("pattern") => Role::Bind,
        _ => Role::Read,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracked(code: &str) -> Vec<BoundName> {
        let tree = crate::syntax::parse(code);
        let root = tree.root_node();
        let mut tracker = Tracker::new(code);
        let lazy = crate::transforms::context::lazy_annotations(root, code);
        crate::transforms::context::walk(root, lazy, |path| match path.node().kind() {
            "import_from_statement" => tracker.import_from(path),
            "identifier" => tracker.identifier(path),
            _ => {}
        });
        let mut names: Vec<BoundName> = tracker.finish().into_values().collect();
        names.sort_by_key(|b| b.item.0);
        names
    }

    #[test]
    fn reads_bindings_and_import_time_are_told_apart() {
        let code = "\
from m import _cache, get as fetch
x = _cache
def f(a=_cache):
    fetch(key=1)
    return _cache.size, o._cache
def g():
    fetch = 2
";
        let names = tracked(code);
        assert_eq!(names.len(), 2);
        let cache = &names[0];
        assert_eq!(cache.local, "_cache");
        let removal = cache.removal.unwrap();
        assert_eq!(&code[removal.0..removal.1], "_cache, ");
        let reads: Vec<(usize, bool)> = cache
            .reads
            .iter()
            .map(|r| (r.line, r.at_import_time))
            .collect();
        // `x = _cache` and the default run at import; the body does not.
        assert_eq!(reads, [(2, true), (3, true), (5, false)]);
        assert_eq!(cache.rebound, None);
        let fetch = &names[1];
        assert_eq!(&code[fetch.item.0..fetch.item.1], "get as fetch");
        let removal = fetch.removal.unwrap();
        assert_eq!(&code[removal.0..removal.1], ", get as fetch");
        let commented = tracked("from m import (a,  # why\n    b)\n");
        assert_eq!(commented[1].removal, None);
        assert_eq!(fetch.rebound, Some(7));
    }

    #[test]
    fn every_rebinding_form_is_seen() {
        for code in [
            "from m import c\nc = 1\n",
            "from m import c\ndef f(c): pass\n",
            "from m import c\nfor c in []: pass\n",
            "from m import c\nwith o as c: pass\n",
            "from m import c\ndef f():\n    global c\n",
            "from m import c\ndel c\n",
            "from m import c\nimport c\n",
            "from m import c\na, *c = x\n",
            "from m import c\n[1 for c in x]\n",
            "def f():\n    return c\nfrom m import c\n",
            "from m import c\nfrom n import c\n",
        ] {
            let names = tracked(code);
            assert!(names[0].rebound.is_some(), "{code}");
        }
        let inside = tracked("def f():\n    from m import c\n    return c\n");
        assert!(inside.is_empty());
    }

    /// `(line, at import time)` of each read of the first tracked name.
    fn read_times(code: &str) -> Vec<(usize, bool)> {
        tracked(code)[0]
            .reads
            .iter()
            .map(|r| (r.line, r.at_import_time))
            .collect()
    }

    #[test]
    fn reads_a_def_or_class_statement_evaluates_are_import_time() {
        let code = "\
from m import c
@c
@wrap(c.key)
def f(a=c, b: c = 1) -> c:
    def inner(d=c):
        return d
    return c
class K:
    size = c.size
    def m(self, e=c):
        return c
g = lambda h=c: c
";
        let expected = [
            (2, true),
            (3, true),
            (4, true),
            (4, true),
            (4, true),
            (5, false),
            (7, false),
            (9, true),
            (10, true),
            (11, false),
            (12, true),
            (12, false),
        ];
        assert_eq!(read_times(code), expected);
    }

    #[test]
    fn deferred_annotations_are_not_read_at_import() {
        let code = "from __future__ import annotations\nfrom m import c\ndef f(a: c, b=c) -> c:\n    pass\n";
        assert_eq!(read_times(code), [(3, false), (3, true), (3, false)]);
    }
}
