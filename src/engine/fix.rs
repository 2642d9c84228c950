//! Renders a rule's fix for one match: metavariables become the captured
//! source text, template lines take the indentation of the replaced line,
//! captured multi-line text keeps its relative indentation, and line ends
//! follow the file's style.

use tree_sitter::Node;

use super::template::{Segment, Template};
use crate::pattern::{Bindings, Captured};
use crate::source::{NewlineStyle, line_indent};

/// Why a fix was not applied to a match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unfixable {
    /// A comment inside the match would vanish with the replaced text.
    WouldDropComment { line_offset: usize },
    /// The fix names the module's logger (`$MODULE_LOGGER`) and the module
    /// has none.
    NoModuleLogger,
}

impl Unfixable {
    pub fn reason(&self) -> &'static str {
        match self {
            Unfixable::WouldDropComment { .. } => {
                "not rewritten: the fix would drop a comment inside the matched code"
            }
            Unfixable::NoModuleLogger => {
                "not rewritten: the module has no module-level logger (`logger = logging.getLogger(\"Name\")` or the project's logger factory) to take the root logger's place, and a logger nothing logs through would make the change do nothing; point it at the logger the program logs through"
            }
        }
    }
}

pub struct FixContext<'a, 't> {
    pub source: &'a str,
    pub node: Node<'t>,
    pub bindings: &'a Bindings<'t>,
    pub newline: NewlineStyle,
}

pub fn render_fix(template: &Template, ctx: &FixContext) -> Result<String, Unfixable> {
    check_comments_survive(template, ctx)?;
    let names_logger = template
        .segments
        .iter()
        .any(|s| matches!(s, Segment::Var(name) if name == "MODULE_LOGGER"));
    if names_logger && ctx.bindings.get("MODULE_LOGGER").is_none() {
        return Err(Unfixable::NoModuleLogger);
    }
    let base_indent = line_indent(ctx.source, ctx.node.start_byte());
    let newline = match ctx.newline {
        NewlineStyle::Lf => "\n",
        NewlineStyle::CrLf => "\r\n",
    };
    let mut out = String::new();
    let last = template.segments.len().saturating_sub(1);
    for (index, segment) in template.segments.iter().enumerate() {
        match segment {
            Segment::Literal(text) => {
                push_literal(&mut out, text, base_indent, newline, index == last)
            }
            Segment::Var(name) => {
                let target_indent = current_line_indent(&out, base_indent).to_string();
                out.push_str(&captured_text(ctx, name, &target_indent));
            }
        }
    }
    Ok(out)
}

fn push_literal(out: &mut String, text: &str, base_indent: &str, newline: &str, is_last: bool) {
    let pieces: Vec<&str> = text.split('\n').collect();
    let tabs = base_indent.contains('\t');
    for (index, piece) in pieces.iter().enumerate() {
        if index > 0 {
            out.push_str(newline);
            let var_follows = index == pieces.len() - 1 && !is_last;
            if !piece.is_empty() || var_follows {
                out.push_str(base_indent);
            }
            if tabs {
                out.push_str(&spaces_to_tabs(piece));
                continue;
            }
        }
        out.push_str(piece);
    }
}

/// Template lines are indented with 4 spaces per level; in a tab-indented
/// file each level becomes a tab.
fn spaces_to_tabs(line: &str) -> String {
    let rest = line.trim_start_matches(' ');
    let levels = (line.len() - rest.len()) / 4;
    let leftover = (line.len() - rest.len()) % 4;
    format!("{}{}{rest}", "\t".repeat(levels), " ".repeat(leftover))
}

/// Indentation of the output line being written; on the first line that is
/// the indentation of the line the match starts on.
fn current_line_indent<'o>(out: &'o str, base_indent: &'o str) -> &'o str {
    match out.rfind('\n') {
        None => base_indent,
        Some(pos) => {
            let line = &out[pos + 1..];
            &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
        }
    }
}

fn captured_text(ctx: &FixContext, name: &str, target_indent: &str) -> String {
    let Some(captured) = ctx.bindings.get(name) else {
        return String::new();
    };
    let text = captured.text(ctx.source);
    let Some(range) = captured.byte_range() else {
        return text.to_string();
    };
    let original_indent = line_indent(ctx.source, range.start);
    if !text.contains('\n') || original_indent == target_indent {
        return text.to_string();
    }
    let strings = multiline_strings(captured);
    reindent_outside(text, range.start, original_indent, target_indent, &strings)
}

/// Shifts continuation lines from one indentation to another.
pub fn reindent(text: &str, from: &str, to: &str) -> String {
    reindent_outside(text, 0, from, to, &[])
}

/// Shifts the continuation lines of `text` (which starts at `offset` in the
/// source) from one indentation to another, except lines that begin inside
/// one of `strings` (source ranges): re-indenting there would change a
/// string's value, and skipping the whole text would leave the statements
/// after it out of line.
fn reindent_outside(
    text: &str,
    offset: usize,
    from: &str,
    to: &str,
    strings: &[std::ops::Range<usize>],
) -> String {
    let mut lines = text.split_inclusive('\n');
    let mut out = lines.next().unwrap_or_default().to_string();
    let mut at = offset + out.len();
    for line in lines {
        let in_string = strings.iter().any(|s| s.start < at && at < s.end);
        match line.strip_prefix(from) {
            Some(rest) if !in_string && !line.trim().is_empty() => {
                out.push_str(to);
                out.push_str(rest);
            }
            _ => out.push_str(line),
        }
        at += line.len();
    }
    out
}

/// Source ranges of the strings in a capture that span lines.
fn multiline_strings(captured: &Captured) -> Vec<std::ops::Range<usize>> {
    let mut found = Vec::new();
    let mut stack = captured.nodes();
    while let Some(current) = stack.pop() {
        if current.start_position().row == current.end_position().row {
            continue;
        }
        if current.kind() == "string" {
            found.push(current.byte_range());
            continue;
        }
        let mut cursor = current.walk();
        stack.extend(current.children(&mut cursor));
    }
    found
}

/// Refuses a fix that would silently delete a comment: every comment inside
/// the match must lie inside a capture that the template writes back.
fn check_comments_survive(template: &Template, ctx: &FixContext) -> Result<(), Unfixable> {
    let kept: Vec<std::ops::Range<usize>> = template
        .segments
        .iter()
        .filter_map(|segment| match segment {
            Segment::Var(name) => ctx.bindings.get(name).and_then(|c| c.byte_range()),
            Segment::Literal(_) => None,
        })
        .collect();
    // Without a `#` in the matched text there is no comment to walk to.
    if memchr::memchr(b'#', &ctx.source.as_bytes()[ctx.node.byte_range()]).is_none() {
        return Ok(());
    }
    let mut stack = vec![ctx.node];
    while let Some(node) = stack.pop() {
        if node.kind() == "comment"
            && !kept
                .iter()
                .any(|range| range.start <= node.start_byte() && node.end_byte() <= range.end)
        {
            return Err(Unfixable::WouldDropComment {
                line_offset: node.start_byte(),
            });
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::{Matcher, compile};
    use crate::syntax::{self, KindTable};

    /// Applies `pattern` → `fix` to the first match in `source`.
    fn fix_first(
        pattern: &str,
        fix: &str,
        source: &str,
        newline: NewlineStyle,
    ) -> Result<String, Unfixable> {
        let kinds = KindTable::new();
        let pattern = compile(pattern, &kinds).unwrap();
        let tree = syntax::parse(source);
        let matcher = Matcher::new(source, &kinds);
        let mut stack = vec![tree.root_node()];
        while let Some(node) = stack.pop() {
            if let Some(bindings) = matcher.match_at(&pattern, node) {
                let ctx = FixContext {
                    source,
                    node,
                    bindings: &bindings,
                    newline,
                };
                let replacement = render_fix(&Template::parse(fix), &ctx)?;
                return Ok(format!(
                    "{}{}{}",
                    &source[..node.start_byte()],
                    replacement,
                    &source[node.end_byte()..]
                ));
            }
            let mut cursor = node.walk();
            let children: Vec<_> = node.children(&mut cursor).collect();
            stack.extend(children.into_iter().rev());
        }
        panic!("no match");
    }

    #[test]
    fn multi_line_template_takes_the_line_indentation() {
        let source = "def f(cfg):\n    x = cfg.get('a', 1)\n    return x\n";
        let fixed = fix_first(
            "$X = $C.get($K, $D)",
            "try:\n    $X = $C[$K]\nexcept KeyError:\n    $X = $D",
            source,
            NewlineStyle::Lf,
        )
        .unwrap();
        assert_eq!(
            fixed,
            "def f(cfg):\n    try:\n        x = cfg['a']\n    except KeyError:\n        x = 1\n    return x\n"
        );
    }

    #[test]
    fn crlf_files_get_crlf_fix_lines() {
        let source = "if a:\r\n    x = cfg.get('a', 1)\r\n";
        let fixed = fix_first(
            "$X = $C.get($K, $D)",
            "try:\n    $X = $C[$K]\nexcept KeyError:\n    $X = $D",
            source,
            NewlineStyle::CrLf,
        )
        .unwrap();
        assert_eq!(
            fixed,
            "if a:\r\n    try:\r\n        x = cfg['a']\r\n    except KeyError:\r\n        x = 1\r\n"
        );
    }

    #[test]
    fn captured_block_keeps_relative_indentation() {
        let source = "if ok:\n    if flag:\n        a()\n        if b:\n            c()\n";
        let fixed =
            fix_first("if flag:\n    $$$BODY", "$$$BODY", source, NewlineStyle::Lf).unwrap();
        assert_eq!(fixed, "if ok:\n    a()\n    if b:\n        c()\n");
    }

    #[test]
    fn comments_kept_inside_captures_but_never_dropped() {
        let source = "v = cfg.get(\n    'a',  # the key\n    1,\n)\n";
        assert_eq!(
            fix_first("$C.get($K, $D)", "$C[$K]", source, NewlineStyle::Lf),
            Err(Unfixable::WouldDropComment { line_offset: 23 })
        );
        let source = "v = cfg.get('a', 1)  # trailing\n";
        assert_eq!(
            fix_first("$C.get($K, $D)", "$C[$K]", source, NewlineStyle::Lf).unwrap(),
            "v = cfg['a']  # trailing\n"
        );
    }

    #[test]
    fn multiline_strings_are_not_reindented() {
        let source = "if a:\n    if b:\n        f('''x\n    y''')\n";
        let fixed = fix_first("if b:\n    $$$BODY", "$$$BODY", source, NewlineStyle::Lf).unwrap();
        assert_eq!(fixed, "if a:\n    f('''x\n    y''')\n");
    }

    #[test]
    fn statements_after_a_multiline_string_move_with_the_block() {
        let source = "if a:\n    if b:\n        s = '''x\n  y\n'''\n        f(s)\n";
        let fixed = fix_first("if b:\n    $$$BODY", "$$$BODY", source, NewlineStyle::Lf).unwrap();
        assert_eq!(fixed, "if a:\n    s = '''x\n  y\n'''\n    f(s)\n");
    }
}

/// Where an empty fix deletes code: a statement goes with its whole line(s)
/// (an emptied block gets `pass`), a list element goes with its comma.
pub fn deletion(node: Node, source: &str) -> (std::ops::Range<usize>, String) {
    let statement = match node.parent() {
        Some(parent)
            if parent.kind() == "expression_statement" && parent.named_child_count() == 1 =>
        {
            parent
        }
        _ => node,
    };
    let in_block = statement
        .parent()
        .is_some_and(|p| matches!(p.kind(), "block" | "module"));
    if in_block {
        return delete_statement(statement, source);
    }
    let in_list = node.parent().is_some_and(|p| {
        matches!(
            p.kind(),
            "argument_list"
                | "parameters"
                | "list"
                | "tuple"
                | "dictionary"
                | "set"
                | "import_statement"
                | "import_from_statement"
                | "lambda_parameters"
        )
    });
    if in_list {
        return (delete_list_element(node, source), String::new());
    }
    (node.byte_range(), String::new())
}

fn delete_statement(statement: Node, source: &str) -> (std::ops::Range<usize>, String) {
    let block = statement.parent().filter(|p| p.kind() == "block");
    let siblings = block.map(|b| {
        let mut cursor = b.walk();
        b.named_children(&mut cursor)
            .filter(|c| c.kind() != "comment")
            .count()
    });
    if siblings == Some(1) {
        return (statement.byte_range(), "pass".to_string());
    }
    let range = statement.byte_range();
    let line_start = source[..range.start].rfind('\n').map_or(0, |i| i + 1);
    if !source[line_start..range.start].trim().is_empty() {
        return (range, String::new());
    }
    let rest = &source[range.end..];
    let line_end = rest.find('\n').map_or(source.len(), |i| range.end + i + 1);
    let tail = source[range.end..line_end].trim();
    if tail.is_empty() || tail == ";" {
        (line_start..line_end, String::new())
    } else {
        (line_start..range.end, String::new())
    }
}

fn delete_list_element(node: Node, source: &str) -> std::ops::Range<usize> {
    let next_comma = node.next_sibling().filter(|s| s.kind() == ",");
    if let Some(lines) = own_lines(
        node.start_byte(),
        next_comma.map_or(node.end_byte(), |c| c.end_byte()),
        source,
    ) {
        return lines;
    }
    if let Some(lines) = next_comma.and_then(|comma| line_with_its_comment(node, comma, source)) {
        return lines;
    }
    if let Some(comma) = next_comma {
        let after = comma
            .next_sibling()
            .map_or(comma.end_byte(), |n| n.start_byte());
        let end = if source[comma.end_byte()..after].contains('#') {
            comma.end_byte()
        } else {
            after
        };
        return node.start_byte()..end;
    }
    let previous_comma = node.prev_sibling().filter(|s| s.kind() == ",");
    match previous_comma {
        Some(comma) => comma.start_byte()..node.end_byte(),
        None => node.byte_range(),
    }
}

/// The element's whole line when only a trailing comment stands on it
/// besides the element and its comma: the comment explained the element
/// (`validate_config=False,  # schema not ready`) and goes with it.
fn line_with_its_comment(
    element: Node,
    comma: Node,
    source: &str,
) -> Option<std::ops::Range<usize>> {
    let comment = comma
        .next_sibling()
        .filter(|c| c.kind() == "comment" && c.start_position().row == comma.end_position().row)?;
    let lines = own_lines(element.start_byte(), comment.end_byte(), source)?;
    (element.start_position().row == comment.start_position().row).then_some(lines)
}

/// The whole lines of `start..end` when nothing else stands on them.
fn own_lines(start: usize, end: usize, source: &str) -> Option<std::ops::Range<usize>> {
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[end..].find('\n').map(|i| end + i + 1)?;
    let alone =
        source[line_start..start].trim().is_empty() && source[end..line_end].trim().is_empty();
    alone.then_some(line_start..line_end)
}

/// Before Python 3.12 an f-string's replacement field cannot contain the
/// f-string's own quote; returns the quote if `replacement` would.
pub fn fstring_quote_conflict(node: Node, source: &str, replacement: &str) -> Option<String> {
    let original = &source[node.byte_range()];
    // Only a quote the fix adds can conflict; checked first because each
    // `parent()` costs the node's depth (nested matches made this cubic).
    if !['"', '\'']
        .iter()
        .any(|q| replacement.contains(*q) && !original.contains(*q))
    {
        return None;
    }
    let mut current = node.parent();
    while let Some(ancestor) = current {
        if ancestor.kind() == "interpolation" {
            let string = ancestor.parent()?;
            let start = string.child(0).filter(|c| c.kind() == "string_start")?;
            let quote =
                source[start.byte_range()].trim_start_matches(|c: char| c.is_ascii_alphabetic());
            let quote_char = &quote[..1];
            return (replacement.contains(quote_char) && !original.contains(quote_char))
                .then(|| quote.to_string());
        }
        current = ancestor.parent();
    }
    None
}

#[cfg(test)]
mod deletion_tests {
    use super::*;
    use crate::syntax;

    fn delete_first(source: &str, kind: &str) -> String {
        let tree = syntax::parse(source);
        let mut stack = vec![tree.root_node()];
        while let Some(node) = stack.pop() {
            if node.kind() == kind {
                let (range, replacement) = deletion(node, source);
                return format!(
                    "{}{}{}",
                    &source[..range.start],
                    replacement,
                    &source[range.end..]
                );
            }
            let mut cursor = node.walk();
            let children: Vec<_> = node.children(&mut cursor).collect();
            stack.extend(children.into_iter().rev());
        }
        panic!("no {kind}");
    }

    #[test]
    fn statements_go_with_their_line() {
        assert_eq!(
            delete_first("def f():\n    a()\n    b = 1\n", "assignment"),
            "def f():\n    a()\n"
        );
        assert_eq!(
            delete_first("def f():\n    b = 1\n", "assignment"),
            "def f():\n    pass\n"
        );
    }

    #[test]
    fn list_elements_go_with_their_comma() {
        assert_eq!(
            delete_first("f(a, k=1, b)\n", "keyword_argument"),
            "f(a, b)\n"
        );
        assert_eq!(delete_first("f(a, k=1)\n", "keyword_argument"), "f(a)\n");
        assert_eq!(
            delete_first("def f(a, k=True):\n    pass\n", "default_parameter"),
            "def f(a):\n    pass\n"
        );
        assert_eq!(
            delete_first("f(\n    a,\n    k=1,\n)\n", "keyword_argument"),
            "f(\n    a,\n)\n"
        );
    }

    #[test]
    fn a_comment_explaining_a_deleted_element_goes_with_it() {
        assert_eq!(
            delete_first(
                "f(\n    a,\n    k=False,  # not ready yet\n    b,\n)\n",
                "keyword_argument"
            ),
            "f(\n    a,\n    b,\n)\n"
        );
        assert_eq!(
            delete_first("f(a, k=1,  # about a and k\n  b)\n", "keyword_argument"),
            "f(a, # about a and k\n  b)\n"
        );
    }

    #[test]
    fn fstring_quotes_are_checked() {
        let source = "x = f\"{cfg.get('a', 1)}\"\n";
        let tree = syntax::parse(source);
        let call = tree
            .root_node()
            .descendant_for_byte_range(8, 9)
            .unwrap()
            .parent()
            .unwrap()
            .parent()
            .unwrap();
        assert_eq!(call.kind(), "call");
        assert_eq!(fstring_quote_conflict(call, source, "cfg['a']"), None);
        assert_eq!(
            fstring_quote_conflict(call, source, "cfg[\"a\"]").as_deref(),
            Some("\"")
        );
    }
}
