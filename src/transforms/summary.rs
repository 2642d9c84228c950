//! What the project index needs from one file, taken from the run's own
//! parse: the module's top-level names and `__all__`, and every use of
//! another module's name (`from m import x`, `import m; m.x`, `m.x = v`).

use crate::syntax::field;
use std::collections::HashMap;

use tree_sitter::{Node, Tree};

use super::bound::{BoundName, Tracker};
use super::context::Path;

/// Facts about one module, owning no tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleSummary {
    /// Dotted module name from the path (`utils/oauth_helpers.py` →
    /// `utils.oauth_helpers`; a package's `__init__.py` is the package).
    pub module: String,
    /// Names bound at module level (definitions, assignments, imports), in
    /// source order, each once.
    pub top_level: Vec<String>,
    /// The literal `__all__`, when there is one.
    pub all: Option<Vec<String>>,
    /// Uses of names of other modules (or possibly of modules: the index
    /// decides, knowing which modules exist).
    pub uses: Vec<NameUse>,
    /// Class facts, filled in only when a transform of the run needs them.
    pub classes: super::class_facts::ClassFacts,
    /// Identifiers starting `default_` or `set_default_` (see `bound.rs`).
    pub helper_like: Vec<String>,
    /// The file calls `globals`, `vars`, `locals`, `exec` or `eval`, which
    /// can reach its names by string.
    pub dynamic_names: bool,
}

/// One use of `module`'s `name` in this file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameUse {
    pub module: String,
    pub name: String,
    pub kind: UseKind,
    /// Runs when the module is imported: outside every function and lambda
    /// body (decorators, defaults and annotations included; see `context.rs`).
    pub at_import_time: bool,
    /// An `m.x` use that changes the object (`m.x[k] = v`, `m.x.update(…)`).
    pub mutates: bool,
    pub start: usize,
    pub end: usize,
    /// 1-based.
    pub line: usize,
    /// For a module-level `from module import name`: what the file does
    /// with the name it binds.
    pub bound: Option<Box<BoundName>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UseKind {
    /// `from module import name`
    FromImport,
    /// `from module import *` (`name` is `*`)
    StarImport,
    /// `module.name` read (or called)
    Attribute,
    /// `module.name = …` (also `del`, augmented assignment)
    AttributeStore,
}

/// `utils/oauth_helpers.py` → `utils.oauth_helpers`; `pkg/__init__.py` → `pkg`.
pub fn module_name(relative: &str) -> String {
    let stem = relative.strip_suffix(".py").unwrap_or(relative);
    let stem = stem.strip_suffix("/__init__").unwrap_or(stem);
    stem.replace('/', ".")
}

pub fn summarize(relative: &str, text: &str, tree: &Tree) -> ModuleSummary {
    let module = module_name(relative);
    let package = if relative.ends_with("__init__.py") {
        module.clone()
    } else {
        module
            .rsplit_once('.')
            .map(|(p, _)| p.to_string())
            .unwrap_or_default()
    };
    let root = tree.root_node();
    let mut walker = Walker {
        text,
        package: &package,
        aliases: HashMap::new(),
        uses: Vec::new(),
    };
    let helper_like = walker.walk(root);
    let uses = walker.finish();
    let mut top_level = Vec::new();
    collect_top_level(root, text, &mut top_level);
    let dynamic_names = ["globals(", "vars(", "locals(", "exec(", "eval("]
        .iter()
        .any(|call| text.contains(call));
    ModuleSummary {
        all: dunder_all(root, text),
        module,
        top_level,
        uses,
        helper_like,
        dynamic_names,
        ..ModuleSummary::default()
    }
}

/// An attribute seen by the walk, resolved once every import is known.
struct Attribute<'t> {
    node: Node<'t>,
    at_import_time: bool,
    store: bool,
    mutates: bool,
}

struct Walker<'a> {
    text: &'a str,
    package: &'a str,
    /// Local name → dotted module it may stand for.
    aliases: HashMap<String, String>,
    uses: Vec<NameUse>,
}

/// Where the words the summary looks at are, sorted: the `import` keyword
/// (import statements hold it), every name an import binds (the uses of
/// from-imported names, attributes of imported modules start with one) and
/// identifiers starting `default_` / `set_default_`. A node none of them
/// falls in holds nothing the summary records.
fn spots(root: Node, text: &str) -> Vec<usize> {
    use crate::syntax::{spans_any, walk_pruned, word_positions};
    let bytes = text.as_bytes();
    let keywords: Vec<usize> = word_positions(bytes, "import").collect();
    let mut names = std::collections::BTreeSet::new();
    walk_pruned(
        root,
        |node| spans_any(node, &keywords),
        |node| {
            if matches!(node.kind(), "import_statement" | "import_from_statement") {
                names.extend(import_bindings(node, text));
            }
        },
    );
    let mut spots = keywords;
    for name in names {
        spots.extend(word_positions(bytes, name));
    }
    for prefix in ["default_", "set_default_"] {
        spots.extend(
            memchr::memmem::find_iter(bytes, prefix)
                .filter(|&at| at == 0 || !crate::syntax::is_identifier_byte(bytes[at - 1])),
        );
    }
    spots.sort_unstable();
    spots.dedup();
    spots
}

/// The leftmost name of `a.b.c`.
fn first_name(node: Node) -> Node {
    match node.kind() {
        "attribute" => node
            .child_by_field_id(field::OBJECT)
            .map_or(node, first_name),
        _ => node,
    }
}

impl Walker<'_> {
    /// One cursor walk collects imports, attributes and the uses of
    /// from-imported names; attributes are resolved once every import of
    /// the file is known. The walk enters only subtrees that hold one of
    /// the words that matter (`spots`). Returns the helper-like identifiers.
    fn walk(&mut self, root: Node) -> Vec<String> {
        let mut imports = Vec::new();
        let mut attributes = Vec::new();
        let mut tracker = Tracker::new(self.text);
        let lazy = super::context::lazy_annotations(root, self.text);
        let spots = spots(root, self.text);
        let descend = |node: Node| crate::syntax::spans_any(node, &spots);
        super::context::walk_pruned(root, lazy, descend, |path| {
            let node = path.node();
            match node.kind() {
                "import_statement" => imports.push((node, path.at_import())),
                "import_from_statement" => {
                    tracker.import_from(path);
                    imports.push((node, path.at_import()));
                }
                "attribute" => attributes.push(Attribute {
                    node,
                    at_import_time: path.at_import(),
                    store: is_store(path),
                    mutates: super::context::mutates(path.ancestry(), self.text),
                }),
                "identifier" => tracker.identifier(path),
                _ => {}
            }
        });
        for (node, at_import_time) in imports {
            if node.kind() == "import_statement" {
                self.import(node);
            } else {
                self.import_from(node, at_import_time);
            }
        }
        for attribute in attributes {
            self.attribute(attribute);
        }
        let helper_like = std::mem::take(&mut tracker.helper_like);
        let mut bound = tracker.finish();
        for found in &mut self.uses {
            if found.kind == UseKind::FromImport {
                found.bound = bound.remove(&found.start).map(Box::new);
            }
        }
        helper_like
    }

    fn text(&self, node: Node) -> &str {
        &self.text[node.byte_range()]
    }

    fn import(&mut self, node: Node) {
        let mut cursor = node.walk();
        for name in field::children(node, field::NAME, &mut cursor) {
            if name.kind() == "aliased_import" {
                let (Some(dotted), Some(alias)) = (
                    name.child_by_field_id(field::NAME),
                    name.child_by_field_id(field::ALIAS),
                ) else {
                    continue;
                };
                let target = self.text(dotted).to_string();
                self.aliases.insert(self.text(alias).to_string(), target);
            } else {
                // `import a.b` binds `a`; `a.b.x` is resolved from the chain.
                let dotted = self.text(name).to_string();
                let first = dotted.split('.').next().unwrap_or_default().to_string();
                self.aliases.insert(first.clone(), first);
            }
        }
    }

    fn import_from(&mut self, node: Node, at_import_time: bool) {
        let Some(module_node) = node.child_by_field_id(field::MODULE_NAME) else {
            return;
        };
        let module = self.absolute(self.text(module_node));
        let mut cursor = node.walk();
        let names: Vec<Node> = field::children(node, field::NAME, &mut cursor).collect();
        if names.is_empty() {
            self.push_use(&module, "*", UseKind::StarImport, node, at_import_time);
        }
        for name in names {
            let (imported, local) = match name.kind() {
                "aliased_import" => (
                    name.child_by_field_id(field::NAME),
                    name.child_by_field_id(field::ALIAS),
                ),
                _ => (Some(name), Some(name)),
            };
            let (Some(imported), Some(local)) = (imported, local) else {
                continue;
            };
            let imported_text = self.text(imported).to_string();
            let candidate = join(&module, &imported_text);
            self.aliases.insert(self.text(local).to_string(), candidate);
            self.push_use(
                &module,
                &imported_text,
                UseKind::FromImport,
                name,
                at_import_time,
            );
        }
    }

    /// `.m` in package `p` → `p.m`; `..` goes up one more.
    fn absolute(&self, written: &str) -> String {
        let dots = written.len() - written.trim_start_matches('.').len();
        if dots == 0 {
            return written.to_string();
        }
        let mut base: Vec<&str> = self.package.split('.').filter(|s| !s.is_empty()).collect();
        for _ in 1..dots {
            base.pop();
        }
        join(&base.join("."), &written[dots..])
    }

    fn attribute(&mut self, attribute: Attribute) {
        let node = attribute.node;
        let (Some(object), Some(name)) = (
            node.child_by_field_id(field::OBJECT),
            node.child_by_field_id(field::ATTRIBUTE),
        ) else {
            return;
        };
        if !is_dotted(object) {
            return;
        }
        // Most attributes are on locals (`self.x`, `path.join`): test the
        // first name against the imports before building any string.
        let first = self.text(first_name(object));
        let Some(target) = self.aliases.get(first) else {
            return;
        };
        let object_text = self.text(object);
        let module = match object_text.split_once('.') {
            Some((_, rest)) => join(target, rest),
            None => target.clone(),
        };
        let kind = if attribute.store {
            UseKind::AttributeStore
        } else {
            UseKind::Attribute
        };
        self.uses.push(NameUse {
            module,
            name: self.text(name).to_string(),
            kind,
            at_import_time: attribute.at_import_time,
            mutates: attribute.mutates,
            start: node.start_byte(),
            end: node.end_byte(),
            line: node.start_position().row + 1,
            bound: None,
        });
    }

    fn push_use(
        &mut self,
        module: &str,
        name: &str,
        kind: UseKind,
        node: Node,
        at_import_time: bool,
    ) {
        self.uses.push(NameUse {
            module: module.to_string(),
            name: name.to_string(),
            kind,
            at_import_time,
            mutates: false,
            start: node.start_byte(),
            end: node.end_byte(),
            line: node.start_position().row + 1,
            bound: None,
        });
    }

    fn finish(mut self) -> Vec<NameUse> {
        self.uses.sort_by_key(|u| u.start);
        // Every file's summary is held until the index is built.
        self.uses.shrink_to_fit();
        self.uses
    }
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}.{b}"),
    }
}

/// `a` or `a.b.c` made of plain names only.
fn is_dotted(node: Node) -> bool {
    match node.kind() {
        "identifier" => true,
        "attribute" => node.child_by_field_id(field::OBJECT).is_some_and(is_dotted),
        _ => false,
    }
}

/// Whether the attribute is written: assigned, augmented or deleted.
fn is_store(path: Path) -> bool {
    let node = path.node();
    let Some(parent) = path.up() else {
        return false;
    };
    match parent.node().kind() {
        "assignment" | "augmented_assignment" => parent
            .node()
            .child_by_field_id(field::LEFT)
            .is_some_and(|left| left.id() == node.id()),
        "delete_statement" => true,
        "pattern_list" | "tuple_pattern" | "expression_list" => is_store(parent),
        _ => false,
    }
}

/// Names bound at module level, also inside top-level `if`/`try`/`with`.
pub fn collect_top_level(block: Node, text: &str, out: &mut Vec<String>) {
    let push = |name: &str, out: &mut Vec<String>| {
        if !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
    };
    let mut cursor = block.walk();
    for statement in block.named_children(&mut cursor) {
        let statement = match statement.kind() {
            "decorated_definition" => match statement.child_by_field_id(field::DEFINITION) {
                Some(definition) => definition,
                None => continue,
            },
            _ => statement,
        };
        match statement.kind() {
            "function_definition" | "class_definition" => {
                if let Some(name) = statement.child_by_field_id(field::NAME) {
                    push(&text[name.byte_range()], out);
                }
            }
            "expression_statement" => {
                for name in assigned_names(statement, text) {
                    push(name, out);
                }
            }
            "import_statement" | "import_from_statement" => {
                for name in import_bindings(statement, text) {
                    push(name, out);
                }
            }
            kind if crate::syntax::STATEMENT_CONTAINERS.contains(&kind)
                || kind.ends_with("_clause") =>
            {
                let mut inner = statement.walk();
                for child in statement.named_children(&mut inner) {
                    if matches!(
                        child.kind(),
                        "block"
                            | "else_clause"
                            | "elif_clause"
                            | "except_clause"
                            | "finally_clause"
                    ) {
                        collect_top_level(child, text, out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// `x = …`, `x: T = …`, `a, b = …`, `x = y = …`: the plain names bound.
pub fn assigned_names<'t>(statement: Node, text: &'t str) -> Vec<&'t str> {
    let mut names = Vec::new();
    let mut current = statement.named_child(0);
    while let Some(assignment) = current.filter(|n| n.kind() == "assignment") {
        if let Some(left) = assignment.child_by_field_id(field::LEFT) {
            target_names(left, text, &mut names);
        }
        current = assignment.child_by_field_id(field::RIGHT);
    }
    names
}

fn target_names<'t>(target: Node, text: &'t str, out: &mut Vec<&'t str>) {
    match target.kind() {
        "identifier" => out.push(&text[target.byte_range()]),
        "pattern_list" | "tuple_pattern" | "list_pattern" => {
            let mut cursor = target.walk();
            for child in target.named_children(&mut cursor) {
                target_names(child, text, out);
            }
        }
        _ => {}
    }
}

/// The local names an import statement binds.
pub fn import_bindings<'t>(statement: Node, text: &'t str) -> Vec<&'t str> {
    let mut cursor = statement.walk();
    field::children(statement, field::NAME, &mut cursor)
        .filter_map(|name| match name.kind() {
            "aliased_import" => name.child_by_field_id(field::ALIAS),
            _ => Some(name),
        })
        .map(|node| {
            let written = &text[node.byte_range()];
            if statement.kind() == "import_statement" {
                written.split('.').next().unwrap_or(written)
            } else {
                written
            }
        })
        .collect()
}

/// `__all__ = [...]` or `(...)` of string literals.
pub fn dunder_all(root: Node, text: &str) -> Option<Vec<String>> {
    let mut cursor = root.walk();
    let assignment = root
        .named_children(&mut cursor)
        .filter(|s| s.kind() == "expression_statement")
        .filter_map(|s| s.named_child(0))
        .filter(|a| a.kind() == "assignment")
        .find(|a| {
            a.child_by_field_id(field::LEFT)
                .is_some_and(|l| &text[l.byte_range()] == "__all__")
        })?;
    let value = assignment.child_by_field_id(field::RIGHT)?;
    if !matches!(value.kind(), "list" | "tuple") {
        return None;
    }
    let mut inner = value.walk();
    let names = value
        .named_children(&mut inner)
        .filter(|item| item.kind() == "string")
        .map(|item| {
            text[item.byte_range()]
                .trim_matches(|c| c == '"' || c == '\'')
                .to_string()
        })
        .collect();
    Some(names)
}

#[cfg(test)]
mod tests;
