//! The text of a helper and of the call that replaces its block: methods
//! stay methods, annotations of parameters are copied, comments move with
//! the code, multi-line strings are never re-indented.

use std::collections::BTreeSet;

use tree_sitter::Node;

use super::UsedNames;
use super::blocks::{Block, Lines};
use super::host::{Host, HostKind};
use super::safety::Signature;

/// The helper's name: from the block's leading comment, else from its
/// single output, else `_<function>_part_N`; never one already in `used`.
pub fn helper_name(
    host: &Host,
    block: &Block,
    signature: &Signature,
    part: usize,
    used: &UsedNames,
) -> String {
    let from_comment = block
        .comment
        .first()
        .map(|c| snake_words(c))
        .filter(|w| !w.is_empty());
    let base = match (from_comment, signature.outputs.as_slice()) {
        (Some(words), _) => format!("_{words}"),
        (None, [single]) => format!("_compute_{}", single.trim_start_matches('_')),
        _ => format!("_{}_part_{part}", host.name.trim_start_matches('_')),
    };
    let mut name = base.clone();
    let mut suffix = 2;
    while used.contains(&name) {
        name = format!("{base}_{suffix}");
        suffix += 1;
    }
    name
}

/// `Build URL with pagination.` → `build_url_with_pagination` (five words at most).
fn snake_words(comment: &str) -> String {
    comment
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(5)
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// The expression that calls the helper: `self._h(a, b)`, `await …`.
fn call_expression(host: &Host, name: &str, signature: &Signature) -> String {
    let target = match (host.kind, host.receiver, host.class_name) {
        (HostKind::Method | HostKind::ClassMethod, Some(receiver), _) => format!("{receiver}."),
        (HostKind::StaticMethod, _, Some(class)) => format!("{class}."),
        _ => String::new(),
    };
    let awaited = if signature.is_async { "await " } else { "" };
    format!("{awaited}{target}{name}({})", signature.inputs.join(", "))
}

/// The statement that replaces the block (no indentation, no newline).
pub fn call_statement(host: &Host, name: &str, signature: &Signature) -> String {
    let call = call_expression(host, name, signature);
    if signature.returns {
        format!("return {call}")
    } else if signature.outputs.is_empty() {
        call
    } else {
        format!("{} = {call}", signature.outputs.join(", "))
    }
}

/// The helper's definition with `\n` line ends, at the host's indentation.
pub fn helper(
    host: &Host,
    block: &Block,
    name: &str,
    signature: &Signature,
    lines: &Lines,
    text: &str,
) -> String {
    let indent = host.indent;
    let body_indent = host.helper_body_indent();
    let mut out = String::new();
    match host.kind {
        HostKind::StaticMethod => out.push_str(&format!("{indent}@staticmethod\n")),
        HostKind::ClassMethod => out.push_str(&format!("{indent}@classmethod\n")),
        _ => {}
    }
    let keyword = if signature.is_async {
        "async def"
    } else {
        "def"
    };
    out.push_str(&format!(
        "{indent}{keyword} {name}({}):\n",
        parameters(host, signature).join(", ")
    ));
    let docstring = docstring(&block.comment, &body_indent);
    let first_row = match &docstring {
        Some(doc) => {
            out.push_str(doc);
            block.start_row + block.comment.len()
        }
        None => block.start_row,
    };
    let verbatim = string_continuation_rows(block);
    let block_indent = crate::source::line_indent(text, block.start_byte());
    for row in first_row..=block.end_row {
        let line = lines.get(row);
        if verbatim.contains(&row) {
            out.push_str(line);
        } else if line.trim().is_empty() {
            // Blank lines carry no indentation.
        } else if let Some(rest) = line.strip_prefix(block_indent) {
            out.push_str(&body_indent);
            out.push_str(rest);
        } else {
            // Less indented: a comment, or a continuation inside brackets.
            out.push_str(&body_indent);
            out.push_str(line.trim_start());
        }
        out.push('\n');
    }
    if !signature.outputs.is_empty() {
        out.push_str(&format!(
            "{body_indent}return {}\n",
            signature.outputs.join(", ")
        ));
    }
    out
}

/// The helper's signature as a person would write it, for a proposal.
pub fn signature_text(host: &Host, name: &str, signature: &Signature) -> String {
    let keyword = if signature.is_async {
        "async def"
    } else {
        "def"
    };
    let head = format!(
        "{keyword} {name}({})",
        parameters(host, signature).join(", ")
    );
    if signature.returns {
        format!("{head}  # returns the function's result")
    } else if signature.outputs.is_empty() {
        head
    } else {
        format!("{head} -> {}", signature.outputs.join(", "))
    }
}

fn parameters(host: &Host, signature: &Signature) -> Vec<String> {
    let receiver = match host.kind {
        HostKind::Method | HostKind::ClassMethod => host.receiver,
        _ => None,
    };
    receiver
        .map(str::to_string)
        .into_iter()
        .chain(
            signature
                .inputs
                .iter()
                .map(|input| match host.annotation_of(input) {
                    Some(annotation) => format!("{input}: {annotation}"),
                    None => input.to_string(),
                }),
        )
        .collect()
}

/// The leading comment as a docstring, unless its text would need escaping.
fn docstring(comment: &[String], indent: &str) -> Option<String> {
    let text = comment.join("\n");
    if text.is_empty() || text.contains('\\') || text.contains("\"\"\"") || text.ends_with('"') {
        return None;
    }
    if comment.len() == 1 {
        return Some(format!("{indent}\"\"\"{text}\"\"\"\n"));
    }
    let mut out = format!("{indent}\"\"\"{}\n", comment[0]);
    for line in &comment[1..] {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str(&format!("{indent}{line}\n"));
        }
    }
    out.push_str(&format!("{indent}\"\"\"\n"));
    Some(out)
}

/// Rows that begin inside a multi-line string: their bytes are content.
fn string_continuation_rows(block: &Block) -> BTreeSet<usize> {
    let mut rows = BTreeSet::new();
    for statement in &block.statements {
        crate::syntax::walk_pruned(
            *statement,
            |node: Node| {
                node.kind() != "string" && node.start_position().row != node.end_position().row
            },
            |node| {
                if node.kind() == "string" {
                    rows.extend(node.start_position().row + 1..=node.end_position().row);
                }
            },
        );
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_become_snake_case_names() {
        assert_eq!(
            snake_words("Build URL with pagination."),
            "build_url_with_pagination"
        );
        assert_eq!(
            snake_words("Step 2: retry the request until it works"),
            "step_2_retry_the_request"
        );
        assert_eq!(snake_words("---"), "");
    }

    #[test]
    fn a_comment_that_needs_escaping_stays_a_comment() {
        assert_eq!(docstring(&["Say \"hi\"".into()], "    "), None);
        assert_eq!(
            docstring(&["Apply rate limiting".into()], "    ").unwrap(),
            "    \"\"\"Apply rate limiting\"\"\"\n"
        );
    }
}
