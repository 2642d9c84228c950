//! Config provenance: decides whether an expression holds configuration, so
//! that `config.get("a", 1)` is told apart from `response.headers.get(...)`.
//!
//! Seeds are names matching the project's config names. Values flow through
//! assignments within a function (`x = config["a"]`, `x = y or {}`,
//! `{**defaults, **cfg}`, `for k, v in cfg.items()`), and through `self.attr`
//! assignments to every method of the class. Anything else is not config.

use crate::syntax::field;
use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use tree_sitter::{Node, Tree};

mod argparse;
mod matcher;
mod nodes;
mod structure;
#[cfg(test)]
pub(crate) mod tests;

use super::mapping::{LocalTypes, Shape};
use super::shapes::record_shape;
use crate::syntax::KindTable;
pub use argparse::unquote;
use argparse::{argparse_dests, is_parse_args_call};
pub use matcher::NameMatcher;
use nodes::first_parameter;
pub(crate) use nodes::{enclosing_class, parameter_names, self_name};
use nodes::{iterated_value, loop_value_targets, parameters_of};
use structure::Structure;

/// What a `where: {X: {provenance: …}}` constraint asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provenance {
    /// Configuration that the function cannot do without.
    Config,
    /// A config argument the function itself defaulted to an empty container
    /// (`cfg = cfg or {}`): making lookups hard-fail changes its contract.
    DefaultedConfig,
    /// An argparse namespace (`args`, or the result of `parse_args()`).
    ArgparseNamespace,
    /// Configuration whose type nothing in the file shows, in a project that
    /// defines a `get` method of its own: it may be that class, not a dict.
    UntypedConfig,
}

#[derive(Debug, Default)]
pub(super) struct ScopeFacts {
    config: HashSet<String>,
    defaulted: HashSet<String>,
    namespaces: HashSet<String>,
    pub(super) parameters: HashSet<String>,
    /// What annotations and assigned values say about names' types.
    pub(super) shapes: HashMap<String, Shape>,
}

/// A scope (function or module) by node id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ScopeRef(usize);

impl ScopeRef {
    pub(super) fn id(self) -> usize {
        self.0
    }
}

/// Provenance facts of one parsed file.
pub struct FileFacts<'a> {
    pub(super) source: &'a str,
    names: &'a NameMatcher,
    /// Keyed by function node id; the module scope is keyed by the root id.
    pub(super) scopes: HashMap<usize, ScopeFacts>,
    /// Config-derived `self` attributes, keyed by class node id.
    class_attrs: HashMap<usize, HashSet<String>>,
    /// What the code says about `self` attributes' types, keyed by class node id.
    pub(super) class_shapes: HashMap<usize, HashMap<String, Shape>>,
    /// Classes and functions of the file, for the shapes of values.
    pub(super) types: LocalTypes,
    /// Destinations of `add_argument(...)` calls in the file.
    pub argparse_dests: HashSet<String>,
    pub(super) root_id: usize,
    /// (start byte, end byte, node id) of every function, sorted by start:
    /// finding a node's scope by position avoids `Node::parent`, which walks
    /// down from the root each time.
    functions: Vec<(usize, usize, usize)>,
    /// Per method (function id): the name of its `self` parameter and its class id.
    pub(super) methods: HashMap<usize, (String, usize)>,
    /// Answers of `is_config_expr` by (node id, scope id), once the facts are
    /// complete (`None` while they are learned): nested lookups such as a
    /// chain of `.get()` calls ask about the same receivers again and again.
    settled: std::cell::RefCell<Option<HashMap<(usize, usize), bool>>>,
}

const MAX_ROUNDS: usize = 3;

impl<'a> FileFacts<'a> {
    pub fn analyze(
        tree: &Tree,
        source: &'a str,
        names: &'a NameMatcher,
        kinds: &KindTable,
    ) -> Self {
        let root = tree.root_node();
        let structure = Structure::collect(root, source, kinds);
        let mut scope_nodes = vec![root];
        scope_nodes.extend(structure.functions.iter().copied());
        let mut facts = FileFacts {
            source,
            names,
            scopes: HashMap::new(),
            class_attrs: HashMap::new(),
            class_shapes: HashMap::new(),
            types: LocalTypes::default(),
            argparse_dests: HashSet::new(),
            root_id: root.id(),
            functions: scope_nodes[1..]
                .iter()
                .map(|f| (f.start_byte(), f.end_byte(), f.id()))
                .collect(),
            methods: scope_nodes[1..]
                .iter()
                .filter_map(|f| {
                    // Each `parent()` walks down from the root: once per function.
                    let class = enclosing_class(*f)?;
                    let first = first_parameter(*f, source)?;
                    Some((f.id(), (first.to_string(), class.id())))
                })
                .collect(),
            settled: Default::default(),
        };
        facts.functions.sort_unstable();
        for definition in structure.functions.iter().chain(&structure.classes) {
            facts.types.learn(*definition, source);
        }
        for scope in &scope_nodes {
            let (parameters, annotations) = parameters_of(*scope, source);
            let mut shapes = HashMap::new();
            for (name, annotation) in annotations {
                record_shape(&mut shapes, &name, facts.types.annotation(&annotation));
            }
            facts.scopes.insert(
                scope.id(),
                ScopeFacts {
                    parameters,
                    shapes,
                    ..ScopeFacts::default()
                },
            );
        }
        for class in &structure.classes {
            facts.learn_class_annotations(*class);
        }
        for function in &structure.functions {
            facts.learn_property(*function);
        }
        let assignments: Vec<(Node, &Vec<Node>)> = scope_nodes
            .iter()
            .filter_map(|s| Some((*s, structure.assignments.get(&s.id())?)))
            .collect();
        for _ in 0..MAX_ROUNDS {
            let mut changed = false;
            for (scope, nodes) in &assignments {
                for node in nodes.iter() {
                    changed |= facts.learn(ScopeRef(scope.id()), *node);
                }
            }
            if !changed {
                break;
            }
        }
        facts.argparse_dests = argparse_dests(&structure.add_argument_calls, source);
        facts.settled = std::cell::RefCell::new(Some(HashMap::new()));
        facts
    }

    pub(super) fn text(&self, node: Node) -> &'a str {
        &self.source[node.byte_range()]
    }

    /// Records what one assignment teaches; true if anything was new.
    fn learn(&mut self, scope: ScopeRef, node: Node) -> bool {
        let mut annotation = None;
        let (targets, value) = match node.kind() {
            "assignment" => match (
                node.child_by_field_id(field::LEFT),
                node.child_by_field_id(field::RIGHT),
            ) {
                (Some(left), Some(right)) => {
                    annotation = node.child_by_field_id(field::TYPE);
                    (vec![left], right)
                }
                (Some(left), None) => return self.learn_annotation(scope, left, node),
                _ => return false,
            },
            "for_statement" | "for_in_clause" => match (
                node.child_by_field_id(field::LEFT),
                node.child_by_field_id(field::RIGHT),
            ) {
                (Some(left), Some(right)) => {
                    (loop_value_targets(left), iterated_value(right, self.source))
                }
                _ => return false,
            },
            _ => return false,
        };
        let mut changed = false;
        for target in targets {
            changed |= self.learn_target(scope, target, value, annotation);
        }
        changed
    }

    fn learn_target(
        &mut self,
        scope: ScopeRef,
        target: Node,
        value: Node,
        annotation: Option<Node>,
    ) -> bool {
        let is_config = self.is_config_expr(value, scope);
        let shape = match annotation {
            Some(annotation) => self.types.annotation(self.text(annotation)),
            None => self.value_shape(value, scope),
        };
        match target.kind() {
            "identifier" => {
                let name = self.text(target).to_string();
                let is_namespace = is_parse_args_call(value, self.source);
                let defaulted = self.is_self_default(scope, &name, value);
                let facts = self.scopes.entry(scope.id()).or_default();
                let mut changed = record_shape(&mut facts.shapes, &name, shape);
                if defaulted {
                    changed |= facts.defaulted.insert(name.clone());
                }
                if is_namespace {
                    changed |= facts.namespaces.insert(name.clone());
                }
                if is_config {
                    changed |= facts.config.insert(name);
                }
                changed
            }
            "attribute" => {
                let (Some(object), Some(attr)) = (
                    target.child_by_field_id(field::OBJECT),
                    target.child_by_field_id(field::ATTRIBUTE),
                ) else {
                    return false;
                };
                match self.methods.get(&scope.id()) {
                    Some((self_name, class)) if self_name == self.text(object) => {
                        let (class, attr) = (*class, self.text(attr).to_string());
                        let shapes = self.class_shapes.entry(class).or_default();
                        let changed = record_shape(shapes, &attr, shape);
                        changed
                            | (is_config && self.class_attrs.entry(class).or_default().insert(attr))
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// `cfg = cfg or {}` (or `[]`, `dict()`), where `cfg` is a parameter.
    fn is_self_default(&self, scope: ScopeRef, name: &str, value: Node) -> bool {
        let is_parameter = self
            .scopes
            .get(&scope.id())
            .is_some_and(|s| s.parameters.contains(name));
        if !is_parameter || value.kind() != "boolean_operator" {
            return false;
        }
        let (Some(left), Some(right)) = (
            value.child_by_field_id(field::LEFT),
            value.child_by_field_id(field::RIGHT),
        ) else {
            return false;
        };
        self.text(left) == name
            && matches!(
                self.text(right).replace(' ', "").as_str(),
                "{}" | "[]" | "dict()" | "list()"
            )
    }

    /// Whether `expr`, evaluated in `scope`, holds configuration
    /// (remembered once the facts are complete).
    pub(super) fn is_config_expr(&self, expr: Node, scope: ScopeRef) -> bool {
        let key = (expr.id(), scope.id());
        if let Some(known) = self.settled.borrow().as_ref().and_then(|m| m.get(&key)) {
            return *known;
        }
        let answer = self.config_expr_uncached(expr, scope);
        if let Some(memo) = self.settled.borrow_mut().as_mut() {
            memo.insert(key, answer);
        }
        answer
    }

    fn config_expr_uncached(&self, expr: Node, scope: ScopeRef) -> bool {
        match expr.kind() {
            "identifier" => self.is_config_name(self.text(expr), scope),
            "attribute" => self.is_config_attribute(expr, scope),
            "subscript" => expr
                .child_by_field_id(field::VALUE)
                .is_some_and(|v| self.is_config_expr(v, scope)),
            "call" => self.is_config_call(expr, scope),
            "parenthesized_expression" => {
                named_child(expr).is_some_and(|inner| self.is_config_expr(inner, scope))
            }
            "boolean_operator" => [field::LEFT, field::RIGHT].into_iter().any(|f| {
                expr.child_by_field_id(f)
                    .is_some_and(|side| self.is_config_expr(side, scope))
            }),
            "conditional_expression" => {
                named_child(expr).is_some_and(|first| self.is_config_expr(first, scope))
                    || expr
                        .named_child(2)
                        .is_some_and(|other| self.is_config_expr(other, scope))
            }
            "dictionary" => {
                let mut cursor = expr.walk();
                expr.named_children(&mut cursor)
                    .filter(|child| child.kind() == "dictionary_splat")
                    .any(|splat| {
                        named_child(splat).is_some_and(|inner| self.is_config_expr(inner, scope))
                    })
            }
            _ => false,
        }
    }

    fn is_config_name(&self, name: &str, scope: ScopeRef) -> bool {
        if matches!(self.name_shape(name, scope), Shape::NotMapping(_)) {
            return false;
        }
        if self.names.matches(name) {
            return true;
        }
        let local = self.scopes.get(&scope.id());
        if local.is_some_and(|s| s.config.contains(name)) {
            return true;
        }
        let assigned_locally = local.is_some_and(|s| s.parameters.contains(name));
        !assigned_locally
            && scope.id() != self.root_id
            && self
                .scopes
                .get(&self.root_id)
                .is_some_and(|m| m.config.contains(name))
    }

    fn is_config_attribute(&self, expr: Node, scope: ScopeRef) -> bool {
        let (Some(object), Some(attr)) = (
            expr.child_by_field_id(field::OBJECT),
            expr.child_by_field_id(field::ATTRIBUTE),
        ) else {
            return false;
        };
        let attr = self.text(attr);
        let method = self.methods.get(&scope.id());
        if let Some((_, class)) = method.filter(|(self_name, _)| self_name == self.text(object)) {
            let shape = self.class_shapes.get(class).and_then(|s| s.get(attr));
            if matches!(shape, Some(Shape::NotMapping(_))) {
                return false;
            }
            let learned = self
                .class_attrs
                .get(class)
                .is_some_and(|a| a.contains(attr));
            return learned || self.names.matches_trimmed(attr);
        }
        self.names.matches(attr) && object.kind() == "identifier"
    }

    /// `cfg.get(...)`, `cfg.copy()`, `cfg.setdefault(...)`, `dict(cfg)`, `deepcopy(cfg)`.
    fn is_config_call(&self, call: Node, scope: ScopeRef) -> bool {
        let Some(function) = call.child_by_field_id(field::FUNCTION) else {
            return false;
        };
        if function.kind() == "attribute" {
            let method = function
                .child_by_field_id(field::ATTRIBUTE)
                .map(|a| self.text(a));
            let receiver = function.child_by_field_id(field::OBJECT);
            if matches!(method, Some("get" | "copy" | "setdefault" | "values")) {
                return receiver.is_some_and(|r| self.is_config_expr(r, scope));
            }
        }
        let wraps = matches!(
            self.text(function),
            "dict" | "deepcopy" | "copy.deepcopy" | "copy.copy"
        );
        wraps
            && call
                .child_by_field_id(field::ARGUMENTS)
                .and_then(named_child)
                .is_some_and(|arg| self.is_config_expr(arg, scope))
    }

    /// The innermost function containing `node` (by position), or the module.
    pub(super) fn enclosing_scope(&self, node: Node) -> ScopeRef {
        let end = self
            .functions
            .partition_point(|(start, ..)| *start <= node.start_byte());
        let found = self.functions[..end]
            .iter()
            .rev()
            .find(|(start, stop, id)| {
                *start <= node.start_byte() && node.end_byte() <= *stop && *id != node.id()
            });
        ScopeRef(found.map_or(self.root_id, |(.., id)| *id))
    }

    /// The provenance of `node`, if it has one.
    pub fn provenance_of(&self, node: Node) -> Option<Provenance> {
        let scope = self.enclosing_scope(node);
        if node.kind() == "identifier" {
            let name = self.text(node);
            let facts = self.scopes.get(&scope.id());
            if name == "args" || facts.is_some_and(|f| f.namespaces.contains(name)) {
                return Some(Provenance::ArgparseNamespace);
            }
            if facts.is_some_and(|f| f.defaulted.contains(name)) {
                return Some(Provenance::DefaultedConfig);
            }
        }
        self.is_config_expr(node, scope)
            .then_some(Provenance::Config)
    }
}

pub(super) fn named_child(node: Node) -> Option<Node> {
    node.named_child(0)
}
