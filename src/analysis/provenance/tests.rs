use super::*;
use crate::syntax::field;

pub(crate) fn collect_kind<'t>(node: Node<'t>, kind: &str, out: &mut Vec<Node<'t>>) {
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        if child.kind() == kind {
            out.push(child);
        }
        collect_kind(child, kind, out);
    }
}

use crate::syntax;

pub(crate) fn names() -> NameMatcher {
    let defaults = crate::project::Settings::default().config_names;
    NameMatcher::new(&defaults).unwrap()
}

#[test]
fn config_names_may_appear_only_where_their_literals_do() {
    let names = names();
    assert!(names.may_appear_in("self._settings = load()"));
    assert!(names.may_appear_in("x = retry_cfg"));
    assert!(!names.may_appear_in("headers.get('Retry-After', 5)"));
    let globbed = NameMatcher::new(&["c?g".to_string()]).unwrap();
    assert!(globbed.may_appear_in("anything"));
}

#[test]
fn the_pruned_walk_collects_what_the_full_walk_does() {
    let source = "import argparse\nfrom x import (cfg,\n  y)\nclass C:\n    a = 1\n    def m(self, settings):\n        self.s = settings\n        v = [k for k in self.s.values()]\n        f = lambda q: [z for z in q]\n        if v:\n            w = u = {s: t for s, t in settings.items()}\n    def n(self): return self.s.get('a', 1)\ndef g(p):\n    p._add_argument('--x', dest='y')\n    for i in range(3):\n        try:\n            r = config['a']\n        except KeyError as e:\n            with open(f) as h:\n                r = (h.read() if h else [a for a in b])\nmatch q:\n    case 1:\n        m = 2\nformat = before_for = 1\n";
    let tree = syntax::parse(source);
    let root = tree.root_node();
    let kinds = KindTable::new();
    let pruned = Structure::collect(root, source, &kinds);
    let full = Structure::collect_entering(root, true, |_| true);
    assert_eq!(pruned.functions, full.functions);
    let ids = |s: &Structure| {
        let mut all: Vec<(usize, Vec<usize>)> = s
            .assignments
            .iter()
            .map(|(scope, nodes)| (*scope, nodes.iter().map(|n| n.id()).collect()))
            .collect();
        all.sort();
        all
    };
    assert_eq!(ids(&pruned), ids(&full));
    assert_eq!(ids(&full).iter().map(|(_, n)| n.len()).sum::<usize>(), 14);
    let dests = argparse_dests(&pruned.add_argument_calls, source);
    assert_eq!(dests, argparse_dests(&full.add_argument_calls, source));
    assert_eq!(dests, HashSet::from(["y".to_string()]));
}

/// Provenance of the receiver of the first `.get` whose text starts with `receiver`.
pub(crate) fn provenance(source: &str, receiver: &str, nth: usize) -> Option<Provenance> {
    let tree = syntax::parse(source);
    let names = names();
    let facts = FileFacts::analyze(&tree, source, &names, &KindTable::new());
    let mut attributes = Vec::new();
    collect_kind(tree.root_node(), "call", &mut attributes);
    let receivers: Vec<Node> = attributes
        .iter()
        .filter_map(|call| call.child_by_field_id(field::FUNCTION))
        .filter(|f| f.kind() == "attribute")
        .filter_map(|f| f.child_by_field_id(field::OBJECT))
        .filter(|o| &source[o.byte_range()] == receiver)
        .collect();
    facts.provenance_of(receivers[nth])
}

#[test]
fn seeds_and_local_flow() {
    let source = "def f(config):\n    sb = config.get('script-behavior', {})\n    rl = sb['rate']\n    return rl.get('enabled', False)\n";
    assert_eq!(provenance(source, "config", 0), Some(Provenance::Config));
    assert_eq!(provenance(source, "rl", 0), Some(Provenance::Config));
}

#[test]
fn api_data_is_not_config() {
    let source = "def f(self, response):\n    body = response.json()\n    body.get('error', {})\n    response.headers.get('Retry-After', 5)\n    os.environ.get('X', 1)\n    kwargs.get('indent', 2)\n";
    assert_eq!(provenance(source, "body", 0), None);
    assert_eq!(provenance(source, "response.headers", 0), None);
    assert_eq!(provenance(source, "os.environ", 0), None);
    assert_eq!(provenance(source, "kwargs", 0), None);
}

#[test]
fn self_attributes_flow_through_the_class() {
    let source = "class Api:\n    def __init__(self, timeout_config=None):\n        self.timeouts = {**DEFAULTS, **(timeout_config or {})}\n        self.cache = {}\n    def call(self):\n        self.timeouts.get('rest', 60)\n        self.cache.get('k', 1)\n";
    assert_eq!(
        provenance(source, "self.timeouts", 0),
        Some(Provenance::Config)
    );
    assert_eq!(provenance(source, "self.cache", 0), None);
}

#[test]
fn or_defaults_and_loops() {
    let source = "def f(batch_config=None, cfg=None):\n    batch_config = batch_config or {}\n    batch_config.get('size', 20)\n    x = cfg or {}\n    x.get('a', 1)\n    for k, v in cfg.items():\n        v.get('b', 2)\n";
    assert_eq!(
        provenance(source, "batch_config", 0),
        Some(Provenance::DefaultedConfig)
    );
    assert_eq!(provenance(source, "x", 0), Some(Provenance::Config));
    assert_eq!(provenance(source, "v", 0), Some(Provenance::Config));
}

#[test]
fn methods_named_get_on_other_objects_are_calls() {
    let source = "class C:\n    def run(self, cache):\n        self.get(url)\n        cache.get('k', None)\n";
    assert_eq!(provenance(source, "self", 0), None);
    assert_eq!(provenance(source, "cache", 0), None);
}

#[test]
fn argparse_namespaces_and_dests() {
    let source = "p = argparse.ArgumentParser()\np.add_argument('--no-validation', action='store_true')\np.add_argument('-d', '--debug')\np.add_argument('env')\np.add_argument('--x', dest='why')\nns = p.parse_args()\nns.get('a')\n";
    let tree = syntax::parse(source);
    let names = names();
    let facts = FileFacts::analyze(&tree, source, &names, &KindTable::new());
    let mut dests: Vec<_> = facts.argparse_dests.iter().cloned().collect();
    dests.sort();
    assert_eq!(dests, ["debug", "env", "no_validation", "why"]);
    assert_eq!(
        provenance(source, "ns", 0),
        Some(Provenance::ArgparseNamespace)
    );
}
