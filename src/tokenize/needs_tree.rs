//! Whether the audit (`audit.rs`) can find anything in a file without a
//! tree. It parses only files for which this says yes; for the others its
//! findings are none (suppressions are still checked, on the text).

use super::config_flow::config_get_lines;
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
    /// The statements around its sites and the `.get(`s provenance must
    /// decide, with every statement provenance may read for them (the
    /// tokens decided everything else; `audit::lookups` picks them, or the
    /// whole file when it leaves nothing out).
    Lookups,
    /// The whole file: a statement the tokens leave undecided, or a file
    /// the tokenizer finds suspect or whose rows tree-sitter counts
    /// differently.
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
    audit_tree_plan(found, source, config_names).0
}

/// [`audit_tree_need`], and for `Lookups` where the lines start that hold
/// the `.get(`s provenance must decide ([`config_get_lines`]).
pub fn audit_tree_plan(
    found: &FileTokens,
    source: &str,
    config_names: &NameMatcher,
) -> (TreeNeed, Vec<usize>) {
    let other_site =
        |kind: CallKind| !matches!(kind, CallKind::Get | CallKind::Global | CallKind::Dataclass);
    let get_site = found.calls.iter().any(|site| site.kind == CallKind::Get);
    if found.suspect || found.state.undecided || has_lone_carriage_return(source) {
        return (TreeNeed::Whole, Vec::new());
    }
    if get_site
        && config_names.may_appear_in(source)
        && tokens_may_hold_config(source, &found.code.tokens, config_names)
    {
        let lines = config_get_lines(source, &found.code, config_names);
        if !lines.is_empty() {
            return (TreeNeed::Lookups, lines);
        }
    }
    let need = match found.calls.iter().any(|site| other_site(site.kind)) {
        true => TreeNeed::Sites,
        false => TreeNeed::Nothing,
    };
    (need, Vec::new())
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
