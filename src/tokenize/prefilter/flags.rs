//! Whether a `declared-flag` capture could hold in a file, from the tokens
//! the code view lexed: the capture is a string literal naming the `dest`
//! of an `add_argument(...)` call (`analysis::provenance`'s argparse facts).

use std::collections::HashSet;

use super::is_formatted;
use crate::analysis::provenance::unquote;
use crate::tokenize::lexer::{Token, TokenKind};

/// Whether some string literal that is not itself a direct argument of an
/// `add_argument(...)` call reads as a name such a call may declare (see
/// [`declared_name`]). An f-string's fields hold code the tokens do not
/// show: one that mentions `add_argument` or a declared name counts.
pub(super) fn may_name_declared_flag(source: &str, tokens: &[Token]) -> bool {
    let text = |token: &Token| &source[token.start..token.end];
    let mut declared: HashSet<String> = HashSet::new();
    let mut declaring: HashSet<usize> = HashSet::new();
    for (index, token) in tokens.iter().enumerate() {
        let opens_call = tokens.get(index + 1).is_some_and(|next| text(next) == "(");
        if token.kind == TokenKind::Name && text(token).ends_with("add_argument") && opens_call {
            for at in direct_strings(source, tokens, index + 1) {
                declared.extend(declared_name(source, tokens, at));
                declaring.insert(at);
            }
        }
    }
    tokens.iter().enumerate().any(|(index, token)| {
        if token.kind != TokenKind::String || declaring.contains(&index) {
            return false;
        }
        let literal = text(token);
        declared.contains(&unquote(literal))
            || is_formatted(literal)
                && (literal.contains("add_argument")
                    || declared.iter().any(|name| literal.contains(name.as_str())))
    })
}

/// The name a string directly inside an `add_argument(...)` call may
/// declare, as the analysis reads `dest`s: a positional `--long-option` as
/// `long_option`, a positional name as it is, the value of `dest=`; other
/// strings (short options, `help=`, `default=`) declare nothing.
fn declared_name(source: &str, tokens: &[Token], at: usize) -> Option<String> {
    let text = |index: usize| &source[tokens[index].start..tokens[index].end];
    let value = unquote(text(at));
    match text(at - 1) {
        "(" | "," if value.starts_with("--") => {
            Some(value.trim_start_matches('-').replace('-', "_"))
        }
        "(" | "," if !value.starts_with('-') => Some(value),
        "=" if at >= 2 && text(at - 2) == "dest" => Some(value),
        _ => None,
    }
}

/// Indices of the string tokens directly inside the brackets opened by the
/// token at `open`.
fn direct_strings(source: &str, tokens: &[Token], open: usize) -> Vec<usize> {
    let mut depth = 0usize;
    let mut found = Vec::new();
    for (index, token) in tokens.iter().enumerate().skip(open) {
        match (token.kind, &source[token.start..token.end]) {
            (TokenKind::Operator, "(" | "[" | "{") => depth += 1,
            (TokenKind::Operator, ")" | "]" | "}") => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            (TokenKind::String, _) if depth == 1 => found.push(index),
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::lexer::Lexer;

    fn may_name(source: &str) -> bool {
        let tokens: Vec<Token> = Lexer::new(source).code().collect();
        may_name_declared_flag(source, &tokens)
    }

    #[test]
    fn a_name_must_be_declared_and_used_elsewhere() {
        let declared = "p.add_argument('--dry-run', '-n', help='no writes')\n";
        // Neither a short option nor a keyword's value but dest's is a name.
        assert!(!may_name(&format!("{declared}x = ['-n', 'no writes']\n")));
        assert!(may_name(&format!(
            "{declared}getattr(args, 'dry_run', 0)\n"
        )));
        assert!(!may_name(&format!("{declared}getattr(args, 'other', 0)\n")));
        // The declaring strings alone, or no declaration at all.
        assert!(!may_name(declared));
        assert!(!may_name("getattr(args, 'dry_run', 0)\n"));
        // dest= and positional names; a getattr inside the call itself.
        assert!(may_name(
            "p.add_argument('-x', dest='target')\nv = getattr(a, \"target\", 1)\n"
        ));
        assert!(may_name("p.add_argument('path')\ngetattr(a, 'path', 1)\n"));
        assert!(may_name(
            "p.add_argument('--x', default=getattr(a, 'x', 1))\n"
        ));
    }

    #[test]
    fn f_string_fields_are_not_tokens() {
        let declared = "p.add_argument('--verbose')\n";
        assert!(may_name(&format!(
            "{declared}print(f\"{{getattr(args, 'verbose', 0)}}\")\n"
        )));
        assert!(may_name("x = f\"{p.add_argument('--v')}\"\n"));
    }
}
