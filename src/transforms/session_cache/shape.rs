//! Recognises a class whose sessions (or clients) are cached per thread in
//! `threading.local()`: its thread-local, LRU and lock attributes, its one
//! getter `(self, key)` and optional closer `(self)`, each checked by
//! `proof.rs`. Anything else is a refusal with its reason.

use crate::syntax::field;
use tree_sitter::Node;

use super::proof::{Names, check_closer, check_getter, parameters};
use crate::transforms::lines::{line_span, statements_of_kind};

/// Names the generated code binds or adds; a class or getter already using
/// one is refused rather than renamed.
pub const GENERATED_NAMES: &[&str] = &["slot", "session", "sessions", "evicted", "thread", "mine"];
pub const GENERATED_ATTRIBUTES: &[&str] = &[
    "_thread_sessions",
    "_thread_sessions_lock",
    "_close_sessions",
];

/// `self.X = CALL()` in `__init__`: the attribute and the statement's lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitAttribute {
    pub name: String,
    /// The callee as written (`OrderedDict`, `collections.OrderedDict`).
    pub callee: String,
    /// The assignment itself.
    pub statement: (usize, usize),
    /// Its whole lines (for deleting it).
    pub lines: (usize, usize),
    /// The indentation of its line.
    pub indent: String,
}

/// A method body to replace: from its first statement after the docstring
/// to the end of the block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub start: usize,
    pub end: usize,
    pub indent: String,
    /// One indentation step, as the file writes it.
    pub step: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Getter {
    pub name: String,
    pub key: String,
    /// The call that makes a new object, as written (`self._new(key)`).
    pub factory: String,
    /// `len(self.LRU) OP BOUND`: (operator, bound) as written.
    pub bound: Option<(String, String)>,
    /// The getter closes what its LRU evicts.
    pub closes_evicted: bool,
    pub body: Body,
    /// The end of the whole method (a helper goes after it).
    pub end: usize,
    pub method_indent: String,
}

/// A class that caches per thread, with what a rewrite needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheClass {
    pub name: String,
    pub at: usize,
    pub name_end: usize,
    pub local: InitAttribute,
    pub lru: Option<InitAttribute>,
    pub lock: Option<InitAttribute>,
    pub getter: Getter,
    /// A method that closes the current thread's objects.
    pub closer: Option<Body>,
}

/// Why a class that caches per thread is left as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotProven {
    pub name: String,
    pub at: usize,
    pub name_end: usize,
    pub reason: String,
}

pub(super) fn text<'s>(node: Node, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

/// Classes that store objects in a `self.X = threading.local()` (as the
/// report finds them), in order; thread-locals that cache nothing are not
/// caches and are left out.
pub fn classes(root: Node, source: &str) -> Vec<Result<CacheClass, NotProven>> {
    let caching: Vec<String> = crate::transforms::thread_local::shapes(root, source)
        .into_iter()
        .filter(|shape| !shape.thread_stores.is_empty())
        .map(|shape| shape.class)
        .collect();
    statements_of_kind(root, "class_definition")
        .into_iter()
        .filter(|n| {
            n.child_by_field_id(field::NAME)
                .is_some_and(|name| caching.iter().any(|c| c == text(name, source)))
        })
        .filter_map(|class| recognise(class, source))
        .collect()
}

/// The methods directly in a class body (decorated ones included).
fn methods<'t>(body: Node<'t>) -> Vec<(Node<'t>, bool)> {
    let mut cursor = body.walk();
    body.named_children(&mut cursor)
        .filter_map(|n| match n.kind() {
            "function_definition" => Some((n, false)),
            "decorated_definition" => n
                .child_by_field_id(field::DEFINITION)
                .filter(|d| d.kind() == "function_definition")
                .map(|d| (d, true)),
            _ => None,
        })
        .collect()
}

pub(super) fn method_name<'s>(method: Node, source: &'s str) -> &'s str {
    method
        .child_by_field_id(field::NAME)
        .map_or("", |n| text(n, source))
}

/// Occurrences of `self.attr` not followed by more of an identifier.
fn uses(haystack: &str, attr: &str) -> usize {
    let needle = format!("self.{attr}");
    haystack
        .match_indices(&needle)
        .filter(|(i, _)| {
            let before_ok = haystack[..*i]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'));
            let after_ok = haystack[i + needle.len()..]
                .chars()
                .next()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            before_ok && after_ok
        })
        .count()
}

fn recognise(class: Node, source: &str) -> Option<Result<CacheClass, NotProven>> {
    let name_node = class.child_by_field_id(field::NAME)?;
    let body = class.child_by_field_id(field::BODY)?;
    let methods = methods(body);
    let init = methods
        .iter()
        .find(|(m, _)| method_name(*m, source) == "__init__")?
        .0;
    let attributes = init_attributes(init, source);
    let local = attributes
        .iter()
        .find(|(_, callee, _)| callee == "threading.local" || callee == "local")?;
    let refuse = |reason: String| NotProven {
        name: text(name_node, source).to_string(),
        at: class.start_byte(),
        name_end: name_node.end_byte(),
        reason,
    };
    Some(build(class, source, &methods, init, &attributes, local).map_err(refuse))
}

type Attribute<'t> = (String, String, Node<'t>);

/// `self.X = CALL()` statements directly in `__init__`'s body.
fn init_attributes<'t>(init: Node<'t>, source: &str) -> Vec<Attribute<'t>> {
    let Some(body) = init.child_by_field_id(field::BODY) else {
        return Vec::new();
    };
    let mut cursor = body.walk();
    body.named_children(&mut cursor)
        .filter(|s| s.kind() == "expression_statement" && s.named_child_count() == 1)
        .filter_map(|s| {
            let assignment = s.named_child(0).filter(|a| a.kind() == "assignment")?;
            let left = text(assignment.child_by_field_id(field::LEFT)?, source);
            let right = assignment.child_by_field_id(field::RIGHT)?;
            let attr = left.strip_prefix("self.")?;
            let args = right.child_by_field_id(field::ARGUMENTS)?;
            (right.kind() == "call"
                && args.named_child_count() == 0
                && attr.chars().all(|c| c.is_alphanumeric() || c == '_'))
            .then(|| {
                let callee = text(right.child_by_field_id(field::FUNCTION)?, source).to_string();
                Some((attr.to_string(), callee, s))
            })?
        })
        .collect()
}

fn init_attribute(source: &str, (name, callee, statement): &Attribute) -> InitAttribute {
    let lines = line_span(source, *statement);
    let line_start = source[..statement.start_byte()]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    InitAttribute {
        name: name.clone(),
        callee: callee.clone(),
        statement: (statement.start_byte(), statement.end_byte()),
        lines,
        indent: source[line_start..statement.start_byte()].to_string(),
    }
}

fn build(
    class: Node,
    source: &str,
    methods: &[(Node, bool)],
    init: Node,
    attributes: &[Attribute],
    local: &Attribute,
) -> Result<CacheClass, String> {
    if local.1 != "threading.local" {
        return Err("`local()` is imported by name; only `threading.local()` with `import threading` is rewritten".into());
    }
    let class_text = text(class, source);
    if let Some(taken) = GENERATED_ATTRIBUTES
        .iter()
        .find(|a| uses(class_text, a) > 0 || class_text.contains(&format!("def {a}(")))
    {
        return Err(format!(
            "the class already uses `{taken}`, which the rewrite adds"
        ));
    }
    let find = |callees: &[&str]| attributes.iter().find(|a| callees.contains(&a.1.as_str()));
    let lru = find(&["OrderedDict", "collections.OrderedDict"]);
    let lock = find(&["threading.Lock", "threading.RLock"]);
    let local_name = &local.0;
    if uses(text(init, source), local_name) != 1 {
        return Err(format!(
            "`__init__` uses `self.{local_name}` beyond creating it"
        ));
    }
    let users: Vec<(Node, bool)> = methods
        .iter()
        .copied()
        .filter(|(m, _)| *m != init && uses(text(*m, source), local_name) > 0)
        .collect();
    let (getters, closers): (Vec<_>, Vec<_>) = users
        .iter()
        .partition(|(m, _)| parameters(*m, source).len() == 2);
    let [(getter, decorated)] = getters.as_slice() else {
        return Err(format!(
            "{} methods take a key and read `self.{local_name}`; exactly one getter `(self, key)` is rewritten",
            getters.len()
        ));
    };
    if *decorated {
        return Err(format!(
            "the getter `{}` is decorated",
            method_name(*getter, source)
        ));
    }
    let names = Names {
        local: local_name,
        lru: lru.map(|a| a.0.as_str()),
        lock: lock.map(|a| a.0.as_str()),
    };
    let getter_node = *getter;
    let getter = check_getter(getter_node, source, methods, &names)?;
    let closer = match closers.as_slice() {
        [] => None,
        [(closer, false)] => Some(check_closer(*closer, source, local_name)?),
        _ => {
            return Err(format!(
                "methods other than one getter and one closer use `self.{local_name}`"
            ));
        }
    };
    if let Some(lru) = lru {
        let outside = methods
            .iter()
            .filter(|(m, _)| *m != init && *m != getter_node)
            .map(|(m, _)| uses(text(*m, source), &lru.0))
            .sum::<usize>();
        if outside > 0 || uses(text(init, source), &lru.0) != 1 {
            return Err(format!(
                "`self.{}` (the LRU) is used outside `__init__` and the getter",
                lru.0
            ));
        }
    }
    let name = class
        .child_by_field_id(field::NAME)
        .ok_or("a class without a name")?;
    Ok(CacheClass {
        name: text(name, source).to_string(),
        at: class.start_byte(),
        name_end: name.end_byte(),
        local: init_attribute(source, local),
        lru: lru.map(|a| init_attribute(source, a)),
        lock: lock.map(|a| init_attribute(source, a)),
        getter,
        closer,
    })
}
