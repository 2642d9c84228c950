//! Every diff `diff` prints applies with `git apply` and gives the same bytes
//! as `apply` (issue 19): BOM files, a bare `\r` inside a line (a comment)
//! and at the end, no final newline, and file names git quotes (newline,
//! tab, quote, backslash) or does not (UTF-8).

mod common;

use common::{Project, git, tool_available};

const LOOKUP: &str = "x = config.get(\"a\", 1)\n";

/// The files, as (name, contents); all have one lookup to rewrite.
fn awkward_files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "utils/bom.py",
            b"\xef\xbb\xbfx = config.get(\"a\", 1)\ny = 2\n".to_vec(),
        ),
        (
            "utils/cr_inside.py",
            b"x = config.get(\"a\", 1)\ny = 1  # a\rb = 2\n".to_vec(),
        ),
        (
            "utils/ends_in_cr.py",
            b"x = config.get(\"a\", 1)\r".to_vec(),
        ),
        (
            "utils/no_newline.py",
            b"y = 1\nx = config.get(\"a\", 1)".to_vec(),
        ),
        ("utils/back\\slash.py", LOOKUP.into()),
        ("utils/tab\tname.py", LOOKUP.into()),
        ("utils/new\nline.py", LOOKUP.into()),
        ("utils/qu\"ote.py", LOOKUP.into()),
        ("utils/ünïcode.py", LOOKUP.into()),
    ]
}

fn repo() -> Project {
    let project = Project::new();
    for (name, contents) in awkward_files() {
        project.write(name, contents);
    }
    git(&project, "init -q");
    git(&project, "add -A");
    project
}

#[test]
fn diffs_apply_with_git_apply_and_match_apply() {
    if !tool_available("git", &["--version"]) {
        eprintln!("note: git not found; skipped");
        return;
    }
    let by_patch = repo();
    let by_apply = repo();
    let diff = by_patch.run("diff --phase 1 .").expect_code(1);
    by_patch.write("change.patch", &diff.stdout);
    git(&by_patch, "apply change.patch");
    std::fs::remove_file(by_patch.path("change.patch")).unwrap();
    by_apply.run("apply --no-git --phase 1 .").expect_code(0);
    for (name, before) in awkward_files() {
        let patched = by_patch.read(name);
        assert_ne!(patched, before, "{name} was not patched");
        assert_eq!(patched, by_apply.read(name), "{name}");
    }
    by_patch.run("diff --phase 1 .").expect_code(0);
}
