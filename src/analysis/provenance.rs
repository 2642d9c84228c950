//! Config provenance: decides whether an expression holds configuration, so
//! that `config.get("a", 1)` is told apart from `response.headers.get(...)`.
//!
//! Seeds are names matching the project's config names. Values flow through
//! assignments within a function (`x = config["a"]`, `x = y or {}`,
//! `{**defaults, **cfg}`, `for k, v in cfg.items()`), and through `self.attr`
//! assignments to every method of the class. Anything else is not config.

use std::collections::{HashMap, HashSet};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};
use tree_sitter::{Node, Tree};

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
}

/// Config name patterns such as `config`, `*_config`.
#[derive(Debug, Clone)]
pub struct NameMatcher {
    set: GlobSet,
}

impl NameMatcher {
    pub fn new(patterns: &[String]) -> Result<Self, globset::Error> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            builder.add(Glob::new(pattern)?);
        }
        Ok(NameMatcher {
            set: builder.build()?,
        })
    }

    pub fn matches(&self, name: &str) -> bool {
        self.set.is_match(name)
    }
}

#[derive(Debug, Default)]
struct ScopeFacts {
    config: HashSet<String>,
    defaulted: HashSet<String>,
    namespaces: HashSet<String>,
    parameters: HashSet<String>,
}

/// Provenance facts of one parsed file.
pub struct FileFacts<'a> {
    source: &'a str,
    names: &'a NameMatcher,
    /// Keyed by function node id; the module scope is keyed by the root id.
    scopes: HashMap<usize, ScopeFacts>,
    /// Config-derived `self` attributes, keyed by class node id.
    class_attrs: HashMap<usize, HashSet<String>>,
    /// Destinations of `add_argument(...)` calls in the file.
    pub argparse_dests: HashSet<String>,
}

const MAX_ROUNDS: usize = 3;

impl<'a> FileFacts<'a> {
    pub fn analyze(tree: &Tree, source: &'a str, names: &'a NameMatcher) -> Self {
        let mut facts = FileFacts {
            source,
            names,
            scopes: HashMap::new(),
            class_attrs: HashMap::new(),
            argparse_dests: HashSet::new(),
        };
        let root = tree.root_node();
        let mut scope_nodes = vec![root];
        collect_kind(root, "function_definition", &mut scope_nodes);
        for scope in &scope_nodes {
            facts.scopes.insert(
                scope.id(),
                ScopeFacts {
                    parameters: parameter_names(*scope, source),
                    ..ScopeFacts::default()
                },
            );
        }
        let assignments: Vec<(Node, Vec<Node>)> = scope_nodes
            .iter()
            .map(|s| (*s, scope_assignments(*s)))
            .collect();
        for _ in 0..MAX_ROUNDS {
            let mut changed = false;
            for (scope, nodes) in &assignments {
                for node in nodes {
                    changed |= facts.learn(*scope, *node);
                }
            }
            if !changed {
                break;
            }
        }
        facts.argparse_dests = argparse_dests(root, source);
        facts
    }

    fn text(&self, node: Node) -> &'a str {
        &self.source[node.byte_range()]
    }

    /// Records what one assignment teaches; true if anything was new.
    fn learn(&mut self, scope: Node, node: Node) -> bool {
        let (targets, value) = match node.kind() {
            "assignment" => match (
                node.child_by_field_name("left"),
                node.child_by_field_name("right"),
            ) {
                (Some(left), Some(right)) => (vec![left], right),
                _ => return false,
            },
            "for_statement" | "for_in_clause" => match (
                node.child_by_field_name("left"),
                node.child_by_field_name("right"),
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
            changed |= self.learn_target(scope, target, value);
        }
        changed
    }

    fn learn_target(&mut self, scope: Node, target: Node, value: Node) -> bool {
        let is_config = self.is_config_expr(value, scope);
        match target.kind() {
            "identifier" => {
                let name = self.text(target).to_string();
                let is_namespace = is_parse_args_call(value, self.source);
                let defaulted = self.is_self_default(scope, &name, value);
                let facts = self.scopes.entry(scope.id()).or_default();
                let mut changed = false;
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
            "attribute" if is_config => {
                let (Some(object), Some(attr)) = (
                    target.child_by_field_name("object"),
                    target.child_by_field_name("attribute"),
                ) else {
                    return false;
                };
                match enclosing_class(scope) {
                    Some(class)
                        if self_name(scope, self.source)
                            .is_some_and(|s| s == self.text(object)) =>
                    {
                        let attr = self.text(attr).to_string();
                        self.class_attrs.entry(class.id()).or_default().insert(attr)
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// `cfg = cfg or {}` (or `[]`, `dict()`), where `cfg` is a parameter.
    fn is_self_default(&self, scope: Node, name: &str, value: Node) -> bool {
        let is_parameter = self
            .scopes
            .get(&scope.id())
            .is_some_and(|s| s.parameters.contains(name));
        if !is_parameter || value.kind() != "boolean_operator" {
            return false;
        }
        let (Some(left), Some(right)) = (
            value.child_by_field_name("left"),
            value.child_by_field_name("right"),
        ) else {
            return false;
        };
        self.text(left) == name
            && matches!(
                self.text(right).replace(' ', "").as_str(),
                "{}" | "[]" | "dict()" | "list()"
            )
    }

    /// Whether `expr`, evaluated in `scope`, holds configuration.
    fn is_config_expr(&self, expr: Node, scope: Node) -> bool {
        match expr.kind() {
            "identifier" => self.is_config_name(self.text(expr), scope),
            "attribute" => self.is_config_attribute(expr, scope),
            "subscript" => expr
                .child_by_field_name("value")
                .is_some_and(|v| self.is_config_expr(v, scope)),
            "call" => self.is_config_call(expr, scope),
            "parenthesized_expression" => {
                named_child(expr).is_some_and(|inner| self.is_config_expr(inner, scope))
            }
            "boolean_operator" => ["left", "right"].iter().any(|f| {
                expr.child_by_field_name(f)
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

    fn is_config_name(&self, name: &str, scope: Node) -> bool {
        if self.names.matches(name) {
            return true;
        }
        let local = self.scopes.get(&scope.id());
        if local.is_some_and(|s| s.config.contains(name)) {
            return true;
        }
        let assigned_locally = local.is_some_and(|s| s.parameters.contains(name));
        !assigned_locally
            && scope.parent().is_some()
            && self
                .module_scope(scope)
                .is_some_and(|m| m.config.contains(name))
    }

    fn module_scope(&self, node: Node) -> Option<&ScopeFacts> {
        let mut root = node;
        while let Some(parent) = root.parent() {
            root = parent;
        }
        self.scopes.get(&root.id())
    }

    fn is_config_attribute(&self, expr: Node, scope: Node) -> bool {
        let (Some(object), Some(attr)) = (
            expr.child_by_field_name("object"),
            expr.child_by_field_name("attribute"),
        ) else {
            return false;
        };
        let attr = self.text(attr);
        let on_self = self_name(scope, self.source).is_some_and(|s| s == self.text(object));
        if on_self {
            let learned = enclosing_class(scope).is_some_and(|c| {
                self.class_attrs
                    .get(&c.id())
                    .is_some_and(|a| a.contains(attr))
            });
            return learned
                || self.names.matches(attr.trim_start_matches('_'))
                || self.names.matches(attr);
        }
        self.names.matches(attr) && object.kind() == "identifier"
    }

    /// `cfg.get(...)`, `cfg.copy()`, `cfg.setdefault(...)`, `dict(cfg)`, `deepcopy(cfg)`.
    fn is_config_call(&self, call: Node, scope: Node) -> bool {
        let Some(function) = call.child_by_field_name("function") else {
            return false;
        };
        if function.kind() == "attribute" {
            let method = function
                .child_by_field_name("attribute")
                .map(|a| self.text(a));
            let receiver = function.child_by_field_name("object");
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
                .child_by_field_name("arguments")
                .and_then(named_child)
                .is_some_and(|arg| self.is_config_expr(arg, scope))
    }

    /// The provenance of `node`, if it has one.
    pub fn provenance_of(&self, node: Node) -> Option<Provenance> {
        let scope = enclosing_scope(node);
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

fn named_child(node: Node) -> Option<Node> {
    node.named_child(0)
}

fn collect_kind<'t>(node: Node<'t>, kind: &str, out: &mut Vec<Node<'t>>) {
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        if child.kind() == kind {
            out.push(child);
        }
        collect_kind(child, kind, out);
    }
}

/// Assignments and loops that belong to `scope` itself (not nested defs).
fn scope_assignments(scope: Node) -> Vec<Node> {
    let mut found = Vec::new();
    let body = if scope.kind() == "module" {
        Some(scope)
    } else {
        scope.child_by_field_name("body")
    };
    let mut stack: Vec<Node> = body.into_iter().collect();
    while let Some(node) = stack.pop() {
        if matches!(
            node.kind(),
            "assignment" | "for_statement" | "for_in_clause"
        ) {
            found.push(node);
        }
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if !matches!(
                child.kind(),
                "function_definition" | "class_definition" | "lambda"
            ) {
                stack.push(child);
            }
        }
    }
    found.sort_by_key(|n| n.start_byte());
    found
}

/// For `for k, v in cfg.items()` only `v` carries config; otherwise every name.
fn loop_value_targets(left: Node) -> Vec<Node> {
    if matches!(left.kind(), "pattern_list" | "tuple_pattern") && left.named_child_count() == 2 {
        return left.named_child(1).into_iter().collect();
    }
    vec![left]
}

/// `cfg.items()` / `cfg.values()` iterate the config's values.
fn iterated_value<'t>(right: Node<'t>, source: &str) -> Node<'t> {
    let function = right
        .child_by_field_name("function")
        .filter(|f| right.kind() == "call" && f.kind() == "attribute");
    let is_view = function
        .and_then(|f| f.child_by_field_name("attribute"))
        .is_some_and(|m| matches!(&source[m.byte_range()], "items" | "values"));
    match function.and_then(|f| f.child_by_field_name("object")) {
        Some(object) if is_view => object,
        _ => right,
    }
}

fn is_parse_args_call(value: Node, source: &str) -> bool {
    value.kind() == "call"
        && value.child_by_field_name("function").is_some_and(|f| {
            let text = &source[f.byte_range()];
            text.ends_with(".parse_args") || text == "parse_args"
        })
}

fn parameter_names(function: Node, source: &str) -> HashSet<String> {
    let mut names = HashSet::new();
    let Some(parameters) = function.child_by_field_name("parameters") else {
        return names;
    };
    let mut cursor = parameters.walk();
    for parameter in parameters.named_children(&mut cursor) {
        let name_node = match parameter.kind() {
            "identifier" => Some(parameter),
            _ => parameter
                .child_by_field_name("name")
                .or_else(|| parameter.named_child(0)),
        };
        if let Some(node) = name_node.filter(|n| n.kind() == "identifier") {
            names.insert(source[node.byte_range()].to_string());
        }
    }
    names
}

/// The nearest enclosing function, or the module.
pub fn enclosing_scope(node: Node) -> Node {
    let mut current = node;
    while let Some(parent) = current.parent() {
        if parent.kind() == "function_definition" {
            return parent;
        }
        current = parent;
    }
    current
}

/// The class whose method `function` is.
fn enclosing_class(function: Node) -> Option<Node> {
    let mut parent = function.parent()?;
    if parent.kind() == "decorated_definition" {
        parent = parent.parent()?;
    }
    (parent.kind() == "block").then_some(())?;
    parent.parent().filter(|p| p.kind() == "class_definition")
}

/// The first parameter of a method (`self` by convention).
fn self_name<'s>(function: Node, source: &'s str) -> Option<&'s str> {
    enclosing_class(function)?;
    let parameters = function.child_by_field_name("parameters")?;
    let first = parameters
        .named_child(0)
        .filter(|p| p.kind() == "identifier")?;
    Some(&source[first.byte_range()])
}

/// `dest` names of every `add_argument(...)` call: `dest=` if given, else
/// the first long option (`--no-validation` → `no_validation`), else the
/// first positional name.
fn argparse_dests(root: Node, source: &str) -> HashSet<String> {
    let mut calls = Vec::new();
    collect_kind(root, "call", &mut calls);
    let mut dests = HashSet::new();
    for call in calls {
        let is_add_argument = call
            .child_by_field_name("function")
            .is_some_and(|f| source[f.byte_range()].ends_with("add_argument"));
        let Some(arguments) = call
            .child_by_field_name("arguments")
            .filter(|_| is_add_argument)
        else {
            continue;
        };
        let mut options = Vec::new();
        let mut dest = None;
        let mut cursor = arguments.walk();
        for argument in arguments.named_children(&mut cursor) {
            match argument.kind() {
                "string" => options.push(unquote(&source[argument.byte_range()])),
                "keyword_argument" => {
                    let name = argument
                        .child_by_field_name("name")
                        .map(|n| &source[n.byte_range()]);
                    let value = argument
                        .child_by_field_name("value")
                        .filter(|v| v.kind() == "string");
                    if let (Some("dest"), Some(value)) = (name, value) {
                        dest = Some(unquote(&source[value.byte_range()]));
                    }
                }
                _ => {}
            }
        }
        let long = options
            .iter()
            .find(|o| o.starts_with("--"))
            .map(|o| o.trim_start_matches('-').replace('-', "_"));
        let positional = options.iter().find(|o| !o.starts_with('-')).cloned();
        if let Some(found) = dest.or(long).or(positional) {
            dests.insert(found);
        }
    }
    dests
}

/// The value of a plain string literal (no escapes interpreted).
pub fn unquote(literal: &str) -> String {
    let body = literal.trim_start_matches(['r', 'R', 'u', 'U', 'b', 'B']);
    for quote in ["\"\"\"", "'''", "\"", "'"] {
        if let Some(inner) = body.strip_prefix(quote).and_then(|b| b.strip_suffix(quote)) {
            return inner.to_string();
        }
    }
    literal.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax;

    fn names() -> NameMatcher {
        let defaults = crate::project::Settings::default().config_names;
        NameMatcher::new(&defaults).unwrap()
    }

    /// Provenance of the receiver of the first `.get` whose text starts with `receiver`.
    fn provenance(source: &str, receiver: &str, nth: usize) -> Option<Provenance> {
        let tree = syntax::parse(source);
        let names = names();
        let facts = FileFacts::analyze(&tree, source, &names);
        let mut attributes = Vec::new();
        collect_kind(tree.root_node(), "call", &mut attributes);
        let receivers: Vec<Node> = attributes
            .iter()
            .filter_map(|call| call.child_by_field_name("function"))
            .filter(|f| f.kind() == "attribute")
            .filter_map(|f| f.child_by_field_name("object"))
            .filter(|o| &source[o.byte_range()] == receiver)
            .collect();
        facts.provenance_of(receivers[nth])
    }

    #[test]
    fn seeds_and_local_flow() {
        let source = "def f(config):\n    sb = config.get('script-behavior', {})\n    rl = sb['rate']\n    return rl.get('enabled', False)\n";
        assert_eq!(provenance(source, "config", 0), Some(Provenance::Config));
        assert_eq!(provenance(source, "rl", 0), Some(Provenance::Config));
    }

    #[test]
    fn api_data_is_not_config() {
        let source = "def f(self, response):\n    body = response.json()\n    body.get('error', {})\n    response.headers.get('Retry-After', 5)\n    os.environ.get('X', 1)\n    kwargs.get('indent', 2)\n";
        assert_eq!(provenance(source, "body", 0), None);
        assert_eq!(provenance(source, "response.headers", 0), None);
        assert_eq!(provenance(source, "os.environ", 0), None);
        assert_eq!(provenance(source, "kwargs", 0), None);
    }

    #[test]
    fn self_attributes_flow_through_the_class() {
        let source = "class Api:\n    def __init__(self, timeout_config=None):\n        self.timeouts = {**DEFAULTS, **(timeout_config or {})}\n        self.cache = {}\n    def call(self):\n        self.timeouts.get('rest', 60)\n        self.cache.get('k', 1)\n";
        assert_eq!(
            provenance(source, "self.timeouts", 0),
            Some(Provenance::Config)
        );
        assert_eq!(provenance(source, "self.cache", 0), None);
    }

    #[test]
    fn or_defaults_and_loops() {
        let source = "def f(batch_config=None, cfg=None):\n    batch_config = batch_config or {}\n    batch_config.get('size', 20)\n    x = cfg or {}\n    x.get('a', 1)\n    for k, v in cfg.items():\n        v.get('b', 2)\n";
        assert_eq!(
            provenance(source, "batch_config", 0),
            Some(Provenance::DefaultedConfig)
        );
        assert_eq!(provenance(source, "x", 0), Some(Provenance::Config));
        assert_eq!(provenance(source, "v", 0), Some(Provenance::Config));
    }

    #[test]
    fn methods_named_get_on_other_objects_are_calls() {
        let source = "class C:\n    def run(self, cache):\n        self.get(url)\n        cache.get('k', None)\n";
        assert_eq!(provenance(source, "self", 0), None);
        assert_eq!(provenance(source, "cache", 0), None);
    }

    #[test]
    fn argparse_namespaces_and_dests() {
        let source = "p = argparse.ArgumentParser()\np.add_argument('--no-validation', action='store_true')\np.add_argument('-d', '--debug')\np.add_argument('env')\np.add_argument('--x', dest='why')\nns = p.parse_args()\nns.get('a')\n";
        let tree = syntax::parse(source);
        let names = names();
        let facts = FileFacts::analyze(&tree, source, &names);
        let mut dests: Vec<_> = facts.argparse_dests.iter().cloned().collect();
        dests.sort();
        assert_eq!(dests, ["debug", "env", "no_validation", "why"]);
        assert_eq!(
            provenance(source, "ns", 0),
            Some(Provenance::ArgparseNamespace)
        );
    }
}
