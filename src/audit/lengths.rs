//! The audit of a file that needs no tree (`tokenize::audit_needs_tree`
//! says only checks the tokens decide could flag anything in it): its long
//! functions, located and named from the tokenizer's extents, and its
//! global state (`token_state.rs`), exactly as the tree's audit
//! (`tree.rs`) reports them.

use super::FileAudit;
use super::collector::{Collector, Span};
use super::tree::{METHOD_LENGTH_LIMIT, flag_long_function};
use crate::analysis::subject::{Subject, code_lines};
use crate::tokenize::FileTokens;

pub(super) fn audit_tokens(file: String, text: &str, tokens: &FileTokens) -> FileAudit {
    let mut collector = Collector {
        file: &file,
        text,
        findings: Vec::new(),
    };
    flag_from_tokens(tokens, &mut collector);
    collector.into_audit()
}

/// The findings the tokens decide: long functions, global state and
/// dataclass defaults (also those of a file parsed only in part, whose
/// tree holds only some statements).
pub(super) fn flag_from_tokens(tokens: &FileTokens, collector: &mut Collector) {
    let text = collector.text;
    let long = tokens
        .functions
        .iter()
        .filter(|f| f.lines() > METHOD_LENGTH_LIMIT);
    for function in long {
        let name_end = function.name_offset + function.name.len();
        let span = Span::on_row(text, function.name_offset, name_end, function.name_row);
        let code = code_lines(&text[function.offset..], function.lines());
        let subject =
            Subject::function_named(function.qualified_name.clone(), function.lines(), code);
        flag_long_function(collector, span, &function.name, subject);
    }
    super::token_state::flag_state(tokens, collector);
}
