//! The text of a planned rewrite: the manager class and its default
//! instance (replacing the first state), the forwarding functions, the
//! classes' keyword-only parameters, and the imports.

use crate::syntax::field;
use tree_sitter::Node;

use super::names;
use super::plan::{DEFAULT_MANAGER, DEFAULT_MANAGER_LOCK, Module, attribute_name, line_end};
use crate::transforms::{ChangeSet, FileChange};

pub fn change(m: &Module) -> ChangeSet {
    let text = m.file.text;
    let newline = m.file.newline;
    let mut edits = Vec::new();
    let mut push = |start: usize, end: usize, generated: String| {
        edits.push(FileChange {
            file: m.file.file,
            start,
            end,
            replacement: newline.apply(&generated),
        });
    };
    if !m.imports.is_empty() {
        let lead = if m.import_at > 0 && !text[..m.import_at].ends_with('\n') {
            "\n"
        } else {
            ""
        };
        let lines: String = m.imports.iter().map(|i| format!("import {i}\n")).collect();
        push(m.import_at, m.import_at, format!("{lead}{lines}"));
    }
    let first = m.states[0].statement;
    push(first.start_byte(), first.end_byte(), manager_block(m));
    for state in &m.states[1..] {
        let (range, replacement) = crate::engine::fix::deletion(state.statement, text);
        push(range.start, range.end, replacement);
    }
    for function in &m.functions {
        push(
            function.node.start_byte(),
            function.node.end_byte(),
            wrapper(m, function.node, &function.name, function.deprecated),
        );
    }
    for class in &m.classes {
        for (start, end, replacement) in class_edits(m, class) {
            push(start, end, replacement);
        }
    }
    edits.sort_by_key(|e| (e.start, e.end));
    ChangeSet {
        message: format!("module state moves into `{}`", m.class_name),
        edits,
        new_files: Vec::new(),
    }
}

/// The class, the default instance and its two functions.
fn manager_block(m: &Module) -> String {
    let u = &m.indent;
    let c = &m.class_name;
    let mut out = format!(
        "class {c}:\n{u}\"\"\"Holds what used to be module state; create one per application or test.\"\"\"\n\n"
    );
    let params: Vec<String> = m
        .states
        .iter()
        .map(|s| format!(", {}=None", s.attr))
        .collect();
    out.push_str(&format!("{u}def __init__(self{}):\n", params.concat()));
    for state in &m.states {
        // The state's annotation stays, on the attribute.
        let annotation = state
            .statement
            .named_child(0)
            .and_then(|a| a.child_by_field_id(field::TYPE))
            .map(|t| format!(": {}", &m.file.text[t.byte_range()]))
            .unwrap_or_default();
        out.push_str(&format!(
            "{u}{u}self.{}{annotation} = {}\n",
            state.attr,
            initial_value(m, state)
        ));
    }
    for function in &m.functions {
        out.push('\n');
        out.push_str(&method(m, function.node));
    }
    let (d, s) = (&m.default_function, &m.set_default_function);
    out.push_str(&format!(
        "\n\n{DEFAULT_MANAGER} = None\n{DEFAULT_MANAGER_LOCK} = threading.Lock()\n\n\n\
def {d}() -> {c}:\n\
{u}\"\"\"The {c} the module-level functions use, created on first use.\"\"\"\n\
{u}global {DEFAULT_MANAGER}\n\
{u}with {DEFAULT_MANAGER_LOCK}:\n\
{u}{u}if {DEFAULT_MANAGER} is None:\n\
{u}{u}{u}{DEFAULT_MANAGER} = {c}()\n\
{u}{u}return {DEFAULT_MANAGER}\n\n\n\
def {s}(manager: {c}) -> None:\n\
{u}\"\"\"Makes `manager` the one the module-level functions use (for tests).\"\"\"\n\
{u}global {DEFAULT_MANAGER}\n\
{u}with {DEFAULT_MANAGER_LOCK}:\n\
{u}{u}{DEFAULT_MANAGER} = manager"
    ));
    out
}

/// `VALUE if attr is None else attr`, the value's state references and
/// class calls pointing at this manager.
fn initial_value(m: &Module, state: &super::plan::State) -> String {
    let value = state.value;
    let attr = &state.attr;
    if value.kind() == "none" {
        return attr.clone();
    }
    let rewritten = rewrite(m.file.text, value, manager_edits(m, value));
    let simple = matches!(
        value.kind(),
        "call"
            | "dictionary"
            | "list"
            | "set"
            | "tuple"
            | "identifier"
            | "attribute"
            | "subscript"
            | "integer"
            | "float"
            | "string"
            | "true"
            | "false"
            | "parenthesized_expression"
            | "dictionary_comprehension"
            | "list_comprehension"
            | "set_comprehension"
    );
    let value = if simple {
        rewritten
    } else {
        format!("({rewritten})")
    };
    format!("{value} if {attr} is None else {attr}")
}

/// Edits that make code inside the manager use the manager: state names
/// become `self.attr`, converted functions `self.name`, and calls of
/// classes that read the state pass this manager's objects.
fn manager_edits(m: &Module, node: Node) -> Vec<(usize, usize, String)> {
    let text = m.file.text;
    let mut edits = Vec::new();
    let state_names = m.states.iter().map(|s| s.name.clone()).collect();
    for found in names::uses(node, &state_names, text) {
        if found
            .parent()
            .is_some_and(|p| p.kind() == "global_statement")
        {
            continue;
        }
        let attr = attribute_name(&text[found.byte_range()]);
        edits.push((found.start_byte(), found.end_byte(), format!("self.{attr}")));
    }
    let function_names = m.functions.iter().map(|f| f.name.clone()).collect();
    for found in names::uses(node, &function_names, text) {
        let name = &text[found.byte_range()];
        edits.push((found.start_byte(), found.end_byte(), format!("self.{name}")));
    }
    crate::syntax::walk_pruned(
        node,
        |_| true,
        |n| {
            if n.kind() != "call" {
                return;
            }
            let callee = n
                .child_by_field_id(field::FUNCTION)
                .map(|f| &text[f.byte_range()]);
            let Some(class) = m.classes.iter().find(|c| Some(c.name.as_str()) == callee) else {
                return;
            };
            let Some(arguments) = n.child_by_field_id(field::ARGUMENTS) else {
                return;
            };
            let passed: Vec<String> = class
                .reads
                .iter()
                .map(|r| format!("{0}=self.{0}", attribute_name(r)))
                .collect();
            edits.push(append_arguments(arguments, text, &passed));
        },
    );
    edits
}

/// An insertion before the closing bracket of an argument or parameter list.
fn append_arguments(list: Node, text: &str, items: &[String]) -> (usize, usize, String) {
    let close = list.end_byte() - 1;
    let mut cursor = list.walk();
    let last = list
        .named_children(&mut cursor)
        .filter(|c| c.kind() != "comment")
        .last();
    match last {
        Some(last) => (
            last.end_byte(),
            last.end_byte(),
            format!(", {}", items.join(", ")),
        ),
        None => {
            let _ = text;
            (close, close, items.join(", "))
        }
    }
}

/// Applies `edits` (absolute offsets inside `node`) to the node's text.
fn rewrite(text: &str, node: Node, mut edits: Vec<(usize, usize, String)>) -> String {
    edits.sort_by_key(|e| (e.0, e.1));
    let mut out = String::new();
    let mut cursor = node.start_byte();
    for (start, end, replacement) in edits {
        if start < cursor {
            continue;
        }
        out.push_str(&text[cursor..start]);
        out.push_str(&replacement);
        cursor = end;
    }
    out.push_str(&text[cursor..node.end_byte()]);
    out
}

/// The function as a method: `self` first, `global` lines gone, the
/// manager's names, one indentation level deeper.
fn method(m: &Module, function: Node) -> String {
    let text = m.file.text;
    let mut edits = manager_edits(m, function);
    crate::syntax::walk_pruned(
        function,
        |_| true,
        |n| {
            if n.kind() == "global_statement" {
                let start = text[..n.start_byte()].rfind('\n').map_or(0, |i| i + 1);
                edits.push((start, line_end(text, n.end_byte()), String::new()));
            }
        },
    );
    if let Some(parameters) = function.child_by_field_id(field::PARAMETERS) {
        let open = parameters.start_byte() + 1;
        let empty = parameters.named_child_count() == 0;
        edits.push((
            open,
            open,
            if empty {
                "self".into()
            } else {
                "self, ".into()
            },
        ));
    }
    let moved = rewrite(text, function, edits).replace("\r\n", "\n");
    let mut out = String::new();
    for line in moved.split('\n') {
        if !line.trim().is_empty() {
            out.push_str(&m.indent);
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// The old function: same signature, forwarding every argument to the
/// default manager, deprecated or not.
fn wrapper(m: &Module, function: Node, name: &str, deprecated: bool) -> String {
    let text = m.file.text;
    let mut cursor = function.walk();
    let colon = function
        .children(&mut cursor)
        .filter(|c| c.kind() == ":")
        .last();
    let header_end = colon.map_or(function.start_byte(), |c| c.end_byte());
    let header = &text[function.start_byte()..header_end];
    let body = function.child_by_field_id(field::BODY);
    let indent = body.map_or(m.indent.as_str(), |b| {
        crate::source::line_indent(text, b.start_byte())
    });
    let u = &m.indent;
    let (c, d) = (&m.class_name, &m.default_function);
    let mut out = format!("{header}\n");
    if deprecated {
        out.push_str(&format!(
            "{indent}\"\"\"Deprecated: use {c}.{name}() ({d}() is the shared instance).\"\"\"\n\
{indent}warnings.warn(\n\
{indent}{u}\"{name}() is deprecated; use {c}().{name}() or {d}().{name}()\",\n\
{indent}{u}DeprecationWarning,\n\
{indent}{u}stacklevel=2,\n\
{indent})\n"
        ));
    } else if let Some(docstring) = body.and_then(|b| b.named_child(0)).filter(|s| {
        s.kind() == "expression_statement" && s.named_child(0).is_some_and(|d| d.kind() == "string")
    }) {
        out.push_str(&format!("{indent}{}\n", &text[docstring.byte_range()]));
    }
    let arguments = function
        .child_by_field_id(field::PARAMETERS)
        .map(|p| forwarded_arguments(p, text))
        .unwrap_or_default();
    out.push_str(&format!("{indent}return {d}().{name}({arguments})"));
    out
}

/// Every parameter passed on exactly: positional ones by position, then
/// `*args`, keyword-only ones by keyword, then `**kwargs`.
fn forwarded_arguments(parameters: Node, text: &str) -> String {
    let mut out = Vec::new();
    let mut keyword_only = false;
    let mut cursor = parameters.walk();
    for parameter in parameters.named_children(&mut cursor) {
        let star = match parameter.kind() {
            "typed_parameter" => parameter.named_child(0).map(|c| c.kind()),
            kind => Some(kind),
        };
        let Some(name) = names::parameter_name(parameter, text) else {
            if parameter.kind() == "keyword_separator" {
                keyword_only = true;
            }
            continue;
        };
        match star {
            Some("list_splat_pattern") => {
                out.push(format!("*{name}"));
                keyword_only = true;
            }
            Some("dictionary_splat_pattern") => out.push(format!("**{name}")),
            _ if keyword_only => out.push(format!("{name}={name}")),
            _ => out.push(name.to_string()),
        }
    }
    out.join(", ")
}

/// A keyword-only parameter per state the class reads (defaulting to the
/// default manager's object) and the reads pointing at it.
fn class_edits(m: &Module, class: &super::plan::ReadingClass) -> Vec<(usize, usize, String)> {
    let text = m.file.text;
    let mut edits = Vec::new();
    let Some(parameters) = class.init.child_by_field_id(field::PARAMETERS) else {
        return edits;
    };
    let new: Vec<String> = class
        .reads
        .iter()
        .map(|r| format!("{}=None", attribute_name(r)))
        .collect();
    let mut cursor = parameters.walk();
    let children: Vec<Node> = parameters.named_children(&mut cursor).collect();
    let has_star = children.iter().any(|p| {
        p.kind() == "keyword_separator"
            || p.kind() == "list_splat_pattern"
            || (p.kind() == "typed_parameter"
                && p.named_child(0)
                    .is_some_and(|c| c.kind() == "list_splat_pattern"))
    });
    let star = if has_star { "" } else { "*, " };
    let double_star = children.iter().find(|p| {
        p.kind() == "dictionary_splat_pattern"
            || (p.kind() == "typed_parameter"
                && p.named_child(0)
                    .is_some_and(|c| c.kind() == "dictionary_splat_pattern"))
    });
    match (double_star, children.last()) {
        (Some(kw), _) => edits.push((
            kw.start_byte(),
            kw.start_byte(),
            format!("{star}{}, ", new.join(", ")),
        )),
        (None, Some(last)) => edits.push((
            last.end_byte(),
            last.end_byte(),
            format!(", {star}{}", new.join(", ")),
        )),
        (None, None) => {}
    }
    let state_names = class.reads.iter().cloned().collect();
    for found in names::uses(class.init, &state_names, text) {
        let attr = attribute_name(&text[found.byte_range()]);
        let d = &m.default_function;
        edits.push((
            found.start_byte(),
            found.end_byte(),
            format!("({d}().{attr} if {attr} is None else {attr})"),
        ));
    }
    edits
}
