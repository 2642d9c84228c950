//! One wording per site. `check` words a configuration lookup or an exit
//! with the message of the embedded phase rule that `diff` reports or
//! rewrites the same site with, rendered the way the engine renders it, so
//! the two commands never describe one line of code in two ways. The rule
//! files stay the only place the sentences are written.

use crate::syntax::field;
use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;
use tree_sitter::Node;

use crate::analysis::exits::{ModuleExits, exit_hazard};
use crate::engine::template::Template;

/// The message templates of the embedded rules, by rule id: read once
/// from the rule text compiled into the binary, never changed after.
static MESSAGES: LazyLock<HashMap<String, Template>> = LazyLock::new(embedded_messages);

/// The rules whose wording `check` borrows (a unit test keeps them real).
const WITH_DEFAULT: &str = "config-get-with-default";
const WITHOUT_DEFAULT: &str = "config-get-without-default";
const PRIVATE_KEY: &str = "config-get-private-key";
const DEFAULTED_ARGUMENT: &str = "config-get-on-defaulted-argument";
const EXIT_TO_RAISE: &str = "sys-exit-without-log";
const EXIT_NEEDS_REVIEW: &str = "sys-exit-needs-review";
const EXIT_SUCCESS: &str = "sys-exit-success";
const EXIT_SUCCESS_AFTER_ERROR: &str = "sys-exit-success-after-error-log";

/// Every rule above, for reading only their files.
const BORROWED: [&str; 8] = [
    WITH_DEFAULT,
    WITHOUT_DEFAULT,
    PRIVATE_KEY,
    DEFAULTED_ARGUMENT,
    EXIT_TO_RAISE,
    EXIT_NEEDS_REVIEW,
    EXIT_SUCCESS,
    EXIT_SUCCESS_AFTER_ERROR,
];

fn embedded_messages() -> HashMap<String, Template> {
    /// The two fields wording needs; the loader validates the rest.
    #[derive(Deserialize)]
    struct Head {
        id: String,
        message: String,
    }
    let mut messages = HashMap::new();
    // Only the files that hold a borrowed rule are parsed.
    let holds_one = |text: &str| {
        BORROWED
            .iter()
            .any(|id| text.contains(&format!("id: {id}\n")))
    };
    for source in crate::rules::embedded::sources() {
        if !holds_one(&source.text) {
            continue;
        }
        for document in serde_yaml::Deserializer::from_str(&source.text) {
            // A document of comments only has no head; the loader reports
            // anything else, so skipping here hides nothing.
            if let Ok(head) = Head::deserialize(document)
                && BORROWED.contains(&head.id.as_str())
            {
                messages.insert(head.id, Template::parse(head.message.trim()));
            }
        }
    }
    messages
}

/// Rule `id`'s message with `captures` (name, code) filled in.
fn render(id: &str, captures: &[(&str, &str)]) -> String {
    let Some(template) = MESSAGES.get(id) else {
        return format!("see rule {id}");
    };
    template.render(|name| {
        captures
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, code)| crate::engine::message_capture(code))
            .unwrap_or_default()
    })
}

fn text<'s>(node: Node, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

/// Arguments of a call, comments left out.
fn arguments<'t>(call: Node<'t>) -> Vec<Node<'t>> {
    let Some(list) = call.child_by_field_id(field::ARGUMENTS) else {
        return Vec::new();
    };
    let mut cursor = list.walk();
    list.named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .collect()
}

/// Phase 1's wording of a lookup `X.get(K)` / `X.get(K, D)` on
/// configuration; `defaulted` when `X` is an argument the function
/// defaults to an empty container. Keys the loader injects (`"_token"`)
/// and lookups without a default are phase 1's reports, the rest its
/// rewrites.
pub fn config_lookup(call: Node, source: &str, defaulted: bool) -> String {
    let receiver = call
        .child_by_field_id(field::FUNCTION)
        .and_then(|f| f.child_by_field_id(field::OBJECT))
        .map_or("", |r| text(r, source));
    let arguments = arguments(call);
    let key = arguments.first().map_or("", |k| text(*k, source));
    let unquoted = key.trim_start_matches(['r', 'R', 'u', 'U']);
    let rule = if unquoted.starts_with("\"_") || unquoted.starts_with("'_") {
        PRIVATE_KEY
    } else if arguments.len() == 1 {
        WITHOUT_DEFAULT
    } else if defaulted {
        DEFAULTED_ARGUMENT
    } else {
        WITH_DEFAULT
    };
    render(rule, &[("X", receiver), ("K", key)])
}

/// Phase 2's wording of an exit in library code (`sys.exit(…)`, `exit`,
/// `quit`, `raise SystemExit(…)`): a success exit is reported, an exit a
/// raise would change is reported with why, any other is rewritten into a
/// raise of `helpful_error` (the name the module knows the class by).
pub fn exit(exit: Node, source: &str, module: &ModuleExits, helpful_error: &str) -> String {
    let code = exit_code(exit);
    let success = code.is_none_or(|c| text(c, source) == "0");
    let failure = code.is_some_and(|c| !matches!(text(c, source), "0" | "None" | "False"));
    let matched = text(exit, source);
    if success {
        return match error_log_before(exit, source) {
            Some((logger, level)) => render(
                EXIT_SUCCESS_AFTER_ERROR,
                &[
                    ("MATCH", matched),
                    ("LOGGER", logger),
                    ("LEVEL", level),
                    ("HELPFUL_ERROR", helpful_error),
                ],
            ),
            None => render(EXIT_SUCCESS, &[("MATCH", matched)]),
        };
    }
    match exit_hazard(exit, source, module).filter(|_| failure) {
        Some(hazard) => render(
            EXIT_NEEDS_REVIEW,
            &[("MATCH", matched), ("HAZARD", &hazard)],
        ),
        None => render(
            EXIT_TO_RAISE,
            &[("MATCH", matched), ("HELPFUL_ERROR", helpful_error)],
        ),
    }
}

/// The `LOGGER.LEVEL(…)` error log the exit's statement immediately
/// follows (comments between them aside), as phase 2's rule for a success
/// exit after an error log matches it: (logger, level).
fn error_log_before<'s>(exit: Node, source: &'s str) -> Option<(&'s str, &'s str)> {
    let statement = match exit.kind() {
        "raise_statement" => exit,
        _ => exit
            .parent()
            .filter(|p| p.kind() == "expression_statement")?,
    };
    let mut previous = statement.prev_named_sibling()?;
    while previous.kind() == "comment" {
        previous = previous.prev_named_sibling()?;
    }
    let call = previous
        .named_child(0)
        .filter(|c| previous.kind() == "expression_statement" && c.kind() == "call")?;
    let function = call
        .child_by_field_id(field::FUNCTION)
        .filter(|f| f.kind() == "attribute")?;
    let logger = text(function.child_by_field_id(field::OBJECT)?, source);
    let level = text(function.child_by_field_id(field::ATTRIBUTE)?, source);
    let name = logger
        .strip_prefix("self.")
        .or_else(|| logger.strip_prefix("cls."))
        .unwrap_or(logger);
    let name = name.strip_prefix('_').unwrap_or(name);
    let is_logger = matches!(name, "logger" | "log" | "LOGGER" | "LOG" | "logging");
    let is_error = matches!(level, "error" | "critical" | "exception" | "fatal");
    (is_logger && is_error && !arguments(call).is_empty()).then_some((logger, level))
}

/// The status an exit passes: the call's argument, or what `raise
/// SystemExit(…)` is called with.
fn exit_code(exit: Node) -> Option<Node> {
    let call = match exit.kind() {
        "raise_statement" => exit.named_child(0).filter(|c| c.kind() == "call")?,
        _ => exit,
    };
    arguments(call).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax;

    #[test]
    fn every_borrowed_rule_is_embedded() {
        for id in BORROWED {
            assert!(MESSAGES.contains_key(id), "{id}");
        }
    }

    /// The first node (pre-order) that `wanted` accepts.
    fn find<'t>(node: Node<'t>, wanted: &dyn Fn(Node) -> bool) -> Option<Node<'t>> {
        if wanted(node) {
            return Some(node);
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        children.into_iter().find_map(|c| find(c, wanted))
    }

    fn first<'t>(node: Node<'t>, kind: &str) -> Option<Node<'t>> {
        find(node, &|n| n.kind() == kind)
    }

    fn lookup(source: &str, defaulted: bool) -> String {
        let tree = syntax::parse(source);
        let call = first(tree.root_node(), "call").unwrap();
        config_lookup(call, source, defaulted)
    }

    #[test]
    fn lookups_are_worded_by_the_rule_phase_1_applies() {
        assert_eq!(
            lookup("config.get('a', {})", false),
            "`config.get('a', …)` hides a missing configuration key; `config['a']` fails loudly instead"
        );
        assert!(lookup("config.get('a')", false).starts_with("optional configuration lookup"));
        assert!(lookup("config.get('_token', '')", false).contains("injected at run time"));
        assert!(
            lookup("cfg.get('a', 1)", true).starts_with("`cfg` defaults to an empty container")
        );
    }

    fn exit_message(source: &str) -> String {
        let tree = syntax::parse(source);
        let root = tree.root_node();
        let exit = find(root, &|n| {
            n.kind() == "raise_statement"
                || n.kind() == "call" && text(n, source).starts_with("sys.exit")
        })
        .unwrap();
        let module = ModuleExits::new(root, source);
        super::exit(exit, source, &module, "HelpfulError")
    }

    #[test]
    fn exits_are_worded_by_the_rule_phase_2_applies() {
        assert_eq!(
            exit_message("sys.exit(1)"),
            "`sys.exit(1)` ends the whole process from library code; raise HelpfulError and let the script runner exit"
        );
        assert!(exit_message("sys.exit(0)").contains("ends the process successfully"));
        assert!(exit_message("raise SystemExit").contains("ends the process successfully"));
        assert!(exit_message("sys.exit(2)").contains("cannot simply become a raise: exit code 2"));
        assert_eq!(
            exit_message(
                "def f():\n    self._logger.error('bad')\n    # give up\n    sys.exit(0)\n"
            ),
            "`sys.exit(0)` right after `self._logger.error(…)` reports success for a failure: it is an error exit with the wrong status; make it `raise HelpfulError(…)` (or `sys.exit(1)`) after checking that no caller relies on status 0"
        );
        assert!(
            exit_message("def f():\n    logger.info('done')\n    sys.exit(0)\n")
                .contains("ends the process successfully")
        );
    }
}
