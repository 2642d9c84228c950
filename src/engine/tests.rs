use super::*;
use crate::analysis::NameMatcher;
use crate::project::Settings;
use crate::rules::load::{RuleSource, load_sources};
use crate::syntax::KindTable;

fn run(rule_yaml: &str, code: &str) -> Rewrite {
    let header = "id: r\nphase: 1\ntitle: t\nmessage: m\nseverity: info\nbreaking: none\n";
    let source = RuleSource {
        name: "r.yaml".into(),
        text: format!("{header}{rule_yaml}"),
    };
    let rules = load_sources(&[source], &KindTable::new()).unwrap();
    let index = RuleIndex::new(rules.iter().collect()).unwrap();
    let settings = Settings::default();
    let names = NameMatcher::new(&settings.config_names).unwrap();
    let context = FileContext {
        applicable: &[true],
        config_names: &names,
        settings: &settings,
        schema: None,
        get_methods: &[],
        untyped_config: std::cell::Cell::new(false),
        test_code: false,
        blocked_elsewhere: &[],
    };
    rewrite(
        &index,
        code,
        syntax::parse(code),
        NewlineStyle::Lf,
        &context,
    )
}

#[test]
fn a_rule_that_never_settles_hits_the_pass_cap() {
    let result = run(
        "match:\n  pattern: grow($X)\nfix: grow(grow($X))\n",
        "grow(1)\n",
    );
    assert!(
        matches!(result.warnings.as_slice(), [FileWarning::PassCapReached { rules }] if rules == &[0])
    );
    let text = result.new_text.unwrap();
    assert_eq!(text.matches("grow").count(), 1 + MAX_PASSES);
}

#[test]
fn nested_matches_converge_and_compose_into_one_edit() {
    let result = run(
        "match:\n  pattern: $X.get($K, $D)\nfix: $X[$K]\n",
        "v = c.get('a', {}).get('b', {}).get('c', 0)\n",
    );
    assert_eq!(result.new_text.as_deref(), Some("v = c['a']['b']['c']\n"));
    assert_eq!(result.edits.len(), 1);
    assert_eq!(result.edits[0].rules, [0, 0, 0]);
    assert!(result.warnings.is_empty());
}

#[test]
fn a_fix_that_breaks_syntax_is_not_kept() {
    let result = run("match:\n  pattern: f($X)\nfix: 'f($X'\n", "f(1)\n");
    assert!(result.new_text.is_none());
    assert!(matches!(
        result.warnings.as_slice(),
        [FileWarning::FixBrokeSyntax { .. }]
    ));
}

#[test]
fn code_inside_a_syntax_error_is_not_rewritten() {
    let result = run(
        "match:\n  pattern: f($X)\nfix: g($X)\n",
        "f(1)\nx = (f(2)\n",
    );
    assert_eq!(result.new_text.as_deref(), Some("g(1)\nx = (f(2)\n"));
    assert!(matches!(
        result.warnings.first(),
        Some(FileWarning::SyntaxErrors { .. })
    ));
}
