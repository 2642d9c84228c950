//! Loads rule files: splits YAML documents, deserializes, validates every
//! field that can be wrong, and compiles patterns. Problems become
//! [`RuleFileError`]s pointing into the file.

use std::collections::HashMap;
use std::path::Path;

use super::diagnostic::{RuleFileError, locate_in_value, locate_key};
use super::model::RuleSpec;
use super::queries;
use super::{CaptureConstraint, QuerySource, RelationFilter, Rule, RuleMatcher};
use crate::engine::template::Template;
use crate::syntax::KindTable;

mod compile;
mod validate;

use compile::{compile_constraints, compile_matcher, compile_relations, compile_transform};
pub use validate::parse_from_import;
use validate::{
    bound_names, check_constraints_bound, check_placeholders, validate_header, validate_imports,
};

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
    // Every query rule's query in one compile, or none (see `queries`).
    let analyses = queries::analyze_batch(&query_texts(&specs));
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

/// Each document's query in `sources`, in load order.
#[cfg(test)]
pub(super) fn embedded_query_texts(sources: &[RuleSource]) -> Vec<Option<String>> {
    let docs = documents(sources);
    let specs: Vec<LoadResult<RuleSpec>> = docs.iter().map(parse_spec).collect();
    let texts = query_texts(&specs);
    texts.into_iter().map(|t| t.map(String::from)).collect()
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
