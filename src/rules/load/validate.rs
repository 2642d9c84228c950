//! Checks of a rule beyond its YAML shape: the id, the phase, imports, and
//! that every `$NAME` a message, fix or `where` uses is bound by the match.

use super::{DocContext, LoadResult};
use crate::engine::template::Template;
use crate::rules::model::{ImportsSpec, RuleSpec};
use crate::rules::{CaptureConstraint, RelationFilter, RelationTarget, RuleMatcher};

/// The id, the phase and `blocks-group`.
pub(super) fn validate_header(doc: &DocContext, spec: &RuleSpec) -> LoadResult<()> {
    validate_id(doc, &spec.id)?;
    if !(1..=6).contains(&spec.phase) {
        return Err(Box::new(
            doc.error_at_key("phase", format!("unknown phase {}", spec.phase))
                .help("the TXO v3 plan has phases 1 to 6"),
        ));
    }
    if spec.blocks_group && (spec.group.is_none() || spec.fix.is_some()) {
        return Err(Box::new(doc.error_at_key(
            "blocks-group",
            "`blocks-group` needs a `group` and a report-only rule (no `fix`)",
        )));
    }
    Ok(())
}

/// Every `where` entry must name a metavariable the match binds.
pub(super) fn check_constraints_bound(
    doc: &DocContext,
    constraints: &[CaptureConstraint],
    bound: &[String],
) -> LoadResult<()> {
    match constraints.iter().find(|c| !bound.contains(&c.name)) {
        Some(unbound) => Err(Box::new(doc.error_at_key(
            &unbound.name,
            format!(
                "`where` names `{}`, which the match never binds",
                unbound.name
            ),
        ))),
        None => Ok(()),
    }
}

/// An import to add, as written in a rule: `from MODULE import NAME`.
pub fn parse_from_import(entry: &str) -> Option<(&str, &str)> {
    let rest = entry.trim().strip_prefix("from ")?;
    let (module, name) = rest.split_once(" import ")?;
    let valid = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '$')
    };
    (valid(module.trim()) && valid(name.trim())).then_some((module.trim(), name.trim()))
}

pub(super) fn validate_imports(doc: &DocContext, imports: Option<&ImportsSpec>) -> LoadResult<()> {
    for entry in imports.map_or(&[][..], |i| i.add.as_slice()) {
        if parse_from_import(entry).is_none() {
            return Err(Box::new(doc.error_at_key(
                "add",
                format!("`{entry}` is not of the form `from MODULE import NAME`"),
            )));
        }
    }
    Ok(())
}

fn validate_id(doc: &DocContext, id: &str) -> LoadResult<()> {
    let kebab = !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    if kebab {
        return Ok(());
    }
    Err(Box::new(
        doc.error_at_key("id", format!("rule id `{id}` is not kebab-case"))
            .help("use lower-case words joined by dashes, e.g. `config-get-with-default`"),
    ))
}

/// Names a fix or message may use: the pattern's metavariables, those bound
/// by positive relational patterns, query captures, and named groups of
/// `where` regexes (e.g. `(?P<ATTR>...)`).
pub(super) fn bound_names(
    matcher: &RuleMatcher,
    relations: &[RelationFilter],
    constraints: &[CaptureConstraint],
) -> Vec<String> {
    let mut names = match matcher {
        // A name is usable only if every alternative binds it.
        RuleMatcher::Patterns(patterns) => {
            let mut names = patterns
                .first()
                .map(|p| p.bound_names())
                .unwrap_or_default();
            names.retain(|name| patterns.iter().all(|p| p.bound_names().contains(name)));
            names
        }
        RuleMatcher::Query(query) => query.capture_names.clone(),
        RuleMatcher::Transform(_) => Vec::new(),
    };
    for constraint in constraints {
        for regex in constraint.regex.iter() {
            names.extend(regex.capture_names().flatten().map(String::from));
        }
    }
    for relation in relations.iter().filter(|r| !r.kind.is_negative()) {
        if let RelationTarget::Pattern(pattern) = &relation.target {
            names.extend(pattern.bound_names());
        }
        for regex in relation.constraints.iter().filter_map(|c| c.regex.as_ref()) {
            names.extend(regex.capture_names().flatten().map(String::from));
        }
    }
    names
}

pub(super) fn check_placeholders(
    doc: &DocContext,
    key: &str,
    text: &str,
    bound: &[String],
) -> LoadResult<()> {
    for placeholder in Template::placeholders(text) {
        if !bound.contains(&placeholder.name) {
            let len = placeholder.name.len() + 1;
            return Err(Box::new(
                doc.error_in_value(
                    key,
                    text,
                    placeholder.offset,
                    len,
                    format!(
                        "`${}` is used in `{key}` but the match never binds it",
                        placeholder.name
                    ),
                )
                .label("unbound metavariable")
                .help(format!(
                    "bound names: {}",
                    if bound.is_empty() {
                        "none".to_string()
                    } else {
                        bound.join(", ")
                    }
                )),
            ));
        }
    }
    Ok(())
}
