//! Whether some `.get(` in a file could be one provenance calls a
//! configuration lookup, read from tokens: a sound over-approximation of
//! `analysis::provenance`, so a file where it says no needs no provenance
//! (and no whole-file parse for it).
//!
//! Why it is sound. Provenance calls a `.get(` receiver configuration only
//! when the receiver's own nodes (the primary before `.get`: names joined
//! by `.`, calls and subscripts with all their arguments) hold a name that
//! is one of:
//! - a configuration name (`names.matches`, also with leading underscores
//!   trimmed, as `self._config` is read);
//! - a name a scope learned is configuration: the target (an identifier,
//!   or the attribute of `self.attr`) of an assignment or loop (statement
//!   or comprehension) whose value holds configuration, so whose text
//!   again holds such a name;
//! - a parameter defaulted in place, `name = name or {}`: the name left of
//!   the `or`.
//!
//! (Shapes, argparse namespaces and the capped learning rounds only ever
//! take a verdict of configuration away.) So the names below are closed
//! under "a logical line holding one of them makes its targets such
//! names", file-wide, whatever the scopes: every name provenance can learn
//! is among them, and a `.get(` whose receiver holds none of them is not
//! configuration. Targets are read generously: every name before a
//! line's last top-level `=` (augmented assignments included; the `=`s of
//! comparisons, `==`, `<=`, `>=`, `!=`, bind nothing), the name before
//! any `:=`, every name between a `for` and its `in`, in f-string fields
//! too; only hard keywords (never identifiers) and the objects of
//! attributes (`self` in `self.x = ...`, never what is learned) are left
//! out.

use std::collections::HashSet;

use super::CodeTokens;
use super::config_names::defaults_to_empty;
use super::lexer::{Lexer, Token, TokenKind, formatted_fields};
use super::value::KEYWORDS;
use crate::analysis::NameMatcher;

/// What one logical line (with its f-string fields) says for the closure.
#[derive(Default)]
struct LineNames<'s> {
    /// Where its first token starts.
    start: usize,
    /// Every name in it (keywords left out).
    names: Vec<&'s str>,
    /// The names it may bind (see the module's doc).
    targets: Vec<&'s str>,
    /// The names in the receivers of its `.get`s.
    receivers: Vec<&'s str>,
}

/// Whether some `.get(` in `source` could read configuration as
/// provenance decides it (false only when none can).
/// `code` is the file's code tokens by logical line, as `scan` read them.
#[cfg(test)]
fn gets_may_read_config(source: &str, code: &CodeTokens, names: &NameMatcher) -> bool {
    !config_get_lines(source, code, names).is_empty()
}

/// Where each logical line starts that holds a `.get(` which could read
/// configuration (its receiver holds a tainted name), in order: a `.get(`
/// on any other line is not one provenance flags.
pub fn config_get_lines(source: &str, code: &CodeTokens, names: &NameMatcher) -> Vec<usize> {
    let mut tainted: HashSet<&str> = HashSet::new();
    let mut lines: Vec<LineNames> = Vec::new();
    for tokens in code.lines() {
        read_line(source, tokens, names, &mut tainted, &mut lines);
    }
    close_over_assignments(&lines, &mut tainted);
    lines
        .iter()
        .filter(|line| line.receivers.iter().any(|name| tainted.contains(name)))
        .map(|line| line.start)
        .collect()
}

/// Adds what a logical line's tokens say: its seeds to `tainted`, and the
/// line to `lines` if it binds names or holds a `.get`.
fn read_line<'s>(
    source: &'s str,
    tokens: &[Token],
    names: &NameMatcher,
    tainted: &mut HashSet<&'s str>,
    lines: &mut Vec<LineNames<'s>>,
) {
    if tokens.is_empty() {
        return;
    }
    let mut line = LineNames {
        start: tokens[0].start,
        ..LineNames::default()
    };
    assignment_targets(source, tokens, &mut line.targets);
    read_tokens(source, tokens, names, tainted, &mut line);
    if !line.receivers.is_empty() || !line.targets.is_empty() {
        lines.push(line);
    }
}

/// Names, `for` targets, `.get` receivers and seeds of `tokens` (a logical line's,
/// or an f-string field's), and of the f-string fields among them.
fn read_tokens<'s>(
    source: &'s str,
    tokens: &[Token],
    names: &NameMatcher,
    tainted: &mut HashSet<&'s str>,
    line: &mut LineNames<'s>,
) {
    let text = |token: &Token| &source[token.start..token.end];
    for (index, token) in tokens.iter().enumerate() {
        match token.kind {
            TokenKind::Name => {
                let name = text(token);
                if name == "for" {
                    loop_targets(source, &tokens[index..], &mut line.targets);
                }
                if KEYWORDS.contains(&name) {
                    if name == "or"
                        && index > 0
                        && defaults_to_empty(source, tokens[index + 1..].iter().copied())
                    {
                        tainted.insert(text(&tokens[index - 1]));
                    }
                    continue;
                }
                if name == "get" && index >= 2 && is_operator(source, &tokens[index - 1], ".") {
                    receiver_names(source, &tokens[..index - 1], &mut line.receivers);
                }
                if names.matches_trimmed(name) {
                    tainted.insert(name);
                }
                line.names.push(name);
            }
            TokenKind::String if !matches!(source.as_bytes()[token.start], b'"' | b'\'') => {
                for (start, end) in formatted_fields(source, token) {
                    let field: Vec<Token> = Lexer::within(source, start, end).code().collect();
                    read_tokens(source, &field, names, tainted, line);
                }
            }
            _ => {}
        }
    }
}

fn is_operator(source: &str, token: &Token, text: &str) -> bool {
    token.kind == TokenKind::Operator && &source[token.start..token.end] == text
}

/// The names of the primary expression `tokens` ends with (the receiver
/// of an attribute after them): read backwards over names joined by `.`
/// and their call and subscript brackets (whose insides all count), to
/// the first token that cannot be part of it (an operator, a keyword, a
/// comma). Provenance reads only the receiver's own nodes.
fn receiver_names<'s>(source: &'s str, tokens: &[Token], receivers: &mut Vec<&'s str>) {
    let text = |token: &Token| &source[token.start..token.end];
    let is_name = |token: &Token| token.kind == TokenKind::Name && !KEYWORDS.contains(&text(token));
    let mut start = tokens.len();
    while start > 0 {
        let token = tokens[start - 1];
        if token.kind == TokenKind::Operator && depth_change(source, &token) < 0 {
            // Unbalanced: take the whole line.
            start = matching_opener(source, &tokens[..start]).unwrap_or(0);
            // A call or subscript of what comes before it goes on.
            let trailer = !is_operator(source, &tokens[start], "{")
                && start > 0
                && (is_name(&tokens[start - 1])
                    || tokens[start - 1].kind == TokenKind::String
                    || depth_change(source, &tokens[start - 1]) < 0);
            if !trailer {
                break;
            }
        } else if is_name(&token) {
            start -= 1;
            if start > 0 && is_operator(source, &tokens[start - 1], ".") {
                start -= 1;
            } else {
                break;
            }
        } else {
            if matches!(token.kind, TokenKind::String | TokenKind::Number) {
                start -= 1;
            }
            break;
        }
    }
    receivers.extend(tokens[start..].iter().filter(|t| is_name(t)).map(text));
}

/// The index of the opening bracket matching the closing one `tokens`
/// ends with.
fn matching_opener(source: &str, tokens: &[Token]) -> Option<usize> {
    let mut depth = 0isize;
    for index in (0..tokens.len()).rev() {
        depth += depth_change(source, &tokens[index]);
        if depth == 0 {
            return Some(index);
        }
    }
    None
}

/// The change of bracket depth an operator token makes.
fn depth_change(source: &str, token: &Token) -> isize {
    if token.kind != TokenKind::Operator {
        return 0;
    }
    match source.as_bytes()[token.start] {
        b'(' | b'[' | b'{' => 1,
        b')' | b']' | b'}' => -1,
        _ => 0,
    }
}

/// Whether the `=` at `index` is half of a comparison (`==`, `<=`, `>=`,
/// `!=`): the only `=`s that never bind.
fn is_comparison(source: &str, tokens: &[Token], index: usize) -> bool {
    let bytes = source.as_bytes();
    let token = tokens[index];
    let before = index
        .checked_sub(1)
        .map(|i| tokens[i])
        .filter(|t| t.kind == TokenKind::Operator && t.end == token.start);
    let after = tokens
        .get(index + 1)
        .filter(|t| t.kind == TokenKind::Operator && t.start == token.end);
    before.is_some_and(|t| matches!(bytes[t.start], b'=' | b'<' | b'>' | b'!'))
        || after.is_some_and(|t| bytes[t.start] == b'=')
}

/// The names before the last top-level binding `=` of a logical line.
fn assignment_targets<'s>(source: &'s str, tokens: &[Token], targets: &mut Vec<&'s str>) {
    let mut depth = 0isize;
    let mut last_equals = None;
    for (index, token) in tokens.iter().enumerate() {
        depth += depth_change(source, token);
        let is_equals = token.kind == TokenKind::Operator && &source[token.start..token.end] == "=";
        if depth == 0 && is_equals && !is_comparison(source, tokens, index) {
            last_equals = Some(index);
        }
        // `name := value` at any depth.
        if is_equals && index >= 2 && &source[tokens[index - 1].start..token.start] == ":" {
            bound_names(source, &tokens[index - 2..index - 1], targets);
        }
    }
    if let Some(end) = last_equals {
        bound_names(source, &tokens[..end], targets);
    }
}

/// The names between a `for` (the first of `tokens`) and its `in` (the
/// first at the same depth; the rest of `tokens` without one).
fn loop_targets<'s>(source: &'s str, tokens: &[Token], targets: &mut Vec<&'s str>) {
    let mut depth = 0isize;
    let mut end = tokens.len();
    for (index, token) in tokens.iter().enumerate().skip(1) {
        depth += depth_change(source, token);
        if depth == 0 && token.kind == TokenKind::Name && &source[token.start..token.end] == "in" {
            end = index;
            break;
        }
    }
    bound_names(source, &tokens[1..end], targets);
}

/// The names of `tokens` a binding may learn: not hard keywords, not the
/// object of an attribute.
fn bound_names<'s>(source: &'s str, tokens: &[Token], targets: &mut Vec<&'s str>) {
    for (index, token) in tokens.iter().enumerate() {
        let name = &source[token.start..token.end];
        let object = tokens
            .get(index + 1)
            .is_some_and(|next| &source[next.start..next.end] == ".");
        if token.kind == TokenKind::Name && !object && !KEYWORDS.contains(&name) {
            targets.push(name);
        }
    }
}

/// Adds to `tainted` the targets of every line holding a tainted name,
/// until nothing changes.
fn close_over_assignments<'s>(lines: &[LineNames<'s>], tainted: &mut HashSet<&'s str>) {
    loop {
        let mut changed = false;
        for line in lines.iter().filter(|line| !line.targets.is_empty()) {
            if line.names.iter().any(|name| tainted.contains(name)) {
                for target in &line.targets {
                    changed |= tainted.insert(target);
                }
            }
        }
        if !changed {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn may_read(source: &str) -> bool {
        let names = NameMatcher::new(&crate::project::Settings::default().config_names)
            .expect("default names");
        gets_may_read_config(source, &super::super::scan(source).code, &names)
    }

    #[test]
    fn a_get_on_a_line_with_a_configuration_name_may_read_configuration() {
        for yes in [
            "config.get('a')",
            "self._config.get('a')",
            "x = f'{app_config.get(1)}'",
            "def f(o=None):\n    o = o or {}\n    return o.get('a')\n",
            "x = config\ny = x\nz = y\nz.get('a')\n",
            "z.get('a')\ny = x\nx = config\nz = y\n",
            "class A:\n    def f(self, cfg):\n        self.opts = cfg\n    def g(self):\n        return self.opts.get('a')\n",
            "for k, v in cfg.items():\n    v.get('a')\n",
            "vs = [v for _, v in cfg.items()]\nq = vs\nq.get(1)\n",
            "x = f'{[w for w in cfg]}'\nw.get(1)\n",
            "a = b = cfg\na.get(1)\n",
            "(a, b), c = cfg\nb.get(1)\n",
            "x: Dict[str, Any] = cfg; x.get(1)\n",
            "total += cfg\ntotal.get(1)\n",
            "if (n := cfg):\n    n.get(1)\n",
            "current_process()._config.get('t')\n",
            "(a or cfg).get(1)\n",
            "f(x)[cfg].get(1)\n",
            "{**cfg}.get(1)\n",
            "dict(cfg).get(1)\n",
            "x = [c.get(1) for c in cfg]\n",
            "x = (\n  cfg\n  .get(1))\n",
        ] {
            assert!(may_read(yes), "{yes:?}");
        }
    }

    #[test]
    fn gets_whose_lines_hold_no_configuration_name_cannot() {
        for no in [
            "d.get('a')",
            "changes.add_option(config, var.get('x'))\n",
            "def get(self, config):\n    return self.get(config)\n",
            "# config\nd.get('a')",
            "'config'; d.get('a')",
            "widget.config(bg='red')\nd.get('a')\n",
            "x = widget.config(bg='red')\nd.get('a')\n",
            "if cfg == x:\n    pass\nx.get(1)\n",
            "self.config_widget = make()\nself.other.get(1)\n",
            "config = load()\nself.settings_x = 1\nd = {}\nd.get(1)\n",
            "o = o or {1: 2}\no.get(1)\n",
        ] {
            assert!(!may_read(no), "{no:?}");
        }
    }
}
