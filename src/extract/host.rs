//! The function a block is extracted from: what it is (module function,
//! method, class or static method), its parameters, layout and flow facts.

use crate::syntax::field;
use std::cell::RefCell;

use tree_sitter::Node;

use crate::analysis::flow::{self, Flow};
use crate::analysis::metrics::last_code_row;
use crate::analysis::names::{self, Hazard, NameSet, Names};

/// How the helper is attached and called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    /// A module-level function: the helper is one too.
    Function,
    /// An instance method: `self._helper(…)`.
    Method,
    /// A `@classmethod`: `cls._helper(…)`.
    ClassMethod,
    /// A `@staticmethod`: `Class._helper(…)`.
    StaticMethod,
}

/// A parameter and its annotation, as written.
#[derive(Debug, Clone)]
pub struct Parameter<'s> {
    pub name: &'s str,
    pub annotation: Option<&'s str>,
}

pub struct Host<'t, 's> {
    pub function: Node<'t>,
    /// The statement that holds the function (its `decorated_definition`).
    pub outer: Node<'t>,
    pub name: &'s str,
    pub class_name: Option<&'s str>,
    pub kind: HostKind,
    pub is_async: bool,
    /// `self` / `cls` for methods and class methods.
    pub receiver: Option<&'s str>,
    pub parameters: Vec<Parameter<'s>>,
    pub indent: &'s str,
    /// One level of indentation as the function's body uses it.
    pub unit: String,
    pub body: Vec<Node<'t>>,
    pub flow: Flow<'s>,
    /// What the flow analysis learnt of each statement, for the analyses of
    /// candidate blocks (`facts.rs`).
    pub memo: RefCell<flow::Memo<'s>>,
    /// Names of the whole body (bindings, captures, hazards with offsets).
    pub names: Names<'s>,
    /// Names bound anywhere in the function, parameters included.
    pub locals: NameSet<'s>,
    /// Names the function declares `global` or `nonlocal`.
    pub declared: NameSet<'s>,
}

/// Why a whole function cannot have blocks extracted.
pub fn unsupported(host: &Host) -> Option<String> {
    if matches!(host.kind, HostKind::Method | HostKind::ClassMethod) && host.receiver.is_none() {
        return Some("the method has no plain first parameter to call the helper on".into());
    }
    if host
        .names
        .hazards
        .iter()
        .any(|(h, _)| *h == Hazard::TooDeep)
    {
        return Some("the function is nested too deeply to analyse".into());
    }
    if host.kind == HostKind::Function && module_prunes_namespace(host.outer) {
        return Some(
            "the module deletes names from its own namespace; a helper would stay in it".into(),
        );
    }
    if let Some(receiver) = host.receiver
        && host.names.writes.iter().any(|(name, _)| *name == receiver)
    {
        return Some(format!("the function rebinds `{receiver}`"));
    }
    None
}

impl<'t, 's> Host<'t, 's> {
    /// `function` is a `function_definition`; `class` its class, if a method.
    pub fn new(function: Node<'t>, class: Option<Node<'t>>, text: &'s str) -> Option<Self> {
        let outer = match function.parent() {
            Some(parent) if parent.kind() == "decorated_definition" => parent,
            _ => function,
        };
        let body_node = function.child_by_field_id(field::BODY)?;
        let body = flow::statements_of(body_node);
        let first = body.first()?;
        let indent = crate::source::line_indent(text, outer.start_byte());
        let body_indent = crate::source::line_indent(text, first.start_byte());
        // A body on the `def` line, or indented oddly, is not ours to split.
        if first.start_position().row == function.start_position().row
            || !body_indent.starts_with(indent)
            || body_indent.len() == indent.len()
        {
            return None;
        }
        let name_of = |node: Node| &text[node.byte_range()];
        let kind = host_kind(outer, class, text);
        let parameters = parameters_of(function, text);
        let receiver = match kind {
            HostKind::Method | HostKind::ClassMethod => plain_first_parameter(function, text),
            _ => None,
        };
        let names = names::collect(body_node, text);
        let mut memo = flow::Memo::default();
        let mut locals: NameSet = names.written();
        locals.extend(parameters.iter().map(|p| p.name));
        let declared = names
            .hazards
            .iter()
            .filter_map(|(hazard, _)| match hazard {
                Hazard::Global(name) | Hazard::Nonlocal(name) => Some(*name),
                _ => None,
            })
            .collect();
        Some(Host {
            function,
            outer,
            name: function.child_by_field_id(field::NAME).map_or("", name_of),
            class_name: class
                .and_then(|c| c.child_by_field_id(field::NAME))
                .map(name_of),
            kind,
            is_async: names::is_async(function),
            receiver,
            parameters,
            indent,
            unit: body_indent[indent.len()..].to_string(),
            body,
            flow: Flow::of_function_with(function, text, &mut memo),
            memo: RefCell::new(memo),
            names,
            locals,
            declared,
        })
    }

    /// The plan's metric: `end_lineno - lineno` of the `def`.
    pub fn length(&self) -> usize {
        last_code_row(self.function) - self.function.start_position().row
    }

    pub fn qualname(&self) -> String {
        match self.class_name {
            Some(class) => format!("{class}.{}", self.name),
            None => self.name.to_string(),
        }
    }

    pub fn annotation_of(&self, name: &str) -> Option<&'s str> {
        self.parameters
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.annotation)
    }

    /// Indentation of the helper's body.
    pub fn helper_body_indent(&self) -> String {
        format!("{}{}", self.indent, self.unit)
    }
}

/// A module-level `del` (as `datetime.py` removes its private helpers):
/// the module's namespace is part of its behaviour.
fn module_prunes_namespace(definition: Node) -> bool {
    definition.parent().is_some_and(|module| {
        let mut cursor = module.walk();
        module
            .named_children(&mut cursor)
            .any(|s| s.kind() == "delete_statement")
    })
}

fn host_kind(outer: Node, class: Option<Node>, text: &str) -> HostKind {
    if class.is_none() {
        return HostKind::Function;
    }
    let mut cursor = outer.walk();
    let decorators: Vec<&str> = outer
        .named_children(&mut cursor)
        .filter(|c| c.kind() == "decorator")
        .map(|d| text[d.byte_range()].trim_start_matches('@').trim())
        .collect();
    let name = outer
        .child_by_field_id(field::DEFINITION)
        .unwrap_or(outer)
        .child_by_field_id(field::NAME)
        .map_or("", |n| &text[n.byte_range()]);
    // `__new__` is a static method taking the class, the others are
    // class methods, without decorators: helpers become class methods.
    let implicit_class = matches!(name, "__new__" | "__init_subclass__" | "__class_getitem__");
    if decorators.contains(&"staticmethod") {
        HostKind::StaticMethod
    } else if decorators.contains(&"classmethod") || implicit_class {
        HostKind::ClassMethod
    } else {
        HostKind::Method
    }
}

fn parameters_of<'s>(function: Node, text: &'s str) -> Vec<Parameter<'s>> {
    let Some(parameters) = function.child_by_field_id(field::PARAMETERS) else {
        return Vec::new();
    };
    let mut cursor = parameters.walk();
    parameters
        .named_children(&mut cursor)
        .filter_map(|parameter| {
            let name = names::parameter_name(parameter)?;
            // `*args: int` annotates the items, not the tuple: not copied.
            let plain = matches!(
                parameter.kind(),
                "typed_parameter" | "typed_default_parameter"
            ) && parameter
                .named_child(0)
                .is_some_and(|c| c.kind() == "identifier");
            let annotation = parameter
                .child_by_field_id(field::TYPE)
                .filter(|_| plain)
                .map(|t| &text[t.byte_range()]);
            Some(Parameter {
                name: &text[name.byte_range()],
                annotation,
            })
        })
        .collect()
}

/// The first parameter when it is a plain name (not `*args`).
fn plain_first_parameter<'s>(function: Node, text: &'s str) -> Option<&'s str> {
    let parameters = function.child_by_field_id(field::PARAMETERS)?;
    let first = parameters.named_child(0)?;
    let name = match first.kind() {
        "identifier" => first,
        "typed_parameter" => first.named_child(0).filter(|n| n.kind() == "identifier")?,
        _ => return None,
    };
    Some(&text[name.byte_range()])
}

/// Every function this module may split, with its class: module-level
/// functions and methods of module-level classes. Nested functions and
/// closures are left alone.
pub fn hosts<'t>(root: Node<'t>) -> Vec<(Node<'t>, Option<Node<'t>>)> {
    let mut out = Vec::new();
    for statement in flow::statements_of(root) {
        match definition(statement) {
            Some(def) if def.kind() == "function_definition" => out.push((def, None)),
            Some(class) if class.kind() == "class_definition" => {
                let Some(body) = class.child_by_field_id(field::BODY) else {
                    continue;
                };
                for member in flow::statements_of(body) {
                    if let Some(def) =
                        definition(member).filter(|d| d.kind() == "function_definition")
                    {
                        out.push((def, Some(class)));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn definition(statement: Node) -> Option<Node> {
    match statement.kind() {
        "decorated_definition" => statement.child_by_field_id(field::DEFINITION),
        "function_definition" | "class_definition" => Some(statement),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn kinds(code: &str) -> Vec<(String, HostKind, Option<String>)> {
        let tree = parse(code);
        hosts(tree.root_node())
            .into_iter()
            .filter_map(|(function, class)| Host::new(function, class, code))
            .map(|h| (h.qualname(), h.kind, h.receiver.map(str::to_string)))
            .collect()
    }

    #[test]
    fn implicit_class_methods_call_helpers_on_the_class() {
        let code = "class A:\n    def __new__(cls, v):\n        return v\n    @staticmethod\n    def s(x):\n        return x\n    def m(self):\n        return 1\n\ndef f():\n    return 2\n";
        let cls = Some("cls".to_string());
        assert_eq!(
            kinds(code),
            [
                ("A.__new__".to_string(), HostKind::ClassMethod, cls),
                ("A.s".to_string(), HostKind::StaticMethod, None),
                (
                    "A.m".to_string(),
                    HostKind::Method,
                    Some("self".to_string())
                ),
                ("f".to_string(), HostKind::Function, None),
            ]
        );
    }
}
