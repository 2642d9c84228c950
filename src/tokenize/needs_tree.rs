//! Whether the audit (`audit.rs`) can find anything in a file without a
//! tree. It parses only files for which this says yes; for the others its
//! findings are none (suppressions are still checked, on the text).

use super::{CallKind, FileTokens};
use crate::analysis::NameMatcher;
use crate::analysis::metrics::is_exempt_name;

/// True when some check could flag something here: a site it inspects
/// (a `.get(` where a configuration name appears, an exit, a thread-local,
/// a `@dataclass`, a `global`, an escape hatch), a function longer than
/// `max_lines`, a module-level assignment that may hold mutable state, or a
/// file the tokenizer finds suspect (the tree's error recovery decides).
pub fn audit_needs_tree(
    found: &FileTokens,
    source: &str,
    config_names: &NameMatcher,
    max_lines: usize,
) -> bool {
    let site_needs_tree = |kind: CallKind| match kind {
        CallKind::Get => config_names.may_appear_in(source),
        _ => true,
    };
    found.suspect
        || may_hold_shared_state(source)
        || found.calls.iter().any(|site| site_needs_tree(site.kind))
        || found.functions.iter().any(|f| f.lines() > max_lines)
        || found
            .module_assignments
            .iter()
            .any(|name| !is_exempt_name(name))
}

/// Phase 3's other shapes of shared state (`analysis::state`): class-level
/// containers and singletons, `lru_cache`/`cache` on functions. A text test
/// that errs toward a parse: any file with a class or a cache decorator.
fn may_hold_shared_state(source: &str) -> bool {
    let has = |needle: &str| memchr::memmem::find(source.as_bytes(), needle.as_bytes()).is_some();
    has("class") || has("cache")
}

#[cfg(test)]
mod tests {
    use super::super::scan;
    use super::*;

    fn needs_tree(source: &str) -> bool {
        let names = NameMatcher::new(&crate::project::Settings::default().config_names)
            .expect("default names");
        audit_needs_tree(&scan(source), source, &names, 2)
    }

    #[test]
    fn files_with_nothing_to_flag_need_no_tree() {
        let quiet = "\"\"\"sys.exit(1) in a docstring\"\"\"\nLIMIT = {}\nlogger = getLogger()\n\
                     name = 'x'\ndef f(d):\n    # global g\n    return d.get('k')\n";
        assert!(!needs_tree(quiet));
    }

    #[test]
    fn each_kind_of_candidate_needs_a_tree() {
        let cases = [
            "import sys\nsys.exit(1)\n",
            "def f(config):\n    return config.get('k')\n",
            "cache = {}\n",
            "def f():\n    a\n    b\n    c\n",
            "def f():\n    global g\n",
            "@dataclass\nclass C:\n    x: int = 0\n",
            "t = threading.local()\n",
            "f(no_validation=True)\n",
            "def f(:\n    pass\n  x\n",
            "class Registry:\n    modules = {}\n",
            "@functools.lru_cache(maxsize=None)\ndef f():\n    pass\n",
        ];
        for source in cases {
            assert!(needs_tree(source), "{source:?}");
        }
    }
}
