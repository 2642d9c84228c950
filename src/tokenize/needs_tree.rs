//! Whether the audit (`audit.rs`) can find anything in a file without a
//! tree. It parses only files for which this says yes; for the others its
//! findings are none (suppressions are still checked, on the text).

use super::config_flow::gets_may_read_config;
use super::config_names::tokens_may_hold_config;
use super::{CallKind, FileTokens};
use crate::analysis::NameMatcher;

/// How much of a file's tree the audit needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeNeed {
    /// None: every finding comes from the tokens.
    Nothing,
    /// Only the statements around its sites (exits, `raise SystemExit`,
    /// thread-locals, escape hatches): everything else comes from the
    /// tokens, which decided every statement, so a parse of some
    /// top-level statements is exact (`audit::ranges` picks them).
    Sites,
    /// The whole file: a `.get(` provenance must decide (it reads
    /// parameters, assignments and attributes across the file), a
    /// statement the tokens leave undecided, or a file the tokenizer finds
    /// suspect or whose rows tree-sitter counts differently.
    Whole,
}

/// True when some check could flag something here that the tokens cannot
/// decide: a site it inspects (a `.get(` where provenance could find
/// configuration: a configuration name in code, see `config_names.rs`, on
/// the `.get(`'s receiver or reaching it through assignments and loops, see
/// `config_flow.rs`; an exit, a thread-local, an
/// escape hatch), a statement whose shared-state or dataclass finding the
/// tokens leave to the tree ([`super::state`], [`super::dataclass`]), or a
/// file the tokenizer finds suspect (the tree's error recovery decides).
/// Long functions, module-level and class-level state, `global` and
/// dataclasses with defaults need no tree: their findings come from the
/// tokens, unless a lone `\r` makes the tree's rows differ from Python's.
pub fn audit_needs_tree(found: &FileTokens, source: &str, config_names: &NameMatcher) -> bool {
    audit_tree_need(found, source, config_names) != TreeNeed::Nothing
}

/// How much of a tree the audit needs (see [`audit_needs_tree`]).
pub fn audit_tree_need(found: &FileTokens, source: &str, config_names: &NameMatcher) -> TreeNeed {
    let other_site =
        |kind: CallKind| !matches!(kind, CallKind::Get | CallKind::Global | CallKind::Dataclass);
    let get_site = found.calls.iter().any(|site| site.kind == CallKind::Get);
    if found.suspect
        || found.state.undecided
        || has_lone_carriage_return(source)
        || (get_site
            && config_names.may_appear_in(source)
            && tokens_may_hold_config(source, &found.code.tokens, config_names)
            && gets_may_read_config(source, &found.code, config_names))
    {
        TreeNeed::Whole
    } else if found.calls.iter().any(|site| other_site(site.kind)) {
        TreeNeed::Sites
    } else {
        TreeNeed::Nothing
    }
}

/// Whether a `\r` not followed by `\n` ends a line: Python counts it as a
/// line break, tree-sitter does not, so rows (and lengths) differ.
fn has_lone_carriage_return(source: &str) -> bool {
    let bytes = source.as_bytes();
    memchr::memchr_iter(b'\r', bytes).any(|at| bytes.get(at + 1) != Some(&b'\n'))
}

#[cfg(test)]
mod tests {
    use super::super::scan;
    use super::*;

    fn needs_tree(source: &str) -> bool {
        let names = NameMatcher::new(&crate::project::Settings::default().config_names)
            .expect("default names");
        audit_needs_tree(&scan(source), source, &names)
    }

    #[test]
    fn files_whose_findings_the_tokens_decide_need_no_tree() {
        let quiet = "\"\"\"sys.exit(1) in a docstring\"\"\"\nLIMIT = {}\nlogger = getLogger()\n\
                     name = 'x'\ndef f(d):\n    # global g\n    return d.get('k')\n\
                     class Plain:\n    limit = 3\n    def long(self):\n        a = 1\n        b = 2\n        return a + b\n\
                     cache = {}\ndef g():\n    global name\nclass Registry:\n    modules = {}\n\
                     @functools.lru_cache(maxsize=None)\ndef h():\n    pass\n";
        assert!(!needs_tree(quiet));
    }

    #[test]
    fn each_kind_of_candidate_needs_a_tree() {
        let cases = [
            "import sys\nsys.exit(1)\n",
            "def f(config):\n    return config.get('k')\n",
            "cache = 'a' 'b'.join(x)\n",
            "x = 1\ry = 2\n",
            "@dataclass\nclass C:\n    type X = int\n",
            "t = threading.local()\n",
            "f(no_validation=True)\n",
            "def f(:\n    pass\n  x\n",
            "class Registry:\n    modules = {lambda: 1}\n",
        ];
        for source in cases {
            assert!(needs_tree(source), "{source:?}");
        }
    }
}
