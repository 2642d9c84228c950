//! `no-global-state` and `dataclass-slots` findings of a file audited
//! without a tree, from the tokenizer's statements (`tokenize::state`,
//! `tokenize::dataclass`): the same findings, spans,
//! wording and subjects as the tree's (`tree.rs`), where the tokenizer
//! decided every statement (otherwise the file is parsed).

use super::collector::Collector;
use super::tree::{DATACLASS_MESSAGE, global_state_message, shared_state_severity};
use crate::analysis::metrics::rebound_why;
use crate::analysis::state::is_logger_lock;
use crate::analysis::subject::Subject;
use crate::rules::Severity;
use crate::tokenize::FileTokens;

pub(super) fn flag_state(tokens: &FileTokens, collector: &mut Collector) {
    let globals = &tokens.global_names;
    for assignment in &tokens.state.module {
        let name = assignment.name.as_str();
        let why = assignment
            .mutable
            .clone()
            .or_else(|| rebound_why(name, globals));
        let Some(why) = why.filter(|_| !is_logger_lock(name, globals)) else {
            continue;
        };
        let span = assignment.span;
        collector.add_range(
            (span.start, span.end, span.row),
            "no-global-state",
            Severity::Error,
            global_state_message(name, &why),
            Subject::global_named(name, &why),
        );
    }
    for dataclass in &tokens.state.dataclasses {
        let span = dataclass.span;
        collector.add_range(
            (span.start, span.end, span.row),
            "dataclass-slots",
            Severity::Info,
            DATACLASS_MESSAGE.into(),
            Subject::dataclass_named(&dataclass.class),
        );
    }
    for shared in &tokens.state.shared {
        let span = shared.span;
        collector.add_range(
            (span.start, span.end, span.row),
            "no-global-state",
            shared_state_severity(shared.warning),
            shared.message.clone(),
            Subject::code_in_scope(shared.message.clone(), shared.class.as_deref()),
        );
    }
}
