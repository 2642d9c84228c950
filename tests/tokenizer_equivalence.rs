//! The tokenizer (`txo_codemod::tokenize`) against the two things it
//! replaces: function extents equal the tree-sitter census's
//! (`analysis::metrics::census`) and Python's `ast` (run through
//! `tests/python/function_extents.py`), and its call sites equal the
//! census's, on tricky fixtures, the bundled sample and a slice of the
//! standard library of the `python3` that runs the test.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use txo_codemod::analysis::NameMatcher;
use txo_codemod::analysis::metrics::census;
use txo_codemod::analysis::subject::qualified_name;
use txo_codemod::audit::AuditPlan;
use txo_codemod::project::Settings;
use txo_codemod::syntax::{self, KindTable, field};
use txo_codemod::tokenize::{self, CallKind};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tokenizer");
const ORACLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/python/function_extents.py"
);

/// About this many standard-library files are compared (every n-th, sorted).
const STDLIB_SLICE: usize = 300;

/// (name, row, end - start, code lines) of each function, in source order.
type Extents = Vec<(String, usize, usize, usize)>;

fn tokenizer_extents(source: &str) -> Extents {
    tokenize::scan(source)
        .functions
        .into_iter()
        .map(|f| (f.name.clone(), f.start_row, f.lines(), f.code_lines))
        .collect()
}

/// The census's functions and sites; `None` when tree-sitter found a
/// syntax error (its recovery decides extents there, not Python's rules).
struct TreeFacts {
    /// (qualified name, name's row and column byte, lines), in source order.
    functions: Vec<(String, usize, usize, usize)>,
    exits: Vec<usize>,
    thread_locals: Vec<usize>,
    escape_hatches: Vec<usize>,
    global_names: Vec<String>,
    /// `None` when the census did not look (no configuration name in the file).
    gets: Option<Vec<usize>>,
}

fn tree_facts(source: &str, names: &NameMatcher) -> Option<TreeFacts> {
    let tree = syntax::parse(source);
    let root = tree.root_node();
    if root.has_error() {
        return None;
    }
    let found = census(root, source, false, &KindTable::new(), names);
    let sorted = |mut offsets: Vec<usize>| {
        offsets.sort_unstable();
        offsets
    };
    let raised_or_called = |node: tree_sitter::Node| match node.kind() {
        "raise_statement" => node.named_child(0).map_or(0, |e| e.start_byte()),
        _ => node.start_byte(),
    };
    let get_names = found.get_calls.iter().filter_map(|call| {
        call.child_by_field_id(field::FUNCTION)
            .and_then(|f| f.child_by_field_id(field::ATTRIBUTE))
            .map(|a| a.start_byte())
    });
    let mut functions: Vec<_> = found
        .functions
        .iter()
        .map(|f| {
            let name = f.node.child_by_field_id(field::NAME).unwrap_or(f.node);
            (
                f.node.start_byte(),
                qualified_name(name, source),
                name.start_position().row,
                name.start_byte(),
                f.lines,
            )
        })
        .collect();
    functions.sort();
    Some(TreeFacts {
        functions: functions
            .into_iter()
            .map(|(_, n, r, b, l)| (n, r, b, l))
            .collect(),
        exits: sorted(
            found
                .exits
                .iter()
                .map(|e| raised_or_called(e.node))
                .collect(),
        ),
        thread_locals: sorted(found.thread_locals.iter().map(|n| n.start_byte()).collect()),
        escape_hatches: sorted(
            found
                .escape_hatches
                .iter()
                .map(|n| n.start_byte())
                .collect(),
        ),
        global_names: found.global_names.clone(),
        gets: names
            .may_appear_in(source)
            .then(|| sorted(get_names.collect())),
    })
}

fn token_sites(source: &str, kinds: &[CallKind]) -> Vec<usize> {
    tokenize::scan(source)
        .calls
        .iter()
        .filter(|site| kinds.contains(&site.kind))
        .map(|site| site.offset)
        .collect()
}

/// Differences between the tokenizer and the tree on one file, as text.
fn tree_differences(source: &str, tree: &TreeFacts) -> Vec<String> {
    let mut differences = Vec::new();
    let functions: Vec<_> = tokenize::scan(source)
        .functions
        .iter()
        .map(|f| {
            (
                f.qualified_name.clone(),
                f.name_row,
                f.name_offset,
                f.lines(),
            )
        })
        .collect();
    let mut compare = |what: &str, tokens: String, tree: String| {
        if tokens != tree {
            differences.push(format!("{what}: tokenizer {tokens} != tree {tree}"));
        }
    };
    compare(
        "functions",
        format!("{functions:?}"),
        format!("{:?}", tree.functions),
    );
    let exits = token_sites(source, &[CallKind::Exit, CallKind::RaiseSystemExit]);
    compare("exits", format!("{exits:?}"), format!("{:?}", tree.exits));
    let locals = token_sites(source, &[CallKind::ThreadLocal]);
    compare(
        "thread locals",
        format!("{locals:?}"),
        format!("{:?}", tree.thread_locals),
    );
    let hatches = token_sites(source, &[CallKind::EscapeHatch]);
    compare(
        "escape hatches",
        format!("{hatches:?}"),
        format!("{:?}", tree.escape_hatches),
    );
    let globals = tokenize::scan(source).global_names;
    compare(
        "globals",
        format!("{globals:?}"),
        format!("{:?}", tree.global_names),
    );
    if let Some(gets) = &tree.gets {
        let tokens = token_sites(source, &[CallKind::Get]);
        compare("gets", format!("{tokens:?}"), format!("{gets:?}"));
    }
    differences
}

/// Python's extents of each file, or its parse error.
fn ast_extents(files: &[PathBuf]) -> BTreeMap<PathBuf, Result<Extents, String>> {
    let output = Command::new("python3")
        .arg(ORACLE)
        .args(files)
        .output()
        .expect("run python3");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
    stdout
        .lines()
        .map(|line| {
            let (path, json) = line.split_once('\t').expect("path<TAB>json");
            let value: serde_json::Value = serde_json::from_str(json).expect("JSON");
            let result = match value.get("error") {
                Some(error) => Err(error.to_string()),
                None => Ok(serde_json::from_value(value).expect("extents")),
            };
            (PathBuf::from(path), result)
        })
        .collect()
}

fn config_names() -> NameMatcher {
    NameMatcher::new(&Settings::default().config_names).expect("default config names")
}

fn fixtures_and_sample() -> Vec<PathBuf> {
    let mut files = Vec::new();
    files.extend(common::python_files_under(Path::new(FIXTURES)));
    files.extend(common::python_files_under(Path::new(common::SAMPLE)));
    files.sort();
    files
}

/// PEP 701 f-strings parse only on Python 3.12 and later.
fn needs_python_312(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("pep701"))
}

#[test]
fn fixtures_and_sample_agree_with_tree_sitter_and_python_ast() {
    let files = fixtures_and_sample();
    assert!(files.len() > 20, "fixtures and sample found: {files:?}");
    let names = config_names();
    for path in &files {
        let source = fs::read_to_string(path).expect("UTF-8 fixture");
        if needs_python_312(path) {
            continue;
        }
        let tree = tree_facts(&source, &names)
            .unwrap_or_else(|| panic!("{}: tree-sitter found a syntax error", path.display()));
        let differences = tree_differences(&source, &tree);
        assert!(
            differences.is_empty(),
            "{}: {differences:#?}",
            path.display()
        );
    }
    if !common::require_tool("python3", &["--version"], "the ast comparison") {
        return;
    }
    for (path, python) in ast_extents(&files) {
        let source = fs::read_to_string(&path).expect("UTF-8 fixture");
        match python {
            Ok(python) => assert_eq!(tokenizer_extents(&source), python, "{}", path.display()),
            Err(error) => assert!(needs_python_312(&path), "{}: {error}", path.display()),
        }
    }
}

#[test]
fn crlf_fixture_keeps_its_line_breaks() {
    // The extents above are only a CRLF test while git keeps the bytes.
    let source = fs::read(Path::new(FIXTURES).join("crlf.py")).expect("read crlf.py");
    assert!(source.windows(2).any(|w| w == b"\r\n"));
}

#[test]
fn pep701_f_strings_end_where_python_312_says() {
    let source = fs::read_to_string(Path::new(FIXTURES).join("pep701_fstrings.py"))
        .expect("read the fixture");
    // Measured with Python 3.12's ast: nested ends at its `return`, row 9.
    assert_eq!(
        tokenizer_extents(&source),
        [
            ("nested".to_string(), 3, 6, 7),
            ("after".to_string(), 12, 1, 2)
        ]
    );
}

/// The standard library of `python3`, every n-th file, for a broad slice.
fn stdlib_slice() -> Vec<PathBuf> {
    let files = common::python_files_under(&common::stdlib_dir());
    let step = (files.len() / STDLIB_SLICE).max(1);
    files.into_iter().step_by(step).collect()
}

#[test]
fn a_stdlib_slice_agrees_with_python_ast_and_tree_sitter() {
    if !common::require_tool("python3", &["--version"], "the stdlib comparison") {
        return;
    }
    let files = stdlib_slice();
    assert!(
        files.len() >= STDLIB_SLICE / 2,
        "stdlib files: {}",
        files.len()
    );
    let names = config_names();
    let (mut against_ast, mut against_tree, mut functions) = (0, 0, 0);
    let mut failures = Vec::new();
    for (path, python) in ast_extents(&files) {
        // Some test data is deliberately not UTF-8 or not Python.
        let (Ok(source), Ok(python)) = (fs::read_to_string(&path), python) else {
            continue;
        };
        against_ast += 1;
        functions += python.len();
        if tokenizer_extents(&source) != python {
            failures.push(format!("{}: differs from ast", path.display()));
        }
        if let Some(tree) = tree_facts(&source, &names) {
            against_tree += 1;
            let differences = tree_differences(&source, &tree);
            if !differences.is_empty() {
                failures.push(format!("{}: {differences:?}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(against_ast >= STDLIB_SLICE / 2 && functions > 1000);
    eprintln!(
        "{against_ast} files ({functions} functions) equal ast; {against_tree} equal the tree"
    );
}

/// `audit_text` parses only files the tokenizer finds candidates in; on
/// every file its findings equal those of the audit of the full tree.
#[test]
fn the_audit_without_a_tree_equals_the_audit_of_the_tree() {
    let mut files = fixtures_and_sample();
    if common::require_tool("python3", &["--version"], "the stdlib slice") {
        files.extend(stdlib_slice());
    }
    let plan = AuditPlan::new(&files).expect("plan the audit");
    let mut parser = syntax::new_parser();
    let (mut untreed, mut flagged) = (0, 0);
    for (index, path) in files.iter().enumerate() {
        let Ok(text) = fs::read_to_string(path) else {
            continue;
        };
        let tree = syntax::parse(&text);
        let full = plan.audit_parsed(index, path, Some((&text, &tree)));
        let tokens = tokenize::scan(&text);
        let names = config_names();
        if !tokenize::audit_needs_tree(&tokens, &text, &names) {
            untreed += 1;
        }
        flagged += usize::from(!full.findings.is_empty());
        let fast = plan.audit_text(index, path, &text, &mut parser);
        assert_eq!(
            format!("{:?}", fast.findings),
            format!("{:?}", full.findings),
            "{}",
            path.display()
        );
    }
    assert!(
        untreed > 0 && flagged > 0,
        "{untreed} untreed, {flagged} flagged"
    );
    eprintln!(
        "{} files: {untreed} audited without a tree, {flagged} with findings",
        files.len()
    );
}

/// The whole `check --format json` output (findings, allowed exits, file
/// count, exit code, warnings) of the tokenizer-first audit equals that of
/// the hidden `--full-parse` reference, on the sample with a stdlib slice
/// copied into its library.
#[test]
fn check_output_equals_the_full_parse_on_the_sample_and_a_stdlib_slice() {
    let project = common::Project::sample();
    let mut copied = 0;
    if common::require_tool("python3", &["--version"], "the stdlib slice") {
        for (index, path) in stdlib_slice().iter().enumerate() {
            let name = path.file_name().expect("a file name").to_string_lossy();
            let bytes = fs::read(path).expect("read a stdlib file");
            project.write(&format!("utils/stdlib/{index:04}_{name}"), bytes);
            copied += 1;
        }
    }
    let args = ["check", "--format", "json", "--fail-on", "warning", "."];
    let fast = common::run_argv(project.root(), &args);
    let full = common::run_argv(project.root(), &[&args[..], &["--full-parse"]].concat());
    assert_eq!(fast.stdout, full.stdout);
    assert_eq!((fast.code, &fast.stderr), (full.code, &full.stderr));
    let report: serde_json::Value = serde_json::from_str(&fast.stdout).expect("JSON output");
    let findings = report["findings"].as_array().expect("findings");
    let lengths = findings
        .iter()
        .filter(|f| f["rule"] == "method-length")
        .count();
    assert!(lengths > 0 && findings.len() > lengths, "{findings:#?}");
    assert!(report["files_checked"].as_u64() > Some(copied / 2));
}

/// The partial-parse fixtures (`exits_*.py`): each is parsed only in part
/// (so the comparisons above hold the partial audit against the full
/// tree's), and `check` on them, also with a BOM, equals `--full-parse`.
#[test]
fn partial_parse_fixtures_are_parsed_in_part_and_equal_the_full_parse() {
    let names = config_names();
    let project = common::Project::new();
    let fixtures = [
        "exits_module.py",
        "exits_system_exit.py",
        "exits_crlf.py",
        "exits_tabs.py",
    ];
    for file in fixtures {
        let bytes = fs::read(Path::new(FIXTURES).join(file)).expect("read a fixture");
        let source = String::from_utf8(bytes.clone()).expect("UTF-8 fixture");
        let ranges = txo_codemod::audit::partial_parse_ranges(&source, &names)
            .unwrap_or_else(|| panic!("{file}: parsed whole or not at all"));
        let parsed: usize = ranges.iter().map(|(start, end)| end - start).sum();
        assert!(parsed < source.len(), "{file}: {ranges:?}");
        project.write(&format!("utils/{file}"), &bytes);
        let with_bom = [&b"\xef\xbb\xbf"[..], &bytes].concat();
        project.write(&format!("utils/bom_{file}"), with_bom);
    }
    let args = ["check", "--no-cache", "--format", "json", "."];
    let fast = common::run_argv(project.root(), &args);
    let full = common::run_argv(project.root(), &[&args[..], &["--full-parse"]].concat());
    assert_eq!(fast.stdout, full.stdout);
    assert_eq!((fast.code, &fast.stderr), (full.code, &full.stderr));
    // Each shape's wording is there: a raise of the local name, a success
    // exit after an error log at module level, the SystemExit handler,
    // allowed exits, and the findings the tokens give.
    for expected in [
        "raise HE and let the script runner exit",
        "right after `logger.error(…)`",
        "right after `self._logger.error(…)`",
        "the module catches SystemExit (line",
        "\"allowed\": \"main()\"",
        "\"allowed\": \"__main__ block\"",
        "\"rule\": \"method-length\"",
        "\"rule\": \"no-global-state\"",
    ] {
        assert!(
            fast.stdout.contains(expected),
            "{expected}: {}",
            fast.stdout
        );
    }
}

/// The global-state fixtures: `state.py` holds every shape the tokens
/// decide (so it is audited without a tree, and the comparisons above hold
/// its findings against the tree's), `state_soft_keywords.py` soft keywords
/// as assignment targets (likewise); `state_tree.py` holds shapes they
/// leave to the tree.
#[test]
fn state_fixtures_are_decided_by_the_tokens_or_left_to_the_tree() {
    let names = config_names();
    for (file, needs_tree, at_least) in [
        ("state.py", false, 20),
        ("state_soft_keywords.py", false, 9),
        ("state_tree.py", true, 0),
    ] {
        let source = fs::read_to_string(Path::new(FIXTURES).join(file)).expect("read a fixture");
        let tokens = tokenize::scan(&source);
        assert_eq!(
            tokenize::audit_needs_tree(&tokens, &source, &names),
            needs_tree,
            "{file}"
        );
        let found = tokens.state.module.len() + tokens.state.shared.len();
        assert!(found >= at_least, "{file}: {:?}", tokens.state);
    }
}

/// The configuration-flow fixtures (`config_flow/`): in each `flows_*.py`
/// a `.get(` is configuration only through what provenance learns (a
/// name, `self` attribute, loop or comprehension target assigned from
/// configuration), on a line without a configuration name, so the tokens
/// must keep the file for the tree (or the comparisons above fail too);
/// `no_flow.py` has configuration names in code and `.get(`s none of them
/// reaches, and is decided without a tree.
#[test]
fn config_flow_fixtures_keep_every_learned_lookup_for_the_tree() {
    let names = config_names();
    let files = common::python_files_under(&Path::new(FIXTURES).join("config_flow"));
    assert!(files.len() >= 10, "{files:?}");
    let plan = AuditPlan::new(&files).expect("plan the audit");
    let mut parser = syntax::new_parser();
    for (index, path) in files.iter().enumerate() {
        let source = fs::read_to_string(path).expect("UTF-8 fixture");
        let flows = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("flows_"));
        let tokens = tokenize::scan(&source);
        assert!(
            tokens.calls.iter().any(|site| site.kind == CallKind::Get),
            "{}",
            path.display()
        );
        let tree = syntax::parse(&source);
        let full = plan.audit_parsed(index, path, Some((&source, &tree)));
        let flagged = full.findings.iter().any(|f| f.rule == "no-soft-fail");
        assert_eq!(flagged, flows, "{}: {:?}", path.display(), full.findings);
        let needs_tree = tokenize::audit_needs_tree(&tokens, &source, &names);
        assert_eq!(needs_tree, flows, "{}", path.display());
        let fast = plan.audit_text(index, path, &source, &mut parser);
        assert_eq!(
            format!("{:?}", fast.findings),
            format!("{:?}", full.findings),
            "{}",
            path.display()
        );
    }
}

/// Lookups parsed in part (`audit/lookups.rs`): `origin_elsewhere.py`,
/// whose receivers learn configuration in other top-level statements
/// (module assignments, a `try`, a decorator's comprehension), is parsed
/// without its unrelated definitions and audited as the whole file is;
/// `types_elsewhere.py` reads a shape from a definition no lookup is in,
/// which the parse takes because the parsed text names it.
#[test]
fn lookups_parsed_in_part_equal_the_whole_files_audit() {
    let names = config_names();
    let dir = Path::new(FIXTURES).join("lookups");
    let files = vec![
        dir.join("origin_elsewhere.py"),
        dir.join("types_elsewhere.py"),
    ];
    let plan = AuditPlan::new(&files).expect("plan the audit");
    let mut parser = syntax::new_parser();
    for (index, path) in files.iter().enumerate() {
        let source = fs::read_to_string(path).expect("UTF-8 fixture");
        let tree = syntax::parse(&source);
        let full = plan.audit_parsed(index, path, Some((&source, &tree)));
        let fast = plan.audit_text(index, path, &source, &mut parser);
        let shown = |findings: &[txo_codemod::audit::AuditFinding]| format!("{findings:?}");
        assert_eq!(
            shown(&fast.findings),
            shown(&full.findings),
            "{}",
            path.display()
        );
        let line_of = |needle: &str| {
            let at = source.find(needle).expect(needle);
            source[..at].matches('\n').count() + 1
        };
        let lookups: Vec<usize> = full
            .findings
            .iter()
            .filter(|f| f.rule == "no-soft-fail")
            .map(|f| f.line)
            .collect();
        let ranges = txo_codemod::audit::partial_parse_ranges(&source, &names);
        if index == 0 {
            let ranges = ranges.expect("parsed in part");
            let parsed: String = ranges.iter().map(|&(a, b)| &source[a..b]).collect();
            assert!(!parsed.contains("Unrelated") && !parsed.contains("def unrelated"));
            let expected = [
                "defaults.get",
                "section.get",
                "hook.get",
                "self.options.get",
            ];
            assert_eq!(lookups, expected.map(line_of), "{:?}", full.findings);
        } else {
            let ranges = ranges.expect("parsed in part");
            let parsed: String = ranges.iter().map(|&(a, b)| &source[a..b]).collect();
            assert!(parsed.contains("def make") && !parsed.contains("def unrelated"));
            assert_eq!(lookups, [line_of("app_config.get(\"y\"")]);
        }
    }
}
