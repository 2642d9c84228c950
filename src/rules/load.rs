//! Loads rule files: splits YAML documents, deserializes, validates every
//! field that can be wrong, and compiles patterns. Problems become
//! [`RuleFileError`]s pointing into the file.

use std::collections::HashMap;
use std::path::Path;

use regex::Regex;

use super::diagnostic::{RuleFileError, locate_in_value, locate_key};
use super::model::{Constraint, MatchSpec, OneOrMany, Relation, RuleSpec};
use super::queries;
use super::{
    CaptureConstraint, QuerySource, RelationFilter, RelationKind, RelationTarget, Rule, RuleMatcher,
};
use crate::engine::template::Template;
use crate::pattern::{self, Pattern};
use crate::syntax::KindTable;

/// The text of one rule file and the name it is shown under.
#[derive(Debug, Clone)]
pub struct RuleSource {
    pub name: String,
    pub text: String,
}

/// All loaded rules, in a stable order, plus notices for the user (e.g. a
/// user rule that overrides an embedded one).
#[derive(Debug, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub notices: Vec<String>,
}

impl RuleSet {
    pub fn for_phase(&self, phase: u8) -> Vec<&Rule> {
        self.rules
            .iter()
            .filter(|rule| rule.phase == phase)
            .collect()
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.id == id)
    }
}

/// Loads embedded rules, then user rule files (whose ids override).
pub fn load_rule_set(
    user_dirs: &[&Path],
    kinds: &KindTable,
) -> Result<RuleSet, Vec<RuleFileError>> {
    let mut set = RuleSet {
        rules: load_sources(&super::embedded::sources(), kinds)?,
        notices: Vec::new(),
    };
    for dir in user_dirs {
        let sources = read_rule_dir(dir).map_err(|error| vec![*error])?;
        for rule in load_sources(&sources, kinds)? {
            match set.rules.iter().position(|existing| existing.id == rule.id) {
                Some(index) => {
                    set.notices.push(format!(
                        "rule `{}` from {} overrides the one from {}",
                        rule.id, rule.origin, set.rules[index].origin
                    ));
                    set.rules[index] = rule;
                }
                None => set.rules.push(rule),
            }
        }
    }
    set.rules
        .sort_by(|a, b| (a.phase, &a.id).cmp(&(b.phase, &b.id)));
    Ok(set)
}

fn read_rule_dir(dir: &Path) -> Result<Vec<RuleSource>, Box<RuleFileError>> {
    if !dir.is_dir() {
        let shown = dir.display().to_string();
        let what = if dir.exists() {
            "is not a directory"
        } else {
            "does not exist"
        };
        return Err(Box::new(
            RuleFileError::new(&shown, "", 0, 0, format!("rule directory {what}"))
                .help("pass a directory that holds *.yaml rule files to --rules"),
        ));
    }
    let mut sources = Vec::new();
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let entry = entry.map_err(|error| {
            RuleFileError::new(&dir.display().to_string(), "", 0, 0, error.to_string())
        })?;
        let path = entry.path();
        let is_yaml = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        if !is_yaml || !path.is_file() {
            continue;
        }
        let name = crate::source::display_path(path);
        let text = std::fs::read_to_string(path).map_err(|error| {
            RuleFileError::new(&name, "", 0, 0, format!("cannot read rule file: {error}"))
        })?;
        sources.push(RuleSource { name, text });
    }
    Ok(sources)
}

/// Loads and validates rule files; all errors are returned, not just the first.
pub fn load_sources(
    sources: &[RuleSource],
    kinds: &KindTable,
) -> Result<Vec<Rule>, Vec<RuleFileError>> {
    let mut rules: Vec<Rule> = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    let docs = documents(sources);
    let specs: Vec<LoadResult<RuleSpec>> = docs.iter().map(parse_spec).collect();
    // Every query rule's query in one compile (see `queries`).
    let analyses = queries::analyze_together(&query_texts(&specs));
    for ((doc, spec), analysis) in docs.iter().zip(specs).zip(analyses) {
        match spec.and_then(|spec| load_document(doc, spec, analysis, kinds)) {
            Ok(rule) => {
                if let Some(first) = seen.get(&rule.id) {
                    errors.push(
                        doc.error_at_key("id", format!("duplicate rule id `{}`", rule.id))
                            .help(format!(
                                "the id is already used in {first}; ids must be unique"
                            )),
                    );
                    continue;
                }
                seen.insert(rule.id.clone(), doc.file.to_string());
                rules.push(rule);
            }
            Err(error) => errors.push(*error),
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}

/// Each document's query, where it parsed and has one.
fn query_texts(specs: &[LoadResult<RuleSpec>]) -> Vec<Option<&str>> {
    specs
        .iter()
        .map(|spec| spec.as_ref().ok().and_then(|s| s.matcher.query.as_deref()))
        .collect()
}

/// Every YAML document of every source, in order.
fn documents(sources: &[RuleSource]) -> Vec<DocContext<'_>> {
    sources
        .iter()
        .flat_map(|source| {
            split_documents(&source.text)
                .into_iter()
                .map(|(start, body)| DocContext {
                    file: &source.name,
                    text: &source.text,
                    start,
                    body,
                })
        })
        .collect()
}

/// Splits a file into YAML documents at `---` lines: (offset, text) pairs,
/// skipping documents with nothing but comments.
fn split_documents(text: &str) -> Vec<(usize, &str)> {
    let mut documents = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" {
            documents.push((start, &text[start..offset]));
            start = offset + line.len();
        }
        offset += line.len();
    }
    documents.push((start, &text[start..]));
    documents
        .into_iter()
        .filter(|(_, body)| {
            body.lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        })
        .collect()
}

/// One YAML document within its file, for building located errors.
struct DocContext<'a> {
    file: &'a str,
    text: &'a str,
    start: usize,
    body: &'a str,
}

type LoadResult<T> = Result<T, Box<RuleFileError>>;

impl DocContext<'_> {
    fn error(&self, offset_in_doc: usize, len: usize, message: impl Into<String>) -> RuleFileError {
        RuleFileError::new(
            self.file,
            self.text,
            self.start + offset_in_doc,
            len.max(1),
            message,
        )
    }

    fn error_at_key(&self, key: &str, message: impl Into<String>) -> RuleFileError {
        let (offset, len) = locate_key(self.body, key, 0).unwrap_or((0, 1));
        self.error(offset, len, message)
    }

    /// An error at `offset` inside the string value of `key`.
    fn error_in_value(
        &self,
        key: &str,
        value: &str,
        offset: usize,
        len: usize,
        message: impl Into<String>,
    ) -> RuleFileError {
        let key_offset = locate_key(self.body, key, 0).map_or(0, |(o, _)| o);
        match locate_in_value(self.body, key_offset, value, offset) {
            Some(found) => self.error(found, len, message),
            None => self.error_at_key(key, message),
        }
    }
}

/// Validates and compiles one rule; `query` is its query's analysis when
/// the batch compile knew it.
fn load_document(
    doc: &DocContext,
    spec: RuleSpec,
    query: Option<QuerySource>,
    kinds: &KindTable,
) -> LoadResult<Rule> {
    validate_header(doc, &spec)?;
    if let Some(call) = &spec.transform {
        let matcher = compile_transform(doc, &spec, call)?;
        let mut bound: Vec<String> = super::BUILTIN_NAMES.iter().map(|n| n.to_string()).collect();
        bound.extend(spec.options.keys().map(|o| super::option_variable(o)));
        check_placeholders(doc, "message", &spec.message, &bound)?;
        return Ok(build_rule(doc, spec, matcher, Vec::new(), Vec::new()));
    }
    let matcher = compile_matcher(doc, &spec.matcher, query, kinds)?;
    let relations = compile_relations(doc, &spec.matcher, kinds)?;
    let constraints = compile_constraints(doc, &spec.matcher, kinds)?;
    let mut bound = bound_names(&matcher, &relations, &constraints);
    bound.extend(super::BUILTIN_NAMES.iter().map(|n| n.to_string()));
    bound.extend(spec.options.keys().map(|o| super::option_variable(o)));
    validate_imports(doc, spec.imports.as_ref())?;
    check_placeholders(doc, "message", &spec.message, &bound)?;
    if let Some(fix) = &spec.fix {
        check_placeholders(doc, "fix", fix, &bound)?;
    }
    check_constraints_bound(doc, &constraints, &bound)?;
    Ok(build_rule(doc, spec, matcher, constraints, relations))
}

fn parse_spec(doc: &DocContext) -> LoadResult<RuleSpec> {
    serde_yaml::from_str(doc.body).map_err(|error| {
        let offset = error.location().map_or(0, |l| l.index());
        let message = error.to_string();
        // The diagnostic shows the location itself.
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        Box::new(doc.error(offset, 1, format!("invalid rule: {message}")).help(
            "a rule needs id, phase, title, message, severity, breaking and match; see README.md#writing-rules",
        ))
    })
}

/// The id, the phase and `blocks-group`.
fn validate_header(doc: &DocContext, spec: &RuleSpec) -> LoadResult<()> {
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
fn check_constraints_bound(
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

fn build_rule(
    doc: &DocContext,
    spec: RuleSpec,
    matcher: RuleMatcher,
    constraints: Vec<CaptureConstraint>,
    relations: Vec<RelationFilter>,
) -> Rule {
    Rule {
        id: spec.id,
        phase: spec.phase,
        title: spec.title,
        message: Template::parse(spec.message.trim()),
        severity: spec.severity,
        breaking: spec.breaking,
        note: spec.note,
        files: spec.files,
        ignores: spec.ignores,
        matcher,
        constraints,
        relations,
        fix: spec
            .fix
            .as_deref()
            .map(|fix| Template::parse(fix.strip_suffix('\n').unwrap_or(fix))),
        enabled: spec.enabled,
        migration: spec.migration,
        group: spec.group,
        blocks_group: spec.blocks_group,
        options: spec.options,
        imports: spec.imports,
        tests: spec.tests,
        origin: doc.file.to_string(),
        yaml: doc.body.trim().to_string(),
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

fn validate_imports(
    doc: &DocContext,
    imports: Option<&super::model::ImportsSpec>,
) -> LoadResult<()> {
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

/// A `transform:` rule: a known transform, valid options, and nothing of
/// a pattern rule (`match`, `fix`, `imports`) beside it.
fn compile_transform(
    doc: &DocContext,
    spec: &RuleSpec,
    call: &super::model::TransformSpec,
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

fn compile_matcher(
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

fn compile_relations(
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

fn compile_constraints(
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
            })
        })
        .collect()
}

/// Names a fix or message may use: the pattern's metavariables, those bound
/// by positive relational patterns, query captures, and named groups of
/// `where` regexes (e.g. `(?P<ATTR>...)`).
fn bound_names(
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

fn check_placeholders(doc: &DocContext, key: &str, text: &str, bound: &[String]) -> LoadResult<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Vec<Rule>, Vec<RuleFileError>> {
        load_sources(
            &[RuleSource {
                name: "test.yaml".into(),
                text: text.into(),
            }],
            &KindTable::new(),
        )
    }

    const GOOD: &str = "id: demo\nphase: 1\ntitle: t\nmessage: m $X\nseverity: warning\nbreaking: none\nmatch:\n  pattern: $X.get($K, $D)\nfix: $X[$K]\n";

    /// The embedded rules' queries take the one-compile path, and it
    /// learns what compiling each alone does.
    #[test]
    fn embedded_queries_are_analysed_in_one_compile() {
        let sources = super::super::embedded::sources();
        let docs = documents(&sources);
        let specs: Vec<LoadResult<RuleSpec>> = docs.iter().map(parse_spec).collect();
        assert!(specs.iter().all(Result::is_ok));
        let texts = query_texts(&specs);
        assert!(texts.iter().flatten().count() >= 2);
        let together = queries::analyze_together(&texts);
        for (text, found) in texts.iter().zip(&together) {
            let Some(text) = text else { continue };
            let found = found.as_ref().expect("analysed in the batch");
            let alone = queries::analyze_one(text).unwrap();
            let mut names = found.capture_names.clone();
            let mut alone_names = alone.capture_names.clone();
            names.sort();
            alone_names.sort();
            assert_eq!(
                (found.pattern_count, names),
                (alone.pattern_count, alone_names)
            );
        }
    }

    #[test]
    fn an_invalid_query_among_valid_ones_is_located_in_its_own_document() {
        let valid = "id: demo\nphase: 1\ntitle: t\nmessage: m\nseverity: warning\nbreaking: none\nmatch:\n  query: (call) @match\n";
        let invalid = valid
            .replace("id: demo", "id: broken")
            .replace("(call) @match", "(call @match");
        let text = format!("{valid}---\n{invalid}");
        let mut errors = load(&text).unwrap_err();
        assert_eq!(errors.len(), 1);
        let shown = format!("{:?}", miette::Report::new(errors.remove(0)));
        assert!(shown.contains("invalid tree-sitter query"), "{shown}");
        assert!(shown.contains("(call @match"), "{shown}");
    }

    #[test]
    fn loads_a_valid_rule() {
        let rules = load(GOOD).unwrap();
        assert_eq!(rules[0].id, "demo");
        assert!(rules[0].is_fixable());
    }

    #[test]
    fn reports_unbound_fix_variable_at_its_position() {
        let text = GOOD.replace("fix: $X[$K]", "fix: $X[$KEY]");
        let errors = load(&text).unwrap_err();
        assert!(
            errors[0].message.contains("`$KEY`"),
            "{}",
            errors[0].message
        );
        assert_eq!(errors[0].line_col(), (9, 9));
    }

    #[test]
    fn reports_duplicate_ids_and_bad_phase() {
        let errors = load(&format!("{GOOD}---\n{GOOD}")).unwrap_err();
        assert!(errors[0].message.contains("duplicate rule id"));
        let errors = load(&GOOD.replace("phase: 1", "phase: 9")).unwrap_err();
        assert!(errors[0].message.contains("unknown phase 9"));
        assert_eq!(errors[0].line_col(), (2, 8));
    }

    #[test]
    fn reports_unknown_field() {
        let errors = load(&GOOD.replace("title: t", "titel: t")).unwrap_err();
        assert!(
            errors[0].message.contains("unknown field `titel`"),
            "{}",
            errors[0].message
        );
        assert_eq!(errors[0].line_col().0, 3);
    }

    #[test]
    fn reports_invalid_pattern_inside_the_pattern() {
        let errors = load(&GOOD.replace("$X.get($K, $D)", "$X.get($K,, $D)")).unwrap_err();
        assert!(errors[0].message.contains("not valid Python"));
        assert_eq!(errors[0].line_col().0, 8);
    }
}

#[cfg(test)]
mod transform_rule_tests {
    use super::*;

    const HEADER: &str =
        "id: t\nphase: 3\ntitle: t\nmessage: m\nseverity: warning\nbreaking: low\n";

    fn error_of(body: &str) -> String {
        let source = RuleSource {
            name: "t.yaml".into(),
            text: format!("{HEADER}{body}"),
        };
        let errors = load_sources(&[source], &KindTable::new()).unwrap_err();
        format!(
            "{:?}",
            miette::Report::new(errors.into_iter().next().unwrap())
        )
    }

    #[test]
    fn an_unknown_transform_is_named_with_the_known_ones() {
        let error = error_of("transform:\n  name: no-such-transform\n");
        assert!(
            error.contains("unknown transform `no-such-transform`"),
            "{error}"
        );
        assert!(error.contains("known transforms:"), "{error}");
    }

    #[test]
    fn a_transform_rule_cannot_also_match_or_fix() {
        let error = error_of("transform:\n  name: x\nmatch:\n  pattern: f()\n");
        assert!(
            error.contains("has no `match`, `fix` or `imports`"),
            "{error}"
        );
        let error = error_of("transform:\n  name: x\nfix: g()\n");
        assert!(
            error.contains("has no `match`, `fix` or `imports`"),
            "{error}"
        );
    }

    #[test]
    fn a_rule_needs_a_match_or_a_transform() {
        let error = error_of("fix: g()\n");
        assert!(error.contains("`match` needs exactly one of"), "{error}");
    }
}
