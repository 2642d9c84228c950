//! The audit of a file from its tree: every check's findings, built from
//! the census (`analysis::metrics`) and the shared-state facts.

use crate::syntax::field;
use tree_sitter::Node;

use super::FileAudit;
use super::collector::{Collector, Span};
use crate::analysis::exits::ModuleExits;
use crate::analysis::subject::Subject;
use crate::analysis::{FileFacts, NameMatcher, Provenance, imports};
use crate::analysis::{metrics, state};
use crate::rules::Severity;
use crate::syntax::KindTable;
use crate::tokenize::FileTokens;

/// What auditing one file needs besides its path.
pub(super) struct FileContext<'a> {
    /// Entry points may exit anywhere.
    pub entry_point: bool,
    pub names: &'a NameMatcher,
    pub kinds: &'a KindTable,
    /// Where the project's `HelpfulError` comes from, for exits' wording.
    pub helpful_error_module: &'a str,
}

pub(super) fn audit_tree(
    file: String,
    text: &str,
    tree: &tree_sitter::Tree,
    context: &FileContext,
) -> FileAudit {
    let FileContext {
        entry_point,
        names,
        kinds,
        helpful_error_module,
    } = *context;
    let root = tree.root_node();
    let census = metrics::census(root, text, entry_point, kinds, names);
    let mut collector = Collector {
        file: &file,
        text,
        findings: Vec::new(),
    };
    config_lookups(tree, &census.get_calls, context, &mut collector);
    exits(&census.exits, root, helpful_error_module, &mut collector);
    let mut globals = metrics::global_state(root, text, &census.global_names);
    globals.retain(|g| !state::is_allowed(&g.name, root, text, &census.global_names));
    global_state(&globals, &mut collector);
    shared_state(&state::shared_state(root, text), &mut collector);
    long_functions(&census.functions, &mut collector);
    thread_locals(&census.thread_locals, &mut collector);
    dataclass_defaults(&census.dataclass_defaults, &mut collector);
    escape_hatches(&census.escape_hatches, &mut collector);
    collector.into_audit()
}

/// The audit of a file parsed only in part (`ranges.rs`): the findings
/// only a tree decides (exits, thread-locals, escape hatches and, with
/// `lookups`, configuration lookups, see `lookups.rs`) from the tree of
/// the statements around them, every other one from the tokens, which
/// decided them all (`tokenize::TreeNeed::Sites`, `Lookups`).
pub(super) fn audit_partial_tree(
    file: String,
    text: &str,
    tree: &tree_sitter::Tree,
    tokens: &FileTokens,
    context: &FileContext,
    lookups: bool,
) -> FileAudit {
    let root = tree.root_node();
    let census = metrics::census(
        root,
        text,
        context.entry_point,
        context.kinds,
        context.names,
    );
    let mut collector = Collector {
        file: &file,
        text,
        findings: Vec::new(),
    };
    if lookups {
        config_lookups(tree, &census.get_calls, context, &mut collector);
    }
    exits(
        &census.exits,
        root,
        context.helpful_error_module,
        &mut collector,
    );
    thread_locals(&census.thread_locals, &mut collector);
    escape_hatches(&census.escape_hatches, &mut collector);
    super::lengths::flag_from_tokens(tokens, &mut collector);
    collector.into_audit()
}

/// The `.get(...)` calls provenance calls configuration lookups; its facts
/// only where some call needs them and a config name could be its source.
fn config_lookups(
    tree: &tree_sitter::Tree,
    get_calls: &[Node],
    context: &FileContext,
    collector: &mut Collector,
) {
    let text = collector.text;
    if get_calls.is_empty() || !context.names.may_appear_in(text) {
        return;
    }
    let facts = FileFacts::analyze(tree, text, context.names, context.kinds);
    soft_fail_lookups(
        &metrics::soft_fail_lookups(get_calls, &facts),
        &facts,
        collector,
    );
}

/// Functions longer than this many lines (`end_lineno - lineno`) are flagged.
pub(super) const METHOD_LENGTH_LIMIT: usize = 50;

/// Messages quote the offending code up to this many characters.
const QUOTE_MAX: usize = 60;

fn quote(code: &str) -> String {
    crate::present::one_line(code, QUOTE_MAX, QUOTE_MAX - 1)
}

/// Worded as phase 1 words the same lookup (`wording`).
fn soft_fail_lookups(calls: &[Node], facts: &FileFacts, collector: &mut Collector) {
    let text = collector.text;
    for &call in calls {
        let shown = quote(&text[call.byte_range()]);
        let defaulted = call
            .child_by_field_id(field::FUNCTION)
            .and_then(|f| f.child_by_field_id(field::OBJECT))
            .is_some_and(|r| facts.provenance_of(r) == Some(Provenance::DefaultedConfig));
        let message = crate::wording::config_lookup(call, text, defaulted);
        let subject = Subject::code_in(call, text, shown);
        // Phase 1 leaves these on purpose; listed, like allowed exits.
        let allowed = metrics::caller_default(call, text).map(|(default, function)| {
            format!(
                "`{default}` is a parameter of `{function}`: its caller's default is passed through"
            )
        });
        let severity = if allowed.is_some() {
            Severity::Info
        } else {
            Severity::Error
        };
        collector.add(call, "no-soft-fail", severity, message, allowed, subject);
    }
}

/// Worded as phase 2 words the same exit (`wording`); allowed exits, which
/// phase 2 leaves alone, keep the plain description.
fn exits(
    exits: &[metrics::ExitSite],
    root: Node,
    helpful_error_module: &str,
    collector: &mut Collector,
) {
    let text = collector.text;
    // Module-wide facts, once per file, only where some exit needs them.
    let wording = exits.iter().any(|e| e.allowed.is_none()).then(|| {
        let helpful_error =
            imports::local_name_for(root, text, helpful_error_module, "HelpfulError")
                .unwrap_or_else(|| "HelpfulError".into());
        (ModuleExits::new(root, text), helpful_error)
    });
    for exit in exits {
        let shown = quote(&text[exit.node.byte_range()]);
        let message = match &wording {
            Some((module, helpful_error)) if exit.allowed.is_none() => {
                crate::wording::exit(exit.node, text, module, helpful_error)
            }
            _ => {
                format!("`{shown}` ends the process from library code; raise HelpfulError instead")
            }
        };
        let severity = if exit.allowed.is_some() {
            Severity::Info
        } else {
            Severity::Error
        };
        let subject = Subject::code_in(exit.node, text, shown);
        let allowed = exit.allowed.map(String::from);
        collector.add(
            exit.node,
            "no-sys-exit",
            severity,
            message,
            allowed,
            subject,
        );
    }
}

fn global_state(globals: &[metrics::GlobalState], collector: &mut Collector) {
    for global in globals {
        collector.flag(
            global.node,
            "no-global-state",
            Severity::Error,
            global_state_message(&global.name, &global.why),
            Subject::global(global),
        );
    }
}

pub(super) fn global_state_message(name: &str, why: &str) -> String {
    format!("module-level `{name}` holds mutable state ({why})")
}

pub(super) fn shared_state_severity(warning: bool) -> Severity {
    if warning {
        Severity::Warning
    } else {
        Severity::Error
    }
}

/// Phase 3's other shapes of shared state (`analysis::state`).
fn shared_state(found: &[state::SharedState], collector: &mut Collector) {
    for shared in found {
        let severity = shared_state_severity(shared.warning);
        let subject = Subject::code_in(shared.node, collector.text, shared.message.clone());
        collector.flag(
            shared.node,
            "no-global-state",
            severity,
            shared.message.clone(),
            subject,
        );
    }
}

fn long_functions(functions: &[metrics::FunctionLength], collector: &mut Collector) {
    for function in functions {
        if function.lines <= METHOD_LENGTH_LIMIT {
            continue;
        }
        let name_node = function
            .node
            .child_by_field_id(field::NAME)
            .unwrap_or(function.node);
        let span = Span::on_row(
            collector.text,
            name_node.start_byte(),
            name_node.end_byte(),
            name_node.start_position().row,
        );
        let subject = Subject::function(function, collector.text);
        flag_long_function(collector, span, &function.name, subject);
    }
}

/// `method-length` (and `long-method-100` past 100 lines) at a function's
/// name; `subject` holds its lengths.
pub(super) fn flag_long_function(
    collector: &mut Collector,
    span: Span,
    name: &str,
    subject: Subject,
) {
    let lines = subject.lines.unwrap_or_default();
    let message = format!("`{name}` has {lines} lines (the plan's goal: under 50)");
    let rule = "method-length";
    collector.add_span(
        span,
        rule,
        Severity::Warning,
        message,
        None,
        subject.clone(),
    );
    if lines > 100 {
        let message = format!("`{name}` has {lines} lines (over 100)");
        collector.add_span(
            span,
            "long-method-100",
            Severity::Info,
            message,
            None,
            subject,
        );
    }
}

fn thread_locals(nodes: &[Node], collector: &mut Collector) {
    for &node in nodes {
        let subject = Subject::code_in(
            node,
            collector.text,
            quote(&collector.text[node.byte_range()]),
        );
        collector.flag(
            node,
            "thread-local",
            Severity::Info,
            "thread-local storage: sessions leak when threads die (phase 5: WeakKeyDictionary)"
                .into(),
            subject,
        );
    }
}

pub(super) const DATACLASS_MESSAGE: &str =
    "dataclass with field defaults: cannot simply add __slots__ (phase 5)";

fn dataclass_defaults(nodes: &[Node], collector: &mut Collector) {
    for &node in nodes {
        collector.flag(
            node,
            "dataclass-slots",
            Severity::Info,
            DATACLASS_MESSAGE.into(),
            Subject::dataclass(node, collector.text),
        );
    }
}

fn escape_hatches(nodes: &[Node], collector: &mut Collector) {
    for &node in nodes {
        let name = &collector.text[node.byte_range()];
        collector.flag(
            node,
            "escape-hatch",
            Severity::Info,
            format!("`{name}` lets validation be skipped (phase 1 removes it)"),
            Subject::code_in(node, collector.text, name.to_string()),
        );
    }
}
