//! argparse facts: `parse_args()` results and the `dest` of each
//! `add_argument(...)` call.

use crate::syntax::field;
use std::collections::HashSet;

use tree_sitter::Node;

pub(super) fn is_parse_args_call(value: Node, source: &str) -> bool {
    value.kind() == "call"
        && value.child_by_field_id(field::FUNCTION).is_some_and(|f| {
            let text = &source[f.byte_range()];
            text.ends_with(".parse_args") || text == "parse_args"
        })
}

/// `dest` names of every `add_argument(...)` call: `dest=` if given, else
/// the first long option (`--no-validation` → `no_validation`), else the
/// first positional name.
pub(super) fn argparse_dests(calls: &[Node], source: &str) -> HashSet<String> {
    let mut dests = HashSet::new();
    for &call in calls {
        let is_add_argument = call
            .child_by_field_id(field::FUNCTION)
            .is_some_and(|f| source[f.byte_range()].ends_with("add_argument"));
        let Some(arguments) = call
            .child_by_field_id(field::ARGUMENTS)
            .filter(|_| is_add_argument)
        else {
            continue;
        };
        let mut options = Vec::new();
        let mut dest = None;
        let mut cursor = arguments.walk();
        for argument in arguments.named_children(&mut cursor) {
            match argument.kind() {
                "string" => options.push(unquote(&source[argument.byte_range()])),
                "keyword_argument" => {
                    let name = argument
                        .child_by_field_id(field::NAME)
                        .map(|n| &source[n.byte_range()]);
                    let value = argument
                        .child_by_field_id(field::VALUE)
                        .filter(|v| v.kind() == "string");
                    if let (Some("dest"), Some(value)) = (name, value) {
                        dest = Some(unquote(&source[value.byte_range()]));
                    }
                }
                _ => {}
            }
        }
        let long = options
            .iter()
            .find(|o| o.starts_with("--"))
            .map(|o| o.trim_start_matches('-').replace('-', "_"));
        let positional = options.iter().find(|o| !o.starts_with('-')).cloned();
        if let Some(found) = dest.or(long).or(positional) {
            dests.insert(found);
        }
    }
    dests
}

/// The value of a plain string literal (no escapes interpreted).
pub fn unquote(literal: &str) -> String {
    let body = literal.trim_start_matches(['r', 'R', 'u', 'U', 'b', 'B']);
    for quote in ["\"\"\"", "'''", "\"", "'"] {
        if let Some(inner) = body.strip_prefix(quote).and_then(|b| b.strip_suffix(quote)) {
            return inner.to_string();
        }
    }
    literal.to_string()
}
