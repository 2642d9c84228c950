//! `rules test`: runs each rule's own `valid` and `invalid` cases, checks
//! that fixed code parses and that a second run changes nothing.

use super::Rule;
use crate::analysis::NameMatcher;
use crate::engine::{self, FileContext, RuleIndex};
use crate::project::Settings;
use crate::source::NewlineStyle;
use crate::syntax;

#[derive(Debug)]
pub struct RuleTestReport {
    pub rule: String,
    pub cases: usize,
    pub failures: Vec<String>,
}

impl RuleTestReport {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The result of running one rule alone on a snippet.
struct SnippetRun {
    fixed: Option<String>,
    hits: usize,
}

fn run_alone(rule: &Rule, code: &str, path: Option<&str>) -> Result<SnippetRun, String> {
    if let Some(call) = rule.transform() {
        let transform = crate::transforms::find(&call.name)
            .ok_or_else(|| format!("unknown transform `{}`", call.name))?;
        let relative = path.unwrap_or("module.py");
        let (fixed, hits) =
            crate::transforms::pass::run_alone(transform, &call.options, relative, code);
        return Ok(SnippetRun { fixed, hits });
    }
    let index = RuleIndex::new(vec![rule])?;
    let tree = syntax::parse(code);
    let settings = Settings::default();
    let names = NameMatcher::new(&settings.config_names).map_err(|e| e.to_string())?;
    let context = FileContext {
        applicable: &[true],
        config_names: &names,
        settings: &settings,
    };
    let rewrite = engine::rewrite(&index, code, tree, NewlineStyle::detect(code), &context);
    let hits = rewrite.findings.len() + rewrite.edits.len();
    if let Some(warning) = rewrite
        .warnings
        .iter()
        .find(|w| matches!(w, engine::FileWarning::FixBrokeSyntax { .. }))
    {
        return Err(format!("the fix produces invalid Python ({warning:?})"));
    }
    Ok(SnippetRun {
        fixed: rewrite.new_text,
        hits,
    })
}

pub fn test_rule(rule: &Rule) -> RuleTestReport {
    let mut failures = Vec::new();
    let tests = &rule.tests;
    if tests.valid.is_empty() || tests.invalid.is_empty() {
        failures.push("a rule needs at least one `valid` and one `invalid` test case".to_string());
    }
    for (number, code) in tests.valid.iter().enumerate() {
        match run_alone(rule, code, None) {
            Ok(run) if run.hits == 0 => {}
            Ok(run) => failures.push(format!(
                "valid[{number}]: expected no match, found {}\n{}",
                run.hits,
                indent(code)
            )),
            Err(error) => failures.push(format!("valid[{number}]: {error}")),
        }
    }
    for (number, case) in tests.invalid.iter().enumerate() {
        if let Err(failure) = check_invalid(rule, case) {
            failures.push(format!("invalid[{number}]: {failure}"));
        }
    }
    RuleTestReport {
        rule: rule.id.clone(),
        cases: tests.valid.len() + tests.invalid.len(),
        failures,
    }
}

fn check_invalid(rule: &Rule, case: &crate::rules::model::InvalidCase) -> Result<(), String> {
    let (code, expected, path) = (&case.code, case.fixed.as_deref(), case.path.as_deref());
    let run = run_alone(rule, code, path)?;
    if run.hits == 0 {
        return Err(format!("expected a match, found none\n{}", indent(code)));
    }
    if rule.transform().is_some() && expected.is_none() {
        // A transform case without `fixed` expects a refusal: a finding
        // and no change.
        return match run.fixed {
            None => Ok(()),
            Some(fixed) => Err(format!(
                "expected a refusal, but the code was rewritten\n{}",
                indent(&fixed)
            )),
        };
    }
    match (rule.is_fixable(), expected) {
        (false, None) => return Ok(()),
        (false, Some(_)) => {
            return Err("the rule is report-only, so a case cannot have `fixed`".into());
        }
        (true, None) => return Err("the rule has a fix, so each invalid case needs `fixed`".into()),
        (true, Some(_)) => {}
    }
    let expected = expected.unwrap_or_default();
    let actual = run.fixed.unwrap_or_else(|| code.to_string());
    if actual != expected {
        return Err(format!(
            "fixed code differs\n--- expected\n{}\n--- actual\n{}",
            indent(expected),
            indent(&actual)
        ));
    }
    if let Some(error) = syntax::first_error(&syntax::parse(expected)) {
        return Err(format!(
            "`fixed` is not valid Python (byte {})",
            error.start_byte()
        ));
    }
    let again = run_alone(rule, expected, path)?;
    if again.fixed.is_some() {
        return Err("not idempotent: running the rule on `fixed` changes it again".into());
    }
    Ok(())
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("    | {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}
