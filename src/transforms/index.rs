//! The project index: built once per run from every file's summary (the
//! run's own parse), before any transform finishes. It answers which
//! module a file is, what a module binds at top level, and who uses which
//! module-level name, across files.

use std::collections::BTreeMap;

use super::class_facts::ClassFacts;
use super::summary::{ModuleSummary, NameUse, UseKind};

#[derive(Debug, Clone, Default)]
pub struct ProjectIndex {
    modules: BTreeMap<String, IndexedModule>,
    /// (module, name) → uses in other files, in file then source order.
    uses: BTreeMap<(String, String), Vec<IndexedUse>>,
    /// Every file's class facts, merged (empty unless a transform needs them).
    classes: ClassFacts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedModule {
    pub file: usize,
    pub relative: String,
    pub top_level: Vec<String>,
    pub all: Option<Vec<String>>,
    /// Identifiers starting `default_` / `set_default_` (see `bound.rs`).
    pub helper_like: Vec<String>,
    /// Calls `globals`, `vars`, `locals`, `exec` or `eval`.
    pub dynamic_names: bool,
}

/// A use of a module's name, with the file it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedUse {
    pub file: usize,
    pub relative: String,
    pub what: NameUse,
}

impl ProjectIndex {
    /// `files`: (file id, path relative to the project root, summary).
    pub fn build(files: Vec<(usize, String, ModuleSummary)>) -> Self {
        let mut index = ProjectIndex::default();
        let mut files = files;
        files.sort_by_key(|(id, _, _)| *id);
        for (file, relative, mut summary) in files {
            index.classes.merge(std::mem::take(&mut summary.classes));
            for what in summary.uses {
                let key = (what.module.clone(), what.name.clone());
                index.uses.entry(key).or_default().push(IndexedUse {
                    file,
                    relative: relative.clone(),
                    what,
                });
            }
            index.modules.insert(
                summary.module,
                IndexedModule {
                    file,
                    relative,
                    top_level: summary.top_level,
                    all: summary.all,
                    helper_like: summary.helper_like,
                    dynamic_names: summary.dynamic_names,
                },
            );
        }
        // A use inside the module itself (`import m` in m) is not a caller.
        for ((module, _), uses) in index.uses.iter_mut() {
            if let Some(own) = index.modules.get(module) {
                uses.retain(|u| u.file != own.file);
            }
        }
        index
    }

    /// Adds one file's class facts (files in walk order, as `build` merges
    /// those of the summaries).
    pub fn add_class_facts(&mut self, facts: ClassFacts) {
        self.classes.merge(facts);
    }

    /// Class layouts, weak references and attribute stores across the project.
    pub fn class_facts(&self) -> &ClassFacts {
        &self.classes
    }

    /// Whether the project has the package `name` (a module in it, or it).
    pub fn has_package(&self, name: &str) -> bool {
        self.modules.keys().any(|m| super::module_within(m, name))
    }

    pub fn module(&self, name: &str) -> Option<&IndexedModule> {
        self.modules.get(name)
    }

    /// The module in file `file`, with its dotted name.
    pub fn module_in_file(&self, file: usize) -> Option<(&str, &IndexedModule)> {
        self.modules
            .iter()
            .find(|(_, m)| m.file == file)
            .map(|(name, m)| (name.as_str(), m))
    }

    /// The dotted name of the module in file `file`.
    pub fn module_of_file(&self, file: usize) -> Option<&str> {
        self.modules
            .iter()
            .find(|(_, m)| m.file == file)
            .map(|(name, _)| name.as_str())
    }

    /// Uses of `module.name` in other files: `from module import name`,
    /// `module.name`, `module.name = …`.
    pub fn uses_of(&self, module: &str, name: &str) -> &[IndexedUse] {
        self.uses
            .get(&(module.to_string(), name.to_string()))
            .map_or(&[], Vec::as_slice)
    }

    /// Files that `from module import *`.
    pub fn star_imports_of(&self, module: &str) -> &[IndexedUse] {
        self.uses_of(module, "*")
    }

    /// Every use of any of `module`'s names in other files.
    pub fn uses_of_module<'a>(
        &'a self,
        module: &'a str,
    ) -> impl Iterator<Item = &'a IndexedUse> + 'a {
        self.uses
            .range((module.to_string(), String::new())..)
            .take_while(move |((m, _), _)| m == module)
            .flat_map(|(_, uses)| uses.iter())
            .filter(|u| u.what.kind != UseKind::StarImport)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transforms::summary::summarize;

    fn index(files: &[(&str, &str)]) -> ProjectIndex {
        let summaries = files
            .iter()
            .enumerate()
            .map(|(id, (relative, code))| {
                let tree = crate::syntax::parse(code);
                (id, relative.to_string(), summarize(relative, code, &tree))
            })
            .collect();
        ProjectIndex::build(summaries)
    }

    #[test]
    fn uses_across_files_are_found_by_module_and_name() {
        let index = index(&[
            (
                "utils/oauth_helpers.py",
                "_token_cache = {}\ndef get(): return _token_cache\n",
            ),
            ("src/a.py", "from utils.oauth_helpers import _token_cache\n"),
            (
                "src/b.py",
                "import utils.oauth_helpers as o\ndef f():\n    o.get()\n",
            ),
            (
                "src/c.py",
                "from utils import oauth_helpers\noauth_helpers._token_cache = None\n",
            ),
            ("src/d.py", "from utils.oauth_helpers import *\n"),
        ]);
        let module = index.module("utils.oauth_helpers").unwrap();
        assert_eq!(module.top_level, ["_token_cache", "get"]);
        assert_eq!(index.module_of_file(1), Some("src.a"));
        let cache: Vec<(usize, UseKind)> = index
            .uses_of("utils.oauth_helpers", "_token_cache")
            .iter()
            .map(|u| (u.file, u.what.kind))
            .collect();
        assert_eq!(
            cache,
            [(1, UseKind::FromImport), (3, UseKind::AttributeStore)]
        );
        let all: Vec<(usize, &str)> = index
            .uses_of_module("utils.oauth_helpers")
            .map(|u| (u.file, u.what.name.as_str()))
            .collect();
        assert_eq!(all, [(1, "_token_cache"), (3, "_token_cache"), (2, "get")]);
        assert_eq!(index.star_imports_of("utils.oauth_helpers").len(), 1);
    }
}
