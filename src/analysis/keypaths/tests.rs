use super::*;
use crate::analysis::NameMatcher;
use crate::syntax::{self, KindTable};

/// Each lookup as `line: path = default` (or `line: ? reason`).
fn lookups(source: &str) -> Vec<String> {
    let tree = syntax::parse(source);
    let names = NameMatcher::new(&crate::project::Settings::default().config_names).unwrap();
    let facts = FileFacts::analyze(&tree, source, &names, &KindTable::new());
    collect(&tree, source, &facts)
        .into_iter()
        .map(|l| match l.path {
            Ok(path) => format!(
                "{}: {} = {}",
                l.line,
                path.join("."),
                l.default.unwrap_or_else(|| "-".into())
            ),
            Err(why) => format!("{}: ? {}", l.line, why),
        })
        .collect()
}

#[test]
fn chains_and_local_variables_resolve_from_the_root() {
    let source = "def f(config):\n    sb = config.get('script-behavior', {})\n    rl = sb['rate']\n    x = rl.get('enabled', False)\n    return config['a']['b']\n";
    assert_eq!(
        lookups(source),
        [
            "2: script-behavior = {}",
            "3: script-behavior.rate = -",
            "4: script-behavior.rate.enabled = False",
            "5: a.b = -",
            "5: a = -",
        ]
    );
}

#[test]
fn self_attributes_resolve_through_the_class() {
    let source = "class Api:\n    def __init__(self, config, timeout_config=None):\n        self.config = {}\n        self.config = load(config)\n        self.timeouts = {**D, **(timeout_config or {})}\n    def run(self):\n        self.config.get('retry', {}).get('max', 3)\n        self.timeouts.get('rest', 60)\n";
    assert_eq!(
        lookups(source),
        [
            "7: retry.max = 3",
            "7: retry = {}",
            "8: ? `{**D, **(timeout_config or {})}` builds a new dictionary: which part holds a key is not known",
        ]
    );
}

#[test]
fn parameters_of_private_functions_follow_their_callers_in_the_file() {
    let source = "def _limiter(rate_config, burst=1):\n    return rate_config.get('enabled', False)\n\ndef build(config):\n    _limiter(config['rate'])\n    _limiter(burst=2, rate_config=config.get('rate', {}))\n\nclass C:\n    def _t(self, t_cfg):\n        return t_cfg['rest']\n    def run(self, cfg):\n        self._t(cfg['timeouts'])\n        self._u(cfg['a'])\n        self._u(cfg['b'])\n    def _u(self, u_cfg):\n        return u_cfg['x']\n";
    let found = lookups(source);
    assert!(
        found.contains(&"2: rate.enabled = False".to_string()),
        "{found:?}"
    );
    assert!(
        found.contains(&"10: timeouts.rest = -".to_string()),
        "{found:?}"
    );
    assert!(
        found.contains(&"16: ? `u_cfg` is assigned different values".to_string()),
        "{found:?}"
    );
}

#[test]
fn computed_keys_parameters_and_loops_are_unresolved() {
    let source = "def f(config, key, rate_config):\n    config[key]\n    rate_config.get('enabled', False)\n    for name, section in config.items():\n        section.get('size', 1)\n    config['x'] = 1\n";
    assert_eq!(
        lookups(source),
        [
            "2: ? the key `key` is computed",
            "3: ? `rate_config` is a parameter of `f`, which other files may call: what callers pass is not followed",
            "5: ? a loop variable: it takes each value in turn",
        ]
    );
}
