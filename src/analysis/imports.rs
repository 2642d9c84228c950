//! Import management for rules that introduce or retire names: find the
//! local name of an imported symbol, add a `from M import N`, and drop an
//! `import M` that nothing uses any more.

use crate::syntax::field;
use tree_sitter::Node;

/// A change to the import section, applied by the engine.
#[derive(Debug, Clone)]
pub enum ImportChange<'t> {
    Insert {
        at: usize,
        text: String,
    },
    /// Delete this node: a whole import statement or one name in it.
    Delete(Node<'t>),
}

fn text<'s>(node: Node, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

fn top_level_statements(root: Node) -> Vec<Node> {
    let mut cursor = root.walk();
    root.named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .collect()
}

/// Imported names of a `from … import …` statement: (name, local alias).
fn from_import_names<'t>(statement: Node<'t>, source: &str) -> Vec<(Node<'t>, String, String)> {
    let mut cursor = statement.walk();
    field::children(statement, field::NAME, &mut cursor)
        .map(|item| match item.kind() {
            "aliased_import" => {
                let name = item
                    .child_by_field_id(field::NAME)
                    .map_or("", |n| text(n, source))
                    .to_string();
                let alias = item
                    .child_by_field_id(field::ALIAS)
                    .map_or(name.clone(), |a| text(a, source).to_string());
                (item, name, alias)
            }
            _ => (
                item,
                text(item, source).to_string(),
                text(item, source).to_string(),
            ),
        })
        .collect()
}

/// The local name under which `name` from `module` is imported at module
/// level (`from m import HelpfulError as HE` → `HE`).
pub fn local_name_for(root: Node, source: &str, module: &str, name: &str) -> Option<String> {
    top_level_statements(root)
        .into_iter()
        .filter(|s| s.kind() == "import_from_statement")
        .filter(|s| {
            s.child_by_field_id(field::MODULE_NAME)
                .is_some_and(|m| text(m, source) == module)
        })
        .flat_map(|s| from_import_names(s, source))
        .find(|(_, imported, _)| imported == name)
        .map(|(_, _, local)| local)
}

/// Adds `from module import name` unless the module already imports it:
/// extends an existing `from module import …` in its own style, otherwise
/// inserts a line after the last top-level import (or the docstring).
pub fn add_from_import<'t>(
    root: Node<'t>,
    source: &str,
    module: &str,
    name: &str,
    newline: &str,
) -> Option<ImportChange<'t>> {
    if local_name_for(root, source, module, name).is_some() {
        return None;
    }
    let statements = top_level_statements(root);
    let existing = statements.iter().find(|s| {
        s.kind() == "import_from_statement"
            && s.child_by_field_id(field::MODULE_NAME)
                .is_some_and(|m| text(m, source) == module)
    });
    if let Some(statement) = existing {
        return Some(extend_from_import(*statement, source, name, newline));
    }
    let line = format!("from {module} import {name}{newline}");
    Some(match import_anchor(&statements) {
        Some(last) => insert_after_line(last, source, &line, newline),
        None => ImportChange::Insert {
            at: leading_comments_end(source),
            text: line,
        },
    })
}

fn is_import(node: Node) -> bool {
    matches!(
        node.kind(),
        "import_statement" | "import_from_statement" | "future_import_statement"
    )
}

/// The statement a new import goes after: the last top-level import before
/// the first definition (so it sits beside the others, after any
/// `sys.path` set-up between them), else the module docstring. Leading
/// comments are not statements, so a `# utils/loader.py` header never hides
/// the docstring (inserting above it would make `__doc__` `None`).
fn import_anchor<'t>(statements: &[Node<'t>]) -> Option<Node<'t>> {
    let docstring = statements
        .first()
        .copied()
        .filter(|first| is_docstring(*first));
    let header_end = statements
        .iter()
        .position(|s| is_definition(*s))
        .unwrap_or(statements.len());
    statements[..header_end]
        .iter()
        .rev()
        .find(|s| is_import(**s))
        .copied()
        .or(docstring)
}

fn is_definition(node: Node) -> bool {
    matches!(
        node.kind(),
        "function_definition" | "class_definition" | "decorated_definition"
    )
}

fn is_docstring(node: Node) -> bool {
    node.kind() == "expression_statement"
        && node.named_child_count() == 1
        && node.named_child(0).is_some_and(|c| c.kind() == "string")
}

fn insert_after_line<'t>(
    node: Node<'t>,
    source: &str,
    line: &str,
    newline: &str,
) -> ImportChange<'t> {
    match source[node.end_byte()..].find('\n') {
        Some(offset) => ImportChange::Insert {
            at: node.end_byte() + offset + 1,
            text: line.to_string(),
        },
        None => ImportChange::Insert {
            at: source.len(),
            text: format!("{newline}{}", line.trim_end_matches(['\r', '\n'])),
        },
    }
}

/// After a shebang, encoding line or licence header: the first line that is
/// not a comment.
fn leading_comments_end(source: &str) -> usize {
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        if !line.trim_start().starts_with('#') {
            break;
        }
        offset += line.len();
    }
    offset
}

fn extend_from_import<'t>(
    statement: Node<'t>,
    source: &str,
    name: &str,
    newline: &str,
) -> ImportChange<'t> {
    let names = from_import_names(statement, source);
    let last = names.last().map(|(node, _, _)| *node).unwrap_or(statement);
    let statement_text = text(statement, source);
    let multi_line = statement_text.contains('(') && statement_text.contains('\n');
    if multi_line {
        let indent = crate::source::line_indent(source, last.start_byte()).to_string();
        let after_last = &source[last.end_byte()..statement.end_byte()];
        let trailing_comma = after_last.trim_start().starts_with(',');
        if trailing_comma {
            let line_end = source[last.end_byte()..]
                .find('\n')
                .map_or(source.len(), |i| last.end_byte() + i + 1);
            return ImportChange::Insert {
                at: line_end,
                text: format!("{indent}{name},{newline}"),
            };
        }
        return ImportChange::Insert {
            at: last.end_byte(),
            text: format!(",{newline}{indent}{name}"),
        };
    }
    ImportChange::Insert {
        at: last.end_byte(),
        text: format!(", {name}"),
    }
}

/// Removes `import module` (or `module` from `import a, module`) when the
/// name it binds is used nowhere else in the file and not listed in
/// `__all__`. Imports inside `try`/`if` blocks are never touched.
pub fn remove_unused_import<'t>(
    root: Node<'t>,
    source: &str,
    module: &str,
) -> Option<ImportChange<'t>> {
    let statement = top_level_statements(root).into_iter().find(|s| {
        s.kind() == "import_statement"
            && imported_modules(*s, source)
                .iter()
                .any(|(_, m, _)| m == module)
    })?;
    let entries = imported_modules(statement, source);
    let (item, _, local) = entries.iter().find(|(_, m, _)| m == module)?;
    if is_used(root, source, local, statement) || in_dunder_all(root, source, local) {
        return None;
    }
    Some(if entries.len() == 1 {
        ImportChange::Delete(statement)
    } else {
        ImportChange::Delete(*item)
    })
}

/// (node, module, local name) for each name of an `import …` statement.
fn imported_modules<'t>(statement: Node<'t>, source: &str) -> Vec<(Node<'t>, String, String)> {
    let mut cursor = statement.walk();
    field::children(statement, field::NAME, &mut cursor)
        .map(|item| match item.kind() {
            "aliased_import" => {
                let module = item
                    .child_by_field_id(field::NAME)
                    .map_or("", |n| text(n, source))
                    .to_string();
                let alias = item
                    .child_by_field_id(field::ALIAS)
                    .map_or(module.clone(), |a| text(a, source).to_string());
                (item, module, alias)
            }
            _ => {
                let module = text(item, source).to_string();
                let local = module.split('.').next().unwrap_or_default().to_string();
                (item, module, local)
            }
        })
        .collect()
}

/// Whether `name` is referenced anywhere outside `import_statement`:
/// nested functions, class bodies, decorators, defaults and f-strings
/// included; attribute names (`x.sys`) and keyword names are not references.
fn is_used(root: Node, source: &str, name: &str, import_statement: Node) -> bool {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.id() == import_statement.id() {
            continue;
        }
        if node.kind() == "identifier" && text(node, source) == name && is_reference(node) {
            return true;
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    false
}

fn is_reference(identifier: Node) -> bool {
    let Some(parent) = identifier.parent() else {
        return true;
    };
    let is_field = |field: u16| {
        parent
            .child_by_field_id(field)
            .is_some_and(|n| n.id() == identifier.id())
    };
    !(parent.kind() == "attribute" && is_field(field::ATTRIBUTE)
        || parent.kind() == "keyword_argument" && is_field(field::NAME))
}

fn in_dunder_all(root: Node, source: &str, name: &str) -> bool {
    top_level_statements(root).into_iter().any(|statement| {
        let assignment = statement
            .named_child(0)
            .filter(|a| a.kind() == "assignment");
        assignment.is_some_and(|a| {
            let target = a
                .child_by_field_id(field::LEFT)
                .is_some_and(|l| text(l, source) == "__all__");
            let value = a
                .child_by_field_id(field::RIGHT)
                .map_or("", |r| text(r, source));
            target
                && (value.contains(&format!("\"{name}\"")) || value.contains(&format!("'{name}'")))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax;

    fn apply_change(source: &str, change: Option<ImportChange>) -> String {
        match change {
            None => source.to_string(),
            Some(ImportChange::Insert { at, text }) => {
                format!("{}{}{}", &source[..at], text, &source[at..])
            }
            Some(ImportChange::Delete(node)) => format!(
                "{}<DEL>{}",
                &source[..node.start_byte()],
                &source[node.end_byte()..]
            ),
        }
    }

    fn add(source: &str) -> String {
        let tree = syntax::parse(source);
        apply_change(
            source,
            add_from_import(
                tree.root_node(),
                source,
                "utils.exceptions",
                "HelpfulError",
                "\n",
            ),
        )
    }

    fn remove(source: &str) -> String {
        let tree = syntax::parse(source);
        apply_change(
            source,
            remove_unused_import(tree.root_node(), source, "sys"),
        )
    }

    #[test]
    fn adds_after_the_last_import_and_docstring() {
        assert_eq!(
            add("\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\nimport os\n\nx = 1\n"),
            "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\nimport os\nfrom utils.exceptions import HelpfulError\n\nx = 1\n"
        );
        assert_eq!(
            add("\"\"\"Only a docstring.\"\"\"\n"),
            "\"\"\"Only a docstring.\"\"\"\nfrom utils.exceptions import HelpfulError\n"
        );
        assert_eq!(
            add("#!/usr/bin/env python3\nx = 1\n"),
            "#!/usr/bin/env python3\nfrom utils.exceptions import HelpfulError\nx = 1\n"
        );
        assert_eq!(
            add("import os"),
            "import os\nfrom utils.exceptions import HelpfulError"
        );
    }

    #[test]
    fn never_goes_above_the_docstring() {
        assert_eq!(
            add("# utils/loader.py\n\"\"\"Doc.\"\"\"\n\nx = 1\n"),
            "# utils/loader.py\n\"\"\"Doc.\"\"\"\nfrom utils.exceptions import HelpfulError\n\nx = 1\n"
        );
        assert_eq!(
            add(
                "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n# header\n\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\n\ndef f():\n    pass\n"
            ),
            "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n# header\n\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\nfrom utils.exceptions import HelpfulError\n\ndef f():\n    pass\n"
        );
    }

    #[test]
    fn goes_beside_the_imports_after_path_set_up() {
        assert_eq!(
            add(
                "import sys\nsys.path.insert(0, '.')\nimport utils.x\n\ndef f():\n    import json\n"
            ),
            "import sys\nsys.path.insert(0, '.')\nimport utils.x\nfrom utils.exceptions import HelpfulError\n\ndef f():\n    import json\n"
        );
        assert_eq!(
            add("\"\"\"Doc.\"\"\"\ndef f():\n    pass\nimport late\n"),
            "\"\"\"Doc.\"\"\"\nfrom utils.exceptions import HelpfulError\ndef f():\n    pass\nimport late\n"
        );
    }

    #[test]
    fn extends_an_existing_from_import_in_its_style() {
        assert_eq!(
            add("from utils.exceptions import ApiError\n"),
            "from utils.exceptions import ApiError, HelpfulError\n"
        );
        assert_eq!(
            add("from utils.exceptions import (\n    ApiError,\n)\n"),
            "from utils.exceptions import (\n    ApiError,\n    HelpfulError,\n)\n"
        );
        assert_eq!(
            add("from utils.exceptions import HelpfulError as HE\n"),
            "from utils.exceptions import HelpfulError as HE\n"
        );
    }

    #[test]
    fn local_alias_is_found() {
        let source = "from utils.exceptions import HelpfulError as HE\n";
        let tree = syntax::parse(source);
        assert_eq!(
            local_name_for(tree.root_node(), source, "utils.exceptions", "HelpfulError").as_deref(),
            Some("HE")
        );
    }

    #[test]
    fn removes_only_unused_top_level_imports() {
        assert_eq!(remove("import sys\nx = 1\n"), "<DEL>\nx = 1\n");
        assert_eq!(
            remove("import os, sys\nos.getcwd()\n"),
            "import os, <DEL>\nos.getcwd()\n"
        );
        assert_eq!(
            remove("import sys\nprint(1, file=sys.stderr)\n"),
            "import sys\nprint(1, file=sys.stderr)\n"
        );
        assert_eq!(
            remove("import sys\ndef f():\n    return f\"{sys.argv}\"\n"),
            "import sys\ndef f():\n    return f\"{sys.argv}\"\n"
        );
        assert_eq!(
            remove("import sys\n@deco(sys.maxsize)\ndef f(x=sys.argv):\n    pass\n"),
            "import sys\n@deco(sys.maxsize)\ndef f(x=sys.argv):\n    pass\n"
        );
        assert_eq!(
            remove("try:\n    import sys\nexcept ImportError:\n    pass\n"),
            "try:\n    import sys\nexcept ImportError:\n    pass\n"
        );
        assert_eq!(
            remove("import sys\n__all__ = ['sys']\n"),
            "import sys\n__all__ = ['sys']\n"
        );
        assert_eq!(
            remove("import sys as system\nx = os.sys\n"),
            "<DEL>\nx = os.sys\n"
        );
        assert_eq!(
            remove("import sys as system\nsystem.exit(1)\n"),
            "import sys as system\nsystem.exit(1)\n"
        );
        assert_eq!(remove("x = 1\n"), "x = 1\n");
    }
}
