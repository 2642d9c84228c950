//! Configuration key paths: for each lookup on configuration in a file
//! (`X.get("k", d)` or `X["k"]`, where provenance says `X` is
//! configuration), the literal chain of keys from the configuration root,
//! e.g. `script-behavior` → `api-timeouts` → `rest`.
//!
//! Keys are followed through chained lookups, local variables
//! (`sb = config["script-behavior"]; sb["jitter"]`), `x = y or {}`,
//! `self.attr = …` in any method of the class, and parameters of private
//! functions whose callers in the file all pass the same key path. The root
//! is a name in [`ROOT_NAMES`] (also as `self.config`, `self._config`,
//! `runner.config`). Anything else (computed keys, parameters of public
//! functions, merged dictionaries, loop variables) is unresolved, with the
//! reason: never guessed.

use crate::syntax::field;
use tree_sitter::{Node, Tree};

use crate::syntax::walk_pruned;

use super::exits::enclosing_function;
use super::provenance::{
    FileFacts, Provenance, enclosing_class, parameter_names, self_name, unquote,
};

/// Names that hold the whole configuration (the TXO loader's result).
pub const ROOT_NAMES: [&str; 2] = ["config", "cfg"];

/// Resolution stops after this many hops (cycles such as `x = x or {}`).
const MAX_HOPS: usize = 16;

/// One lookup on configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLookup {
    /// The keys from the root, or why they cannot be known.
    pub path: Result<Vec<String>, String>,
    /// The lookup's code as written.
    pub code: String,
    /// The default text of `.get(key, default)`; `None` for a subscript or
    /// a `.get(key)` without one.
    pub default: Option<String>,
    pub is_get: bool,
    /// Byte range of the lookup (the call or the subscript).
    pub start: usize,
    pub end: usize,
    /// 1-based line of the lookup.
    pub line: usize,
}

/// Every lookup on configuration in the file, in source order. Subscripts
/// that are assigned to (`config["x"] = 1`) are writes, not lookups.
pub fn collect(tree: &Tree, source: &str, facts: &FileFacts) -> Vec<KeyLookup> {
    let resolver = Resolver { source };
    let mut lookups = Vec::new();
    walk_pruned(
        tree.root_node(),
        |_| true,
        |node| {
            if let Some(lookup) = resolver.lookup_at(node, facts) {
                lookups.push(lookup);
            }
        },
    );
    lookups
}

/// The key path of one lookup (`X.get(K, …)` or `X[K]`) on configuration.
pub fn path_of(lookup: Node, source: &str) -> Result<Vec<String>, String> {
    Resolver { source }.resolve(lookup, 0)
}

struct Resolver<'s> {
    source: &'s str,
}

/// The parts of a lookup: receiver, key and default.
struct Parts<'t> {
    receiver: Node<'t>,
    key: Node<'t>,
    default: Option<Node<'t>>,
    is_get: bool,
}

impl<'s> Resolver<'s> {
    fn text(&self, node: Node) -> &'s str {
        &self.source[node.byte_range()]
    }

    fn lookup_at(&self, node: Node, facts: &FileFacts) -> Option<KeyLookup> {
        let parts = self.parts(node)?;
        if facts.provenance_of(parts.receiver) != Some(Provenance::Config) {
            return None;
        }
        Some(KeyLookup {
            path: self.resolve(node, 0),
            code: self.text(node).to_string(),
            default: parts.default.map(|d| fold(self.text(d))),
            is_get: parts.is_get,
            start: node.start_byte(),
            end: node.end_byte(),
            line: node.start_position().row + 1,
        })
    }

    /// `X.get(K[, D])` or a read of `X[K]`.
    fn parts<'t>(&self, node: Node<'t>) -> Option<Parts<'t>> {
        match node.kind() {
            "call" => {
                let function = node.child_by_field_id(field::FUNCTION)?;
                let method = function.child_by_field_id(field::ATTRIBUTE)?;
                if function.kind() != "attribute" || self.text(method) != "get" {
                    return None;
                }
                let arguments = node.child_by_field_id(field::ARGUMENTS)?;
                let mut cursor = arguments.walk();
                let args: Vec<Node> = arguments
                    .named_children(&mut cursor)
                    .filter(|a| a.kind() != "comment")
                    .collect();
                let plain = |a: &Node| {
                    !matches!(
                        a.kind(),
                        "keyword_argument" | "list_splat" | "dictionary_splat"
                    )
                };
                if args.is_empty() || args.len() > 2 || !args.iter().all(plain) {
                    return None;
                }
                Some(Parts {
                    receiver: function.child_by_field_id(field::OBJECT)?,
                    key: args[0],
                    default: args.get(1).copied(),
                    is_get: true,
                })
            }
            "subscript" if !is_assigned_to(node) => Some(Parts {
                receiver: node.child_by_field_id(field::VALUE)?,
                key: node.child_by_field_id(field::SUBSCRIPT)?,
                default: None,
                is_get: false,
            }),
            _ => None,
        }
    }

    /// The key path of the value of `expr`.
    fn resolve(&self, expr: Node, hops: usize) -> Result<Vec<String>, String> {
        if hops > MAX_HOPS {
            return Err("the value flows in a cycle".into());
        }
        match expr.kind() {
            "call" | "subscript" => {
                let Some(parts) = self.parts(expr) else {
                    return Err(format!("`{}` is not a key lookup", fold(self.text(expr))));
                };
                let mut path = self.resolve(parts.receiver, hops + 1)?;
                path.push(self.literal_key(parts.key)?);
                Ok(path)
            }
            "parenthesized_expression" => match expr.named_child(0) {
                Some(inner) => self.resolve(inner, hops + 1),
                None => Err("empty parentheses".into()),
            },
            "boolean_operator" if self.is_or_empty(expr) => {
                match expr.child_by_field_id(field::LEFT) {
                    Some(left) => self.resolve(left, hops + 1),
                    None => Err("incomplete expression".into()),
                }
            }
            "dictionary" => Err(format!(
                "`{}` builds a new dictionary: which part holds a key is not known",
                one_line(self.text(expr))
            )),
            "for_statement" | "for_in_clause" => {
                Err("a loop variable: it takes each value in turn".into())
            }
            "identifier" => self.resolve_name(expr, hops),
            "attribute" => self.resolve_attribute(expr, hops),
            _ => Err(format!(
                "`{}` is not a lookup from the configuration root",
                one_line(self.text(expr))
            )),
        }
    }

    fn literal_key(&self, key: Node) -> Result<String, String> {
        let text = self.text(key);
        let plain = key.kind() == "string"
            && !text.starts_with(['f', 'F', 'b', 'B'])
            && !text.contains('\\');
        if plain {
            Ok(unquote(text))
        } else {
            Err(format!("the key `{}` is computed", fold(text)))
        }
    }

    /// `x or {}` (or `[]`, `dict()`): the value of `x` where it is set.
    fn is_or_empty(&self, expr: Node) -> bool {
        let operator = expr
            .child_by_field_id(field::OPERATOR)
            .map(|o| self.text(o));
        let right = expr
            .child_by_field_id(field::RIGHT)
            .map(|r| self.text(r).replace(' ', ""));
        operator == Some("or") && matches!(right.as_deref(), Some("{}" | "dict()"))
    }

    /// A name: its assignments in its scope (all must agree), else the
    /// module's, else the root if it is a root name (also when a root name
    /// is assigned something else, such as `json.load(f)`).
    fn resolve_name(&self, name: Node, hops: usize) -> Result<Vec<String>, String> {
        let text = self.text(name);
        let mut scope = enclosing_function(name);
        loop {
            let body = scope.unwrap_or_else(|| root_of(name));
            let values = assigned_values(body, |target| {
                target.kind() == "identifier" && self.text(target) == text
            });
            let values: Vec<Node> = values
                .into_iter()
                .filter(|v| is_loop(*v) || !refers_to(*v, text, self.source))
                .collect();
            if !values.is_empty() {
                return self
                    .agree(&values, text, hops)
                    .or_else(|e| self.root_or(text, || e));
            }
            if let Some(function) =
                scope.filter(|f| parameter_names(*f, self.source).contains(text))
            {
                return self
                    .root_or(text, String::new)
                    .or_else(|_| self.passed_by_callers(function, text, hops));
            }
            match scope {
                Some(_) => scope = None,
                None => break,
            }
        }
        self.root_or(text, || {
            format!("`{text}` is not assigned from the configuration")
        })
    }

    /// A parameter of a private function (`_name`): what every call in the
    /// file passes for it, if they all agree. Callers of a public function
    /// may live in other files, so its parameters are not followed.
    fn passed_by_callers(
        &self,
        function: Node,
        parameter: &str,
        hops: usize,
    ) -> Result<Vec<String>, String> {
        let name = function
            .child_by_field_id(field::NAME)
            .map_or("", |n| self.text(n));
        if !name.starts_with('_') || name.starts_with("__") {
            return Err(format!(
                "`{parameter}` is a parameter of `{name}`, which other files may call: what callers pass is not followed"
            ));
        }
        let mut position = ordered_parameters(function, self.source)
            .iter()
            .position(|p| p == parameter);
        if enclosing_class(function).is_some() {
            position = position.and_then(|p| p.checked_sub(1));
        }
        let calls = calls_to(root_of(function), name, self.source);
        if calls.is_empty() {
            return Err(format!(
                "`{name}` is never called in this file: `{parameter}` is not known"
            ));
        }
        let mut values = Vec::new();
        for call in calls {
            match argument_for(call, parameter, position, self.source) {
                Some(value) => values.push(value),
                None => {
                    return Err(format!(
                        "a call of `{name}` does not pass `{parameter}` plainly (line {})",
                        call.start_position().row + 1
                    ));
                }
            }
        }
        self.agree(&values, parameter, hops)
    }

    /// `self.attr`: its assignments in every method of the class.
    fn resolve_attribute(&self, attribute: Node, hops: usize) -> Result<Vec<String>, String> {
        let (Some(object), Some(attr)) = (
            attribute.child_by_field_id(field::OBJECT),
            attribute.child_by_field_id(field::ATTRIBUTE),
        ) else {
            return Err("incomplete attribute".into());
        };
        let attr = self.text(attr);
        let method = enclosing_function(attribute);
        let class = method.and_then(enclosing_class);
        let is_self = method
            .and_then(|f| self_name(f, self.source))
            .is_some_and(|first| first == self.text(object));
        let values = match class.filter(|_| is_self) {
            Some(class) => self_assignments(class, attr, self.source),
            None => Vec::new(),
        };
        let shown = format!("{}.{attr}", self.text(object));
        if !values.is_empty() {
            return self
                .agree(&values, &shown, hops)
                .or_else(|e| self.root_or(attr.trim_start_matches('_'), || e));
        }
        self.root_or(attr.trim_start_matches('_'), || {
            format!("`{shown}` is not assigned from the configuration")
        })
    }

    /// The path every assigned value resolves to, if they all agree.
    fn agree(&self, values: &[Node], shown: &str, hops: usize) -> Result<Vec<String>, String> {
        let mut paths = values.iter().map(|v| self.resolve(*v, hops + 1));
        let first = paths.next().unwrap_or_else(|| Err("no value".into()))?;
        if paths.all(|p| p.as_ref() == Ok(&first)) {
            Ok(first)
        } else {
            Err(format!("`{shown}` is assigned different values"))
        }
    }

    fn root_or(&self, name: &str, reason: impl FnOnce() -> String) -> Result<Vec<String>, String> {
        if ROOT_NAMES.contains(&name.trim_start_matches('_')) {
            Ok(Vec::new())
        } else {
            Err(reason())
        }
    }
}

/// Code short enough for a reason.
fn one_line(text: &str) -> String {
    crate::present::one_line(text, 50, 49)
}

/// Whitespace runs folded to one space.
pub fn fold(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_assigned_to(node: Node) -> bool {
    let Some(parent) = node.parent() else {
        return false;
    };
    matches!(
        parent.kind(),
        "assignment" | "augmented_assignment" | "delete_statement"
    ) && parent
        .child_by_field_id(field::RIGHT)
        .is_none_or(|r| r.id() != node.id())
}

fn root_of(node: Node) -> Node {
    let mut current = node;
    while let Some(parent) = current.parent() {
        current = parent;
    }
    current
}

/// Parameter names in order (`self` included).
fn ordered_parameters(function: Node, source: &str) -> Vec<String> {
    let Some(parameters) = function.child_by_field_id(field::PARAMETERS) else {
        return Vec::new();
    };
    let mut cursor = parameters.walk();
    parameters
        .named_children(&mut cursor)
        .map(|parameter| {
            let node = match parameter.kind() {
                "identifier" => Some(parameter),
                _ => parameter
                    .child_by_field_id(field::NAME)
                    .or_else(|| parameter.named_child(0)),
            };
            node.filter(|n| n.kind() == "identifier")
                .map_or_else(String::new, |n| source[n.byte_range()].to_string())
        })
        .collect()
}

/// Calls of `name(...)`, `self.name(...)` or `cls.name(...)` in the tree.
fn calls_to<'t>(root: Node<'t>, name: &str, source: &str) -> Vec<Node<'t>> {
    let mut calls = Vec::new();
    walk_pruned(
        root,
        |_| true,
        |node| {
            let callee = node
                .child_by_field_id(field::FUNCTION)
                .filter(|_| node.kind() == "call")
                .map(|f| &source[f.byte_range()]);
            if callee.is_some_and(|c| {
                c == name || c.strip_prefix("self.").or(c.strip_prefix("cls.")) == Some(name)
            }) {
                calls.push(node);
            }
        },
    );
    calls
}

/// The argument a call passes for `parameter`: by keyword, or at its
/// position when no `*args`/`**kwargs` comes before it.
fn argument_for<'t>(
    call: Node<'t>,
    parameter: &str,
    position: Option<usize>,
    source: &str,
) -> Option<Node<'t>> {
    let arguments = call.child_by_field_id(field::ARGUMENTS)?;
    let mut cursor = arguments.walk();
    let all: Vec<Node> = arguments
        .named_children(&mut cursor)
        .filter(|a| a.kind() != "comment")
        .collect();
    let keyword = all.iter().find(|a| {
        a.kind() == "keyword_argument"
            && a.child_by_field_id(field::NAME)
                .is_some_and(|n| &source[n.byte_range()] == parameter)
    });
    if let Some(keyword) = keyword {
        return keyword.child_by_field_id(field::VALUE);
    }
    let positional: Vec<&Node> = all
        .iter()
        .take_while(|a| {
            !matches!(
                a.kind(),
                "keyword_argument" | "list_splat" | "dictionary_splat"
            )
        })
        .collect();
    positional.get(position?).map(|n| **n)
}

/// Whether `expr` mentions `name` (`x = x or {}` refers to the parameter).
fn refers_to(expr: Node, name: &str, source: &str) -> bool {
    if expr.kind() == "identifier" {
        return &source[expr.byte_range()] == name;
    }
    let mut cursor = expr.walk();
    expr.named_children(&mut cursor)
        .any(|child| refers_to(child, name, source))
}

/// Values assigned in `body`'s own scope (nested functions, classes and
/// lambdas excluded) to a target `wanted` accepts. A loop that binds the
/// target makes the result empty-with-marker: its value is not one key.
fn assigned_values<'t>(body: Node<'t>, wanted: impl Fn(Node) -> bool + Copy) -> Vec<Node<'t>> {
    let mut values = Vec::new();
    let mut cursor = body.walk();
    for child in body.named_children(&mut cursor) {
        collect_assignments(child, wanted, &mut values);
    }
    values
}

fn collect_assignments<'t>(
    node: Node<'t>,
    wanted: impl Fn(Node) -> bool + Copy,
    values: &mut Vec<Node<'t>>,
) {
    match node.kind() {
        "function_definition" | "class_definition" | "lambda" | "decorated_definition" => {}
        "assignment" => {
            if let (Some(left), Some(right)) = (
                node.child_by_field_id(field::LEFT),
                node.child_by_field_id(field::RIGHT),
            ) {
                if wanted(left) {
                    values.push(right);
                }
                collect_assignments(right, wanted, values);
            }
        }
        "for_statement" | "for_in_clause" => {
            let binds = node
                .child_by_field_id(field::LEFT)
                .is_some_and(|left| wanted(left) || has_named_descendant(left, wanted));
            if binds {
                // The loop variable takes many values: push the loop
                // itself, which resolves to no single key path.
                values.push(node);
            }
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                collect_assignments(child, wanted, values);
            }
        }
        _ => {
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                collect_assignments(child, wanted, values);
            }
        }
    }
}

fn is_loop(node: Node) -> bool {
    matches!(node.kind(), "for_statement" | "for_in_clause")
}

fn has_named_descendant(node: Node, wanted: impl Fn(Node) -> bool + Copy) -> bool {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .any(|child| wanted(child) || has_named_descendant(child, wanted))
}

/// Values assigned to `self.attr` (the method's first parameter) in any
/// method of `class`.
fn self_assignments<'t>(class: Node<'t>, attr: &str, source: &str) -> Vec<Node<'t>> {
    let Some(body) = class.child_by_field_id(field::BODY) else {
        return Vec::new();
    };
    let mut values = Vec::new();
    let mut cursor = body.walk();
    for item in body.named_children(&mut cursor) {
        let method = match item.kind() {
            "decorated_definition" => item.child_by_field_id(field::DEFINITION),
            "function_definition" => Some(item),
            _ => None,
        };
        let Some(method) = method else { continue };
        let (Some(self_name), Some(method_body)) = (
            self_name(method, source),
            method.child_by_field_id(field::BODY),
        ) else {
            continue;
        };
        values.extend(assigned_values(method_body, |target| {
            target.kind() == "attribute"
                && target
                    .child_by_field_id(field::OBJECT)
                    .is_some_and(|o| &source[o.byte_range()] == self_name)
                && target
                    .child_by_field_id(field::ATTRIBUTE)
                    .is_some_and(|a| &source[a.byte_range()] == attr)
        }));
    }
    values
}

#[cfg(test)]
mod tests;
