//! What a fact is about, named for people: the function or class around a
//! node, and for `assess` a finding's subject (a qualified name with its
//! kind or size).

use crate::syntax::field;
use serde::{Deserialize, Serialize};
use tree_sitter::Node;

use super::metrics::{FunctionLength, GlobalState};

fn text<'s>(node: Node, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

/// Names of enclosing classes and functions, outermost first, each with
/// whether it is a function.
pub fn enclosing_names(node: Node, source: &str) -> Vec<(String, bool)> {
    let mut names = Vec::new();
    let mut current = node.parent();
    while let Some(ancestor) = current {
        if matches!(ancestor.kind(), "function_definition" | "class_definition") {
            let name = ancestor
                .child_by_field_id(field::NAME)
                .map_or("", |n| text(n, source));
            names.push((name.to_string(), ancestor.kind() == "function_definition"));
        }
        current = ancestor.parent();
    }
    names.reverse();
    names
}

/// `Class.method` around `node`, or `module level`.
pub fn qualified_name(node: Node, source: &str) -> String {
    let names: Vec<String> = enclosing_names(node, source)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    if names.is_empty() {
        "module level".to_string()
    } else {
        names.join(".")
    }
}

/// What a finding is about, as `assess` lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// The function, class, global or code the finding is about.
    pub name: String,
    /// Its kind, size or place.
    pub detail: String,
    /// Functions: length by the plan's measure (`end_lineno - lineno`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines: Option<usize>,
    /// Functions: lines holding code (not blank, not only a comment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_lines: Option<usize>,
}

impl Subject {
    /// `shown` (quoted code) and the function or class it sits in.
    pub fn code_in(node: Node, source: &str, shown: String) -> Subject {
        match qualified_name(node, source) {
            module if module == "module level" => Subject::code_in_scope(shown, None),
            scope => Subject::code_in_scope(shown, Some(&scope)),
        }
    }

    /// Code in `scope` (`Class.method`), or at module level.
    pub fn code_in_scope(shown: String, scope: Option<&str>) -> Subject {
        let place = match scope {
            None => "at module level".to_string(),
            Some(scope) => format!("in {scope}"),
        };
        Subject {
            name: shown,
            detail: place,
            ..Subject::default()
        }
    }

    pub fn function(function: &FunctionLength, source: &str) -> Subject {
        let name_node = function
            .node
            .child_by_field_id(field::NAME)
            .unwrap_or(function.node);
        let from_def = &source[function.node.start_byte()..];
        Subject::function_named(
            qualified_name(name_node, source),
            function.lines,
            code_lines(from_def, function.lines),
        )
    }

    /// A function by its qualified name, length and code lines.
    pub fn function_named(name: String, lines: usize, code_lines: usize) -> Subject {
        Subject {
            name,
            detail: format!("{lines} lines (end_lineno - lineno), {code_lines} code lines"),
            lines: Some(lines),
            code_lines: Some(code_lines),
        }
    }

    pub fn global(global: &GlobalState) -> Subject {
        Subject::global_named(&global.name, &global.why)
    }

    /// A module-level name holding state, and why.
    pub fn global_named(name: &str, why: &str) -> Subject {
        Subject {
            name: name.to_string(),
            detail: why.to_string(),
            ..Subject::default()
        }
    }

    /// A `@dataclass` (its decorated definition) by its class name.
    pub fn dataclass(node: Node, source: &str) -> Subject {
        let class = node
            .child_by_field_id(field::DEFINITION)
            .and_then(|d| d.child_by_field_id(field::NAME))
            .map_or("", |n| text(n, source));
        Subject::dataclass_named(class)
    }

    /// A `@dataclass` with field defaults, by its class name.
    pub fn dataclass_named(class: &str) -> Subject {
        Subject {
            name: class.to_string(),
            detail: "a @dataclass with field defaults".into(),
            ..Subject::default()
        }
    }
}

/// Lines of a function (`from_def`: the text from its `def`) up to its
/// last statement (`lines` after the first) that hold code: not blank and
/// not only a comment (a docstring counts).
pub fn code_lines(from_def: &str, lines: usize) -> usize {
    from_def
        .lines()
        .take(lines + 1)
        .filter(|line| {
            let line = line.trim();
            !line.is_empty() && !line.starts_with('#')
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax;

    fn first_function<'t>(root: Node<'t>) -> Node<'t> {
        let mut found = None;
        syntax::walk_pruned(
            root,
            |_| true,
            |node| {
                if node.kind() == "function_definition" && found.is_none() {
                    found = Some(node);
                }
            },
        );
        found.expect("a function")
    }

    #[test]
    fn a_method_is_named_with_its_class_and_counted_two_ways() {
        let source = "class Api:\n    def call(self):\n        \"\"\"Doc.\"\"\"\n\n        # why\n        x = 1\n        return x\n    # trailing\n";
        let tree = syntax::parse(source);
        let node = first_function(tree.root_node());
        let function = FunctionLength {
            node,
            name: "call".into(),
            lines: 5,
        };
        let subject = Subject::function(&function, source);
        assert_eq!(subject.name, "Api.call");
        assert_eq!((subject.lines, subject.code_lines), (Some(5), Some(4)));
        assert_eq!(qualified_name(tree.root_node(), source), "module level");
    }
}
