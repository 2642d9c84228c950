//! The proof that a getter only caches (and a closer only closes): every
//! statement, call, attribute and name in it belongs to the cache's
//! plumbing, so replacing its body changes where objects are kept and
//! nothing else. Each failure names what was found and its line.

use crate::syntax::field;
use tree_sitter::Node;

use super::shape::{Body, GENERATED_NAMES, Getter, method_name, text};
use crate::transforms::lines::descendants;

fn line(node: Node) -> usize {
    node.start_position().row + 1
}

/// Parameter names as written (`key: str = "default"` → `key`); a
/// `*args`, `**kw` or other form gives `None` in its place.
pub(super) fn parameters(method: Node, source: &str) -> Vec<Option<String>> {
    let Some(params) = method.child_by_field_id(field::PARAMETERS) else {
        return Vec::new();
    };
    let mut cursor = params.walk();
    params
        .named_children(&mut cursor)
        .filter(|p| p.kind() != "comment")
        .map(|p| match p.kind() {
            "identifier" => Some(text(p, source).to_string()),
            "typed_parameter" => p
                .named_child(0)
                .filter(|n| n.kind() == "identifier")
                .map(|n| text(n, source).to_string()),
            "default_parameter" | "typed_default_parameter" => p
                .child_by_field_id(field::NAME)
                .map(|n| text(n, source).to_string()),
            _ => None,
        })
        .collect()
}

pub(super) struct Names<'a> {
    pub local: &'a str,
    pub lru: Option<&'a str>,
    pub lock: Option<&'a str>,
}

pub(super) fn is_docstring(node: Node) -> bool {
    node.kind() == "expression_statement"
        && node.named_child_count() == 1
        && node.named_child(0).is_some_and(|c| c.kind() == "string")
}

/// The statements of a method's body after its docstring, and the body's
/// replaceable span with its indentation.
pub(super) fn body_of<'t>(method: Node<'t>, source: &str) -> Result<(Vec<Node<'t>>, Body), String> {
    let block = method
        .child_by_field_id(field::BODY)
        .ok_or("a method without a body")?;
    let mut cursor = block.walk();
    let statements: Vec<Node> = block
        .named_children(&mut cursor)
        .skip_while(|s| is_docstring(*s))
        .collect();
    let (Some(first), Some(last)) = (statements.first(), statements.last()) else {
        return Err("the method has no statements".into());
    };
    if first.start_position().row == method.start_position().row {
        return Err("the method's body is on its `def` line".into());
    }
    let indent_of = |node: Node| {
        let start = source[..node.start_byte()].rfind('\n').map_or(0, |i| i + 1);
        source[start..node.start_byte()].to_string()
    };
    let indent = indent_of(*first);
    let method_indent = indent_of(method);
    let step = indent
        .strip_prefix(method_indent.as_str())
        .filter(|s| !s.is_empty())
        .ok_or("the method's indentation is not regular")?
        .to_string();
    Ok((
        statements.clone(),
        Body {
            start: first.start_byte(),
            end: last.end_byte(),
            indent,
            step,
        },
    ))
}

const PLUMBING: &[&str] = &[
    "block",
    "expression_statement",
    "assignment",
    "if_statement",
    "else_clause",
    "with_statement",
    "with_clause",
    "with_item",
    "return_statement",
    "pass_statement",
    "comparison_operator",
    "not_operator",
    "identifier",
    "attribute",
    "subscript",
    "call",
    "argument_list",
    "keyword_argument",
    "string",
    "string_start",
    "string_content",
    "string_end",
    "integer",
    "true",
    "false",
    "none",
    "dictionary",
    "pattern_list",
    "tuple",
];

/// Proves the getter only caches: see the module comment.
pub(super) fn check_getter(
    method: Node,
    source: &str,
    methods: &[(Node, bool)],
    names: &Names,
) -> Result<Getter, String> {
    let getter_name = method_name(method, source).to_string();
    if text(method, source).starts_with("async") {
        return Err(format!("the getter `{getter_name}` is async"));
    }
    let params = parameters(method, source);
    let Some(Some(key)) = params.get(1).cloned() else {
        return Err(format!(
            "the getter `{getter_name}`'s key is not a plain parameter"
        ));
    };
    if GENERATED_NAMES.contains(&key.as_str()) {
        return Err(format!(
            "the getter's key is named `{key}`, a name the rewrite binds"
        ));
    }
    let (statements, body) = body_of(method, source)?;
    let at_line = |node: Node, what: &str| {
        format!(
            "the getter `{getter_name}` does more than cache: {what} (line {})",
            line(node)
        )
    };
    let factories: Vec<&str> = methods
        .iter()
        .map(|(m, _)| method_name(*m, source))
        .filter(|n| *n != getter_name && *n != "__init__")
        .collect();
    let nodes: Vec<Node> = statements.iter().flat_map(|s| descendants(*s)).collect();
    let bound_nodes: Vec<Node> = nodes
        .iter()
        .copied()
        .filter(|n| {
            n.kind() == "comparison_operator"
                && names
                    .lru
                    .is_some_and(|lru| text(*n, source).starts_with(&format!("len(self.{lru})")))
        })
        .collect();
    let in_bound = |n: Node| {
        bound_nodes
            .iter()
            .any(|b| b.start_byte() <= n.start_byte() && n.end_byte() <= b.end_byte())
    };
    let mut bound_names: Vec<String> = vec!["self".into(), key.clone()];
    let mut evicted: Vec<String> = Vec::new();
    for node in &nodes {
        if node.kind() == "assignment"
            && let Some(left) = node.child_by_field_id(field::LEFT)
        {
            let right = node
                .child_by_field_id(field::RIGHT)
                .map(|r| text(r, source));
            let mut cursor = left.walk();
            let targets: Vec<String> = std::iter::once(left)
                .chain(left.named_children(&mut cursor))
                .filter(|n| n.kind() == "identifier")
                .map(|n| text(n, source).to_string())
                .collect();
            if right.is_some_and(|r| r.contains(".popitem(")) {
                evicted.extend(targets.iter().cloned());
            }
            bound_names.extend(targets);
        }
    }
    let mut factory: Vec<Node> = Vec::new();
    for node in &nodes {
        let kind = node.kind();
        if !PLUMBING.contains(&kind) {
            return Err(at_line(*node, &format!("a `{kind}`")));
        }
        match kind {
            "dictionary" if node.named_child_count() > 0 => {
                return Err(at_line(*node, "a non-empty dict"));
            }
            "identifier" => {
                let parent = node.parent();
                let field_name = parent.is_some_and(|p| {
                    (p.kind() == "attribute"
                        && p.child_by_field_id(field::ATTRIBUTE) == Some(*node))
                        || (p.kind() == "keyword_argument"
                            && p.child_by_field_id(field::NAME) == Some(*node))
                });
                let name = text(*node, source);
                if !field_name
                    && !bound_names.iter().any(|b| b == name)
                    && !["getattr", "len"].contains(&name)
                {
                    return Err(at_line(*node, &format!("it reads `{name}`")));
                }
            }
            "attribute" => check_attribute(*node, source, names, &factories, in_bound(*node))
                .map_err(|what| at_line(*node, &what))?,
            "call" => {
                let callee = node
                    .child_by_field_id(field::FUNCTION)
                    .map_or("", |f| text(f, source));
                let method = callee.rsplit_once('.');
                match (callee, method) {
                    ("getattr", _) => {
                        let first = node
                            .child_by_field_id(field::ARGUMENTS)
                            .and_then(|a| a.named_child(0))
                            .map(|a| text(a, source));
                        if first != Some(&format!("self.{}", names.local)) {
                            return Err(at_line(*node, "a `getattr` on something else"));
                        }
                    }
                    ("len", _) => {}
                    (_, Some(("self", m))) if factories.contains(&m) => factory.push(*node),
                    (_, Some((object, "close"))) if evicted.iter().any(|e| e == object) => {}
                    (_, Some((_, "move_to_end" | "popitem" | "get"))) => {}
                    _ => return Err(at_line(*node, &format!("it calls `{callee}`"))),
                }
            }
            "return_statement" => {
                let value = node.named_child(0);
                if !value.is_some_and(|v| {
                    v.kind() == "identifier"
                        || (v.kind() == "subscript"
                            && v.child_by_field_id(field::SUBSCRIPT)
                                .is_some_and(|s| text(s, source) == key))
                }) {
                    return Err(at_line(
                        *node,
                        "a return of something other than the cached object",
                    ));
                }
            }
            "with_item" => {
                let item = text(*node, source);
                if names.lock.is_none_or(|lock| item != format!("self.{lock}")) {
                    return Err(at_line(*node, &format!("`with {item}`")));
                }
            }
            _ => {}
        }
    }
    let [made] = factory.as_slice() else {
        return Err(format!(
            "the getter `{getter_name}` makes its object in {} places; one call of a method of the class is rewritten",
            factory.len()
        ));
    };
    check_factory_arguments(*made, source, &key).map_err(|what| at_line(*made, &what))?;
    let bound =
        match bound_nodes.as_slice() {
            [] => None,
            [comparison] => Some(bound_of(*comparison, source).ok_or_else(|| {
                at_line(*comparison, "a size check other than `len(LRU) > BOUND`")
            })?),
            _ => {
                return Err(format!(
                    "the getter `{getter_name}` checks its LRU's size more than once"
                ));
            }
        };
    let closes_evicted = nodes.iter().any(|n| {
        n.kind() == "call"
            && n.child_by_field_id(field::FUNCTION)
                .and_then(|f| text(f, source).strip_suffix(".close"))
                .is_some_and(|o| evicted.iter().any(|e| e == o))
    });
    let method_indent = body
        .indent
        .strip_suffix(body.step.as_str())
        .unwrap_or_default()
        .to_string();
    Ok(Getter {
        name: getter_name,
        key,
        factory: text(*made, source).to_string(),
        bound,
        closes_evicted,
        body,
        end: method.end_byte(),
        method_indent,
    })
}

/// Attributes in the getter: the cache's own (`self.LOCAL.x`, the LRU, the
/// lock), the factory method, values the bound check reads, and methods of
/// the cache containers.
fn check_attribute(
    node: Node,
    source: &str,
    names: &Names,
    factories: &[&str],
    in_bound: bool,
) -> Result<(), String> {
    let object = node
        .child_by_field_id(field::OBJECT)
        .map_or("", |o| text(o, source));
    let attr = node
        .child_by_field_id(field::ATTRIBUTE)
        .map_or("", |a| text(a, source));
    let is_callee = node
        .parent()
        .is_some_and(|p| p.kind() == "call" && p.child_by_field_id(field::FUNCTION) == Some(node));
    let ok = if object == "self" {
        attr == names.local
            || Some(attr) == names.lru
            || Some(attr) == names.lock
            || (is_callee && factories.contains(&attr))
            || (in_bound && !is_callee)
    } else {
        object == format!("self.{}", names.local)
            || (is_callee && ["move_to_end", "popitem", "get", "close"].contains(&attr))
    };
    if ok {
        Ok(())
    } else {
        Err(format!("`{}`", text(node, source)))
    }
}

/// The factory's arguments may name only `self` and the key: the rewrite
/// calls it where no other name of the old body exists.
fn check_factory_arguments(call: Node, source: &str, key: &str) -> Result<(), String> {
    let Some(arguments) = call.child_by_field_id(field::ARGUMENTS) else {
        return Ok(());
    };
    for node in descendants(arguments) {
        if node.kind() != "identifier" {
            continue;
        }
        let is_field = node.parent().is_some_and(|p| {
            (p.kind() == "attribute" && p.child_by_field_id(field::ATTRIBUTE) == Some(node))
                || (p.kind() == "keyword_argument"
                    && p.child_by_field_id(field::NAME) == Some(node))
        });
        let name = text(node, source);
        if !is_field && name != "self" && name != key {
            return Err(format!(
                "the object is made from `{name}`, not only from the key"
            ));
        }
    }
    Ok(())
}

/// `len(self.LRU) > BOUND` → (`>`, `BOUND`).
fn bound_of(comparison: Node, source: &str) -> Option<(String, String)> {
    let mut cursor = comparison.walk();
    let children: Vec<Node> = comparison.children(&mut cursor).collect();
    let [_, operator, bound] = children.as_slice() else {
        return None;
    };
    let op = text(*operator, source);
    [">", ">="]
        .contains(&op)
        .then(|| (op.to_string(), text(*bound, source).to_string()))
}

/// A method `(self)` that closes the current thread's objects:
/// `N = getattr(self.LOCAL, "…", …)`, `for V in N.values(): V.close()`,
/// and optionally `N.clear()`; nothing else.
pub(super) fn check_closer(method: Node, source: &str, local: &str) -> Result<Body, String> {
    let name = method_name(method, source);
    let (statements, body) = body_of(method, source)?;
    let shape = || {
        format!(
            "`{name}` uses `self.{local}` and is not `N = getattr(self.{local}, …)` + `for V in N.values(): V.close()` (+ `N.clear()`)"
        )
    };
    let texts: Vec<String> = statements
        .iter()
        .map(|s| {
            text(*s, source)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let (first, rest) = texts.split_first().ok_or_else(shape)?;
    let (cache, read) = first.split_once(" = ").ok_or_else(shape)?;
    if !read.starts_with(&format!("getattr(self.{local}, "))
        || !cache.chars().all(|c| c.is_alphanumeric() || c == '_')
    {
        return Err(shape());
    }
    let Some((close_loop, tail)) = rest.split_first() else {
        return Err(shape());
    };
    let looped = close_loop
        .strip_prefix("for ")
        .and_then(|l| l.split_once(&format!(" in {cache}.values(): ")));
    let closes = looped.is_some_and(|(v, body)| body == format!("{v}.close()"));
    let cleared = match tail {
        [] => true,
        [clear] => *clear == format!("{cache}.clear()"),
        _ => false,
    };
    if closes && cleared && !statements.iter().any(|s| text(*s, source).contains('#')) {
        Ok(body)
    } else {
        Err(shape())
    }
}
