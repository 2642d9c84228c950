use super::*;

fn summary(relative: &str, code: &str) -> ModuleSummary {
    summarize(relative, code, &crate::syntax::parse(code))
}

fn uses(summary: &ModuleSummary) -> Vec<(String, String, UseKind, bool)> {
    summary
        .uses
        .iter()
        .map(|u| (u.module.clone(), u.name.clone(), u.kind, u.at_import_time))
        .collect()
}

#[test]
fn module_names_follow_the_path() {
    assert_eq!(module_name("utils/oauth_helpers.py"), "utils.oauth_helpers");
    assert_eq!(module_name("utils/__init__.py"), "utils");
    assert_eq!(module_name("setup.py"), "setup");
}

#[test]
fn top_level_names_and_all() {
    let code = "import os, a.b as c\nfrom x import y as z\n__all__ = ['f', \"K\"]\nK = 1\ndef f(): pass\n@d\nclass C: pass\ntry:\n    import json\nexcept ImportError:\n    json = None\n";
    let s = summary("m.py", code);
    assert_eq!(
        s.top_level,
        ["os", "c", "z", "__all__", "K", "f", "C", "json"]
    );
    assert_eq!(s.all, Some(vec!["f".to_string(), "K".to_string()]));
}

#[test]
fn every_form_of_use_is_recorded_with_its_kind_and_time() {
    let code = "\
from utils.oauth_helpers import _token_cache
import utils.api_factory
import utils.logger as log
from . import helpers
from .config_loader import *
utils.api_factory._api_cache = {}
def f():
    log.get_logger('x')
    helpers.flag
";
    let s = summary("utils/main.py", code);
    let expected = [
        (
            "utils.oauth_helpers",
            "_token_cache",
            UseKind::FromImport,
            true,
        ),
        ("utils", "helpers", UseKind::FromImport, true),
        ("utils.config_loader", "*", UseKind::StarImport, true),
        (
            "utils.api_factory",
            "_api_cache",
            UseKind::AttributeStore,
            true,
        ),
        ("utils.logger", "get_logger", UseKind::Attribute, false),
        ("utils.helpers", "flag", UseKind::Attribute, false),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(m, n, k, t)| (m.to_string(), n.to_string(), *k, *t))
        .collect();
    let mut found = uses(&s);
    // `utils.api_factory` itself is also an attribute chain of `utils`.
    found.retain(|(m, n, _, _)| !(m == "utils" && n == "api_factory"));
    assert_eq!(found, expected);
}

/// `(line, at import time)` of each `st.x` use.
fn times(code: &str) -> Vec<(usize, bool)> {
    summary("src/caller.py", code)
        .uses
        .iter()
        .filter(|u| u.name == "x")
        .map(|u| (u.line, u.at_import_time))
        .collect()
}

#[test]
fn what_a_def_evaluates_when_it_runs_is_import_time() {
    let code = "\
import st
def f(a=st.x, b: st.x = 1) -> st.x:
    return st.x
@st.x
@register(st.x)
def g():
    pass
class C:
    table = st.x
    def m(self, d=st.x):
        return st.x
h = lambda e=st.x: st.x
def outer():
    def inner(a=st.x):
        return a
    return lambda b=st.x: b
";
    let expected = [
        (2, true),
        (2, true),
        (2, true),
        (3, false),
        (4, true),
        (5, true),
        (9, true),
        (10, true),
        (11, false),
        (12, true),
        (12, false),
        (14, false),
        (16, false),
    ];
    assert_eq!(times(code), expected);
}

#[test]
fn deferred_annotations_are_not_import_time() {
    let code = "from __future__ import annotations\nimport st\ndef f(a: st.x, b=st.x) -> st.x:\n    pass\nv: st.x = 1\n";
    assert_eq!(times(code), [(3, false), (3, true), (3, false), (5, false)]);
    let eager = code.replacen("from __future__ import annotations\n", "", 1);
    assert_eq!(times(&eager), [(2, true), (2, true), (2, true), (4, true)]);
}

#[test]
fn uses_that_change_the_object_are_marked() {
    let code = "import st\nst.x['k'] = 1\nst.x.update(a)\ny = st.x['k']\nst.x = {}\ndef f():\n    st.x[0].append(1)\n";
    let found: Vec<(usize, UseKind, bool)> = summary("src/caller.py", code)
        .uses
        .iter()
        .filter(|u| u.name == "x")
        .map(|u| (u.line, u.kind, u.mutates))
        .collect();
    let expected = [
        (2, UseKind::Attribute, true),
        (3, UseKind::Attribute, true),
        (4, UseKind::Attribute, false),
        (5, UseKind::AttributeStore, false),
        (7, UseKind::Attribute, true),
    ];
    assert_eq!(found, expected);
}
