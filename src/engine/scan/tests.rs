//! The scan's tests: hits of rules written as YAML.
use super::{FileContext, RuleIndex, query_root_kind};
use crate::analysis::NameMatcher;
use crate::project::Settings;
use crate::rules::load::{RuleSource, load_sources};
use crate::syntax::{self, KindTable};

/// Rule id and line of every hit of the rules (YAML `match:` bodies).
fn hits(matchers: &[&str], source: &str) -> Vec<(String, usize)> {
    let sources: Vec<RuleSource> = matchers
        .iter()
        .enumerate()
        .map(|(n, matcher)| RuleSource {
            name: format!("r{n}.yaml"),
            text: format!(
                "id: r{n}\nphase: 1\ntitle: t\nmessage: m\nseverity: info\nbreaking: none\nmatch:\n{matcher}\n"
            ),
        })
        .collect();
    let rules = load_sources(&sources, &KindTable::new()).unwrap();
    let index = RuleIndex::new(rules.iter().collect()).unwrap();
    let tree = syntax::parse(source);
    let applicable = vec![true; rules.len()];
    let context = FileContext {
        applicable: &applicable,
        config_names: &NameMatcher::new(&[]).unwrap(),
        settings: &Settings::default(),
        schema: None,
        get_methods: &[],
        untyped_config: std::cell::Cell::new(false),
        test_code: false,
        blocked_elsewhere: &[],
    };
    index
        .scan(&tree, source, &context)
        .iter()
        .map(|hit| {
            (
                rules[hit.rule].id.clone(),
                hit.node.start_position().row + 1,
            )
        })
        .collect()
}

#[test]
fn queries_run_at_their_root_kind_during_the_walk() {
    let docstring =
        "  query: '(function_definition body: (block . (expression_statement (string) @match)))'";
    let call = "  pattern: exit($C)";
    let source = "def f():\n    \"\"\"doc\"\"\"\n    def g():\n        'inner'\n        exit(1)\n";
    let expected = [("r0", 2), ("r0", 4), ("r1", 5)].map(|(r, l)| (r.to_string(), l));
    assert_eq!(hits(&[docstring, call], source), expected);
    // Alone, the query rule still finds nested definitions.
    assert_eq!(hits(&[docstring], source), expected[..2]);
    // A query without a root kind runs over the whole tree.
    let any = "  query: '[(string) (integer)] @match'";
    assert_eq!(hits(&[any], "x = [1, 'a']\n").len(), 2);
}

#[test]
fn only_a_grouped_rule_with_a_provenance_constraint_reads_provenance_for_groups() {
    let reads = |extra: &str| {
        let text = format!(
            "id: r\nphase: 1\ntitle: t\nmessage: m\nseverity: info\nbreaking: none\n{extra}match:\n  pattern: $X.get($K, $D)\n  where:\n    X:\n      provenance: config\n"
        );
        let sources = [RuleSource {
            name: "r.yaml".into(),
            text,
        }];
        let rules = load_sources(&sources, &KindTable::new()).unwrap();
        RuleIndex::new(rules.iter().collect())
            .unwrap()
            .groups_read_provenance()
    };
    assert!(!reads(""));
    assert!(reads("group: g\n"));
}

#[test]
fn query_root_kinds_are_recognised() {
    assert_eq!(
        query_root_kind("; a comment\n((module) @match (#match? @match \"x\"))"),
        Some("module")
    );
    assert_eq!(
        query_root_kind("(function_definition body: (block (module)))"),
        Some("function_definition")
    );
    assert_eq!(query_root_kind("((identifier) @NAME)"), Some("identifier"));
    assert_eq!(query_root_kind("[(identifier) (string)] @x"), None);
    assert_eq!(query_root_kind("(_ (identifier)) @x"), None);
    assert_eq!(query_root_kind("(\"raise\") @x"), None);
}
