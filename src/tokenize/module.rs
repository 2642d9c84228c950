//! Module-level assignments whose value may be mutable: what the audit's
//! global-state check (`analysis::metrics::global_state`) could flag.
//! Conservative: a name this misses is one that check cannot flag.

use super::lexer::{Token, TokenKind};

/// Keywords that a `:` can follow at the start of a line.
const BLOCK_KEYWORDS: &[&str] = &["else", "try", "finally"];

/// Values that are never mutable although they are names.
const CONSTANT_NAMES: &[&str] = &["None", "True", "False"];

/// The name a module-level logical line assigns when the value may be
/// mutable: `name: annotation ...` (any value), or `name = ` followed by
/// `{`, `[` or a name (a display, a comprehension, a call, a chain).
/// Strings, numbers, tuples, operators and constants are not.
pub fn assigned_name<'s>(source: &'s str, tokens: &[Token]) -> Option<&'s str> {
    let text = |index: usize| {
        tokens
            .get(index)
            .map(|t: &Token| (t.kind, &source[t.start..t.end]))
    };
    let (TokenKind::Name, name) = text(0)? else {
        return None;
    };
    let may_be_mutable = match text(1)? {
        (TokenKind::Operator, ":") => !BLOCK_KEYWORDS.contains(&name),
        (TokenKind::Operator, "=") => match text(2) {
            Some((TokenKind::Operator, "{" | "[")) => true,
            Some((TokenKind::Name, value)) => !CONSTANT_NAMES.contains(&value),
            _ => false,
        },
        _ => false,
    };
    may_be_mutable.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::super::scan;

    #[test]
    fn module_level_assignments_that_may_hold_mutable_values() {
        let source = "_cache = {}\nitems = [x for x in y]\nsession = Session()\nchain = a = []\n\
                      typed: dict[str, int] = {}\nname = 'txo'\nlimit = 3\npair = (1, 2)\n\
                      flag = None\nneg = -1\nother == 1\nelse: pass\nx.y = {}\na, b = [], []\n\
                      def f():\n    inner = {}\n";
        assert_eq!(
            scan(source).module_assignments,
            ["_cache", "items", "session", "chain", "typed"]
        );
    }
}
