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

use crate::syntax::{
    KindSet, KindTable, STATEMENT_CONTAINERS, spans_any, walk_pruned, word_positions,
};

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

/// Config name patterns such as `config`, `*_config`. Exact names,
/// `*suffix` and `prefix*` are checked directly (this runs for every
/// identifier the analysis looks at); other globs fall back to a glob set.
#[derive(Debug, Clone)]
pub struct NameMatcher {
    exact: HashSet<String>,
    suffixes: Vec<String>,
    prefixes: Vec<String>,
    others: GlobSet,
}

impl NameMatcher {
    pub fn new(patterns: &[String]) -> Result<Self, globset::Error> {
        let mut matcher = NameMatcher {
            exact: HashSet::new(),
            suffixes: Vec::new(),
            prefixes: Vec::new(),
            others: GlobSet::empty(),
        };
        let mut others = GlobSetBuilder::new();
        for pattern in patterns {
            let is_plain = |s: &str| !s.is_empty() && !s.contains(['*', '?', '[', ']', '{', '}']);
            match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
                (Some(suffix), _) if is_plain(suffix) => matcher.suffixes.push(suffix.to_string()),
                (_, Some(prefix)) if is_plain(prefix) => matcher.prefixes.push(prefix.to_string()),
                _ if is_plain(pattern) => {
                    matcher.exact.insert(pattern.clone());
                }
                _ => {
                    others.add(Glob::new(pattern)?);
                }
            }
        }
        matcher.others = others.build()?;
        Ok(matcher)
    }

    /// Whether a name this matcher accepts can occur in `text` at all: false
    /// only when no literal name, prefix or suffix appears anywhere in it.
    /// Configuration provenance always starts at such a name, so a file
    /// where none appears needs no provenance analysis.
    pub fn may_appear_in(&self, text: &str) -> bool {
        !self.others.is_empty()
            || self
                .exact
                .iter()
                .chain(&self.suffixes)
                .chain(&self.prefixes)
                .any(|literal| memchr::memmem::find(text.as_bytes(), literal.as_bytes()).is_some())
    }

    pub fn matches(&self, name: &str) -> bool {
        self.exact.contains(name)
            || self.suffixes.iter().any(|s| name.ends_with(s.as_str()))
            || self.prefixes.iter().any(|p| name.starts_with(p.as_str()))
            || (!self.others.is_empty() && self.others.is_match(name))
    }
}

#[derive(Debug, Default)]
struct ScopeFacts {
    config: HashSet<String>,
    defaulted: HashSet<String>,
    namespaces: HashSet<String>,
    parameters: HashSet<String>,
}

/// A scope (function or module) by node id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ScopeRef(usize);

impl ScopeRef {
    fn id(self) -> usize {
        self.0
    }
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
    root_id: usize,
    /// (start byte, end byte, node id) of every function, sorted by start:
    /// finding a node's scope by position avoids `Node::parent`, which walks
    /// down from the root each time.
    functions: Vec<(usize, usize, usize)>,
    /// Per method (function id): the name of its `self` parameter and its class id.
    methods: HashMap<usize, (String, usize)>,
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
            argparse_dests: HashSet::new(),
            root_id: root.id(),
            functions: scope_nodes[1..]
                .iter()
                .map(|f| (f.start_byte(), f.end_byte(), f.id()))
                .collect(),
            methods: scope_nodes[1..]
                .iter()
                .filter_map(|f| {
                    Some((
                        f.id(),
                        (
                            self_name(*f, source)?.to_string(),
                            enclosing_class(*f)?.id(),
                        ),
                    ))
                })
                .collect(),
        };
        facts.functions.sort_unstable();
        for scope in &scope_nodes {
            facts.scopes.insert(
                scope.id(),
                ScopeFacts {
                    parameters: parameter_names(*scope, source),
                    ..ScopeFacts::default()
                },
            );
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
        facts
    }

    fn text(&self, node: Node) -> &'a str {
        &self.source[node.byte_range()]
    }

    /// Records what one assignment teaches; true if anything was new.
    fn learn(&mut self, scope: ScopeRef, node: Node) -> bool {
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

    fn learn_target(&mut self, scope: ScopeRef, target: Node, value: Node) -> bool {
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
                match self.methods.get(&scope.id()) {
                    Some((self_name, class)) if self_name == self.text(object) => {
                        let (class, attr) = (*class, self.text(attr).to_string());
                        self.class_attrs.entry(class).or_default().insert(attr)
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
    fn is_config_expr(&self, expr: Node, scope: ScopeRef) -> bool {
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

    fn is_config_name(&self, name: &str, scope: ScopeRef) -> bool {
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
            expr.child_by_field_name("object"),
            expr.child_by_field_name("attribute"),
        ) else {
            return false;
        };
        let attr = self.text(attr);
        let method = self.methods.get(&scope.id());
        if let Some((_, class)) = method.filter(|(self_name, _)| self_name == self.text(object)) {
            let learned = self
                .class_attrs
                .get(class)
                .is_some_and(|a| a.contains(attr));
            return learned
                || self.names.matches(attr.trim_start_matches('_'))
                || self.names.matches(attr);
        }
        self.names.matches(attr) && object.kind() == "identifier"
    }

    /// `cfg.get(...)`, `cfg.copy()`, `cfg.setdefault(...)`, `dict(cfg)`, `deepcopy(cfg)`.
    fn is_config_call(&self, call: Node, scope: ScopeRef) -> bool {
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

    /// The innermost function containing `node` (by position), or the module.
    fn enclosing_scope(&self, node: Node) -> ScopeRef {
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

fn named_child(node: Node) -> Option<Node> {
    node.named_child(0)
}

/// What the analysis needs from the tree, gathered in one cursor walk:
/// functions, the assignments and loops of each scope (module or function;
/// class bodies and lambdas excluded), and `add_argument(...)` calls.
struct Structure<'t> {
    functions: Vec<Node<'t>>,
    assignments: HashMap<usize, Vec<Node<'t>>>,
    add_argument_calls: Vec<Node<'t>>,
}

impl<'t> Structure<'t> {
    fn collect(root: Node<'t>, source: &str, kinds: &KindTable) -> Self {
        let with_calls = source.contains("add_argument");
        let descend = Structure::descend_where(source, kinds, with_calls);
        Structure::collect_entering(root, with_calls, descend)
    }

    fn collect_entering(root: Node<'t>, with_calls: bool, descend: impl Fn(Node) -> bool) -> Self {
        let mut structure = Structure {
            functions: Vec::new(),
            assignments: HashMap::new(),
            add_argument_calls: Vec::new(),
        };
        // Open scopes as (end byte, scope id); `None` marks a class body or
        // lambda, whose assignments belong to no function scope.
        let mut open: Vec<(usize, Option<usize>)> = vec![(usize::MAX, Some(root.id()))];
        walk_pruned(root, descend, |node| {
            while open
                .last()
                .is_some_and(|(end, _)| node.start_byte() >= *end)
            {
                open.pop();
            }
            structure.visit(node, &mut open, with_calls);
        });
        structure
    }

    /// Which nodes the walk enters: statements and assignments (chained
    /// ones nest), and expressions only where the text holds a `for`
    /// (comprehension loops bind names), a `lambda` (a scope) or, when
    /// wanted, an `add_argument` call. Everything else it collects is a
    /// statement.
    fn descend_where(source: &str, kinds: &KindTable, with_calls: bool) -> impl Fn(Node) -> bool {
        let mut entered: Vec<&str> = STATEMENT_CONTAINERS.to_vec();
        entered.extend(["expression_statement", "assignment"]);
        let entered = KindSet::new(kinds, &entered);
        let bytes = source.as_bytes();
        let mut spots: Vec<usize> = word_positions(bytes, "for")
            .chain(word_positions(bytes, "lambda"))
            .collect();
        if with_calls {
            spots.extend(memchr::memmem::find_iter(bytes, b"add_argument"));
        }
        spots.sort_unstable();
        move |node| node.has_error() || entered.contains(node) || spans_any(node, &spots)
    }

    fn visit(&mut self, node: Node<'t>, open: &mut Vec<(usize, Option<usize>)>, with_calls: bool) {
        match node.kind() {
            "function_definition" => {
                self.functions.push(node);
                open.push((node.end_byte(), Some(node.id())));
            }
            "class_definition" | "lambda" => open.push((node.end_byte(), None)),
            "assignment" | "for_statement" | "for_in_clause" => {
                if let Some((_, Some(scope))) = open.last() {
                    self.assignments.entry(*scope).or_default().push(node);
                }
            }
            "call" if with_calls => self.add_argument_calls.push(node),
            _ => {}
        }
    }
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

pub(crate) fn parameter_names(function: Node, source: &str) -> HashSet<String> {
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
fn argparse_dests(calls: &[Node], source: &str) -> HashSet<String> {
    let mut dests = HashSet::new();
    for &call in calls {
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

    fn collect_kind<'t>(node: Node<'t>, kind: &str, out: &mut Vec<Node<'t>>) {
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if child.kind() == kind {
                out.push(child);
            }
            collect_kind(child, kind, out);
        }
    }

    use crate::syntax;

    fn names() -> NameMatcher {
        let defaults = crate::project::Settings::default().config_names;
        NameMatcher::new(&defaults).unwrap()
    }

    #[test]
    fn config_names_may_appear_only_where_their_literals_do() {
        let names = names();
        assert!(names.may_appear_in("self._settings = load()"));
        assert!(names.may_appear_in("x = retry_cfg"));
        assert!(!names.may_appear_in("headers.get('Retry-After', 5)"));
        let globbed = NameMatcher::new(&["c?g".to_string()]).unwrap();
        assert!(globbed.may_appear_in("anything"));
    }

    #[test]
    fn the_pruned_walk_collects_what_the_full_walk_does() {
        let source = "import argparse\nfrom x import (cfg,\n  y)\nclass C:\n    a = 1\n    def m(self, settings):\n        self.s = settings\n        v = [k for k in self.s.values()]\n        f = lambda q: [z for z in q]\n        if v:\n            w = u = {s: t for s, t in settings.items()}\n    def n(self): return self.s.get('a', 1)\ndef g(p):\n    p._add_argument('--x', dest='y')\n    for i in range(3):\n        try:\n            r = config['a']\n        except KeyError as e:\n            with open(f) as h:\n                r = (h.read() if h else [a for a in b])\nmatch q:\n    case 1:\n        m = 2\nformat = before_for = 1\n";
        let tree = syntax::parse(source);
        let root = tree.root_node();
        let kinds = KindTable::new();
        let pruned = Structure::collect(root, source, &kinds);
        let full = Structure::collect_entering(root, true, |_| true);
        assert_eq!(pruned.functions, full.functions);
        let ids = |s: &Structure| {
            let mut all: Vec<(usize, Vec<usize>)> = s
                .assignments
                .iter()
                .map(|(scope, nodes)| (*scope, nodes.iter().map(|n| n.id()).collect()))
                .collect();
            all.sort();
            all
        };
        assert_eq!(ids(&pruned), ids(&full));
        assert_eq!(ids(&full).iter().map(|(_, n)| n.len()).sum::<usize>(), 14);
        let dests = argparse_dests(&pruned.add_argument_calls, source);
        assert_eq!(dests, argparse_dests(&full.add_argument_calls, source));
        assert_eq!(dests, HashSet::from(["y".to_string()]));
    }

    /// Provenance of the receiver of the first `.get` whose text starts with `receiver`.
    fn provenance(source: &str, receiver: &str, nth: usize) -> Option<Provenance> {
        let tree = syntax::parse(source);
        let names = names();
        let facts = FileFacts::analyze(&tree, source, &names, &KindTable::new());
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
        let facts = FileFacts::analyze(&tree, source, &names, &KindTable::new());
        let mut dests: Vec<_> = facts.argparse_dests.iter().cloned().collect();
        dests.sort();
        assert_eq!(dests, ["debug", "env", "no_validation", "why"]);
        assert_eq!(
            provenance(source, "ns", 0),
            Some(Provenance::ArgparseNamespace)
        );
    }
}
