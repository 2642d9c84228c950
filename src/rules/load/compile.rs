//! Compiles a rule's `match`: patterns, queries, relational filters,
//! `where` constraints and transform calls, each error located in the file.

use regex::Regex;

use super::{DocContext, LoadResult};
use crate::pattern::{self, Pattern};
use crate::rules::model::{Constraint, MatchSpec, OneOrMany, Relation, RuleSpec, TransformSpec};
use crate::rules::{
    CaptureConstraint, QuerySource, RelationFilter, RelationKind, RelationTarget, RuleMatcher,
    queries,
};
use crate::syntax::KindTable;

/// A `transform:` rule: a known transform, valid options, and nothing of
/// a pattern rule (`match`, `fix`, `imports`) beside it.
pub(super) fn compile_transform(
    doc: &DocContext,
    spec: &RuleSpec,
    call: &TransformSpec,
) -> LoadResult<RuleMatcher> {
    let m = &spec.matcher;
    if m.pattern.is_some() || m.query.is_some() || spec.fix.is_some() || spec.imports.is_some() {
        return Err(Box::new(
            doc.error_at_key(
                "transform",
                "a `transform` rule has no `match`, `fix` or `imports`",
            )
            .help("the transform finds and rewrites the code itself; configure it with `options`"),
        ));
    }
    let Some(transform) = crate::transforms::find(&call.name) else {
        return Err(Box::new(
            doc.error_at_key("name", format!("unknown transform `{}`", call.name))
                .help(format!(
                    "known transforms: {}",
                    crate::transforms::names().join(", ")
                )),
        ));
    };
    let options = crate::transforms::options::resolve(transform.options(), &call.options)
        .map_err(|(key, message)| Box::new(doc.error_at_key(&key, message)))?;
    Ok(RuleMatcher::Transform(crate::transforms::TransformCall {
        name: call.name.clone(),
        options,
    }))
}

pub(super) fn compile_matcher(
    doc: &DocContext,
    spec: &MatchSpec,
    analysed: Option<QuerySource>,
    kinds: &KindTable,
) -> LoadResult<RuleMatcher> {
    match (&spec.pattern, &spec.query) {
        (Some(patterns), None) => patterns
            .to_vec()
            .into_iter()
            .map(|pattern| compile_pattern(doc, "pattern", pattern, kinds))
            .collect::<LoadResult<Vec<_>>>()
            .map(RuleMatcher::Patterns),
        (None, Some(query)) => match analysed {
            Some(source) => Ok(RuleMatcher::Query(source)),
            None => queries::analyze_one(query)
                .map(RuleMatcher::Query)
                .map_err(|error| {
                    Box::new(doc.error_in_value(
                        "query",
                        query,
                        error.offset,
                        1,
                        format!("invalid tree-sitter query: {}", error.message.trim()),
                    ))
                }),
        },
        _ => Err(Box::new(
            doc.error_at_key("match", "`match` needs exactly one of `pattern` or `query`")
                .help("write `pattern:` with Python code, or `query:` with a tree-sitter query"),
        )),
    }
}

fn compile_pattern(
    doc: &DocContext,
    key: &str,
    text: &str,
    kinds: &KindTable,
) -> LoadResult<Pattern> {
    pattern::compile(text, kinds).map_err(|error| {
        Box::new(doc.error_in_value(key, text, error.offset, error.len, error.message)
            .label("not valid here")
            .help("a pattern is one Python statement or expression; `$NAME` stands for one node, `$$$NAME` for several"))
    })
}

fn kind_ids(
    doc: &DocContext,
    key: &str,
    names: &OneOrMany<String>,
    kinds: &KindTable,
) -> LoadResult<Vec<u16>> {
    names
        .to_vec()
        .into_iter()
        .map(|name| {
            kinds.id_of_name(name).ok_or_else(|| {
                Box::new(doc.error_at_key(key, format!("`{name}` is not a node kind of the Python grammar"))
                    .help("kinds are tree-sitter-python node types, e.g. call, attribute, string, function_definition"))
            })
        })
        .collect()
}

pub(super) fn compile_relations(
    doc: &DocContext,
    spec: &MatchSpec,
    kinds: &KindTable,
) -> LoadResult<Vec<RelationFilter>> {
    let groups = [
        ("inside", RelationKind::Inside, &spec.inside),
        ("not-inside", RelationKind::NotInside, &spec.not_inside),
        ("has", RelationKind::Has, &spec.has),
        ("not-has", RelationKind::NotHas, &spec.not_has),
        ("follows", RelationKind::Follows, &spec.follows),
        ("not-follows", RelationKind::NotFollows, &spec.not_follows),
        ("precedes", RelationKind::Precedes, &spec.precedes),
        (
            "not-precedes",
            RelationKind::NotPrecedes,
            &spec.not_precedes,
        ),
    ];
    let mut filters = Vec::new();
    for (key, kind, relations) in groups {
        for relation in relations.to_vec() {
            filters.push(compile_relation(doc, key, kind, relation, kinds)?);
        }
    }
    Ok(filters)
}

fn compile_relation(
    doc: &DocContext,
    key: &str,
    kind: RelationKind,
    relation: &Relation,
    kinds: &KindTable,
) -> LoadResult<RelationFilter> {
    let target = match (&relation.pattern, &relation.kind) {
        (Some(pattern), None) => {
            RelationTarget::Pattern(compile_pattern(doc, "pattern", pattern, kinds)?)
        }
        (None, Some(names)) => RelationTarget::Kinds(kind_ids(doc, key, names, kinds)?),
        _ => {
            return Err(Box::new(doc.error_at_key(
                key,
                format!("`{key}` needs exactly one of `pattern` or `kind`"),
            )));
        }
    };
    let stop_at = match &relation.stop_at {
        Some(names) => kind_ids(doc, "stop-at", names, kinds)?,
        None => Vec::new(),
    };
    Ok(RelationFilter {
        kind,
        target,
        stop_at,
        immediately: relation.immediately,
        first_in_run: relation.first_in_run,
        constraints: compile_constraint_map(doc, &relation.constraints, kinds)?,
    })
}

fn compile_regex(doc: &DocContext, key: &str, text: &Option<String>) -> LoadResult<Option<Regex>> {
    text.as_deref()
        .map(|text| {
            Regex::new(text)
                .map_err(|error| Box::new(doc.error_at_key(key, format!("invalid regex: {error}"))))
        })
        .transpose()
}

pub(super) fn compile_constraints(
    doc: &DocContext,
    spec: &MatchSpec,
    kinds: &KindTable,
) -> LoadResult<Vec<CaptureConstraint>> {
    compile_constraint_map(doc, &spec.constraints, kinds)
}

fn compile_constraint_map(
    doc: &DocContext,
    constraints: &std::collections::BTreeMap<String, Constraint>,
    kinds: &KindTable,
) -> LoadResult<Vec<CaptureConstraint>> {
    constraints
        .iter()
        .map(|(name, constraint): (&String, &Constraint)| {
            Ok(CaptureConstraint {
                name: name.clone(),
                regex: compile_regex(doc, "regex", &constraint.regex)?,
                not_regex: compile_regex(doc, "not-regex", &constraint.not_regex)?,
                kinds: constraint
                    .kind
                    .as_ref()
                    .map_or(Ok(Vec::new()), |k| kind_ids(doc, "kind", k, kinds))?,
                not_kinds: constraint
                    .not_kind
                    .as_ref()
                    .map_or(Ok(Vec::new()), |k| kind_ids(doc, "not-kind", k, kinds))?,
                provenance: constraint
                    .provenance
                    .as_ref()
                    .map_or_else(Vec::new, |p| p.to_vec().into_iter().copied().collect()),
                declared_flag: constraint.declared_flag,
                exit_hazard: constraint.exit_hazard,
                schema_default: constraint.schema_default,
            })
        })
        .collect()
}
