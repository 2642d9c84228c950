//! The `diff` prefilter never skips a file a rule would match: the same
//! diff, findings and exit code as a run that parses every file
//! (`--no-prefilter`), on the sample, on files written to hide rule words in
//! comments, strings and f-strings, and on a slice of the stdlib copied at
//! test time.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{Project, Run, run_argv};

const LIBRARY_EVERYWHERE: &str = "[tool.txo-codemod]\nlibrary = [\"**\"]\nentry-points = []\n";

/// How many stdlib files the slice copies (every n-th of those that hold a
/// word phases 1 and 2 look for, so most of them reach the code view).
const STDLIB_SLICE: usize = 250;

/// Larger files make the unfiltered debug run slow and add little.
const MAX_FILE_BYTES: u64 = 60_000;

fn diff(dir: &Path, phase: u8, path: &str, every_file: bool) -> Run {
    let phase = phase.to_string();
    let mut args = vec!["diff", "--phase", &phase, "--color", "never", path];
    if every_file {
        args.push("--no-prefilter");
    }
    run_argv(dir, &args)
}

/// Stderr without what only parsing a skipped file can add: warnings that it
/// is not UTF-8 or does not parse, and the summary's skipped/error counts.
fn comparable(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|line| {
            !(line.starts_with("warning: ")
                && (line.contains(": not valid UTF-8 (") || line.contains("has a syntax error")))
        })
        .map(|line| match (line.find("; "), line.find(" with errors)")) {
            (Some(start), Some(end)) if start < end => {
                format!("{}{}", &line[..start], &line[end + " with errors".len()..])
            }
            _ => line.to_string(),
        })
        .collect()
}

/// Runs the phase both ways, checks they agree, returns the filtered run.
fn assert_same_as_every_file_parsed(dir: &Path, phase: u8, path: &str) -> Run {
    let filtered = diff(dir, phase, path, false);
    let full = diff(dir, phase, path, true);
    assert_eq!(
        filtered.code, full.code,
        "phase {phase}: exit codes\n{}",
        full.stderr
    );
    assert!(
        filtered.stdout == full.stdout,
        "phase {phase}: the diffs differ\n--- filtered\n{}\n--- every file\n{}",
        filtered.stdout,
        full.stdout
    );
    assert_eq!(
        comparable(&filtered.stderr),
        comparable(&full.stderr),
        "phase {phase}: findings differ"
    );
    filtered
}

/// `(N files scanned; S skipped: …`: S.
fn skipped(run: &Run) -> usize {
    let summary = run.summary();
    let before = summary
        .split(" skipped")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|count| count.parse().ok());
    before.unwrap_or_else(|| panic!("no skipped count in {summary:?}"))
}

#[test]
fn the_sample_diffs_the_same_with_every_file_parsed() {
    let project = Project::sample();
    for phase in 1..=6 {
        assert_same_as_every_file_parsed(project.root(), phase, ".");
    }
}

/// Rule words in comments, docstrings and plain strings (which no longer
/// force a parse), in f-string fields, after a BOM, in CRLF files with tabs.
fn tricky_project() -> Project {
    let project = Project::with_pyproject(LIBRARY_EVERYWHERE);
    let files: [(&str, &[u8]); 9] = [
        ("comment_only.py", b"# config.get(\"timeout\", 30) would hard-fail\nx = 1\n"),
        (
            "docstring_only.py",
            b"def f(config):\n    \"\"\"Calls config.get(\"timeout\", 30) no more.\"\"\"\n    return config[\"timeout\"]\n",
        ),
        (
            "fstring.py",
            b"def f(config):\n    return f\"{config.get('timeout', 30)}\"\n",
        ),
        (
            "format_spec.py",
            b"def f(config, w):\n    return f\"{w:>{config.get('width', 8)}}\"\n",
        ),
        ("plain.py", b"x = 1\n"),
        (
            "crlf.py",
            b"import sys\r\n\r\ndef main():\r\n\t\"\"\"Ends with sys.exit(2).\"\"\"\r\n\tsys.exit(1)\r\n",
        ),
        ("bom.py", b"\xef\xbb\xbfimport sys\nsys.exit(1)\n"),
        (
            "docstring_exit.py",
            b"def main():\n    \"\"\"Raises SystemExit.\"\"\"\n    return 0\n",
        ),
        (
            "except_only.py",
            b"try:\n    pass\nexcept SystemExit:  # sys.exit(3)\n    raise\n",
        ),
    ];
    for (name, text) in files {
        project.write(name, text);
    }
    project
}

#[test]
fn rule_words_in_comments_and_strings_no_longer_force_a_parse() {
    let project = tricky_project();
    let phase1 = assert_same_as_every_file_parsed(project.root(), 1, ".");
    assert!(
        phase1.stdout.contains("+++ b/fstring.py"),
        "{}",
        phase1.stdout
    );
    assert!(
        phase1.stdout.contains("+++ b/format_spec.py"),
        "{}",
        phase1.stdout
    );
    // Parsed: the two f-strings. The byte search alone kept the comment
    // and the docstring too.
    assert_eq!(skipped(&phase1), 7, "{}", phase1.stderr);
    let phase2 = assert_same_as_every_file_parsed(project.root(), 2, ".");
    assert!(phase2.stdout.contains("+++ b/bom.py"), "{}", phase2.stdout);
    assert!(
        phase2
            .stderr
            .contains("docstring_exit.py:2:5: info[docstring-raises-system-exit]"),
        "{}",
        phase2.stderr
    );
    // Parsed: a call in code (crlf, bom) and a docstring that names
    // SystemExit; `except SystemExit` alone no longer is a reason.
    assert_eq!(skipped(&phase2), 6, "{}", phase2.stderr);
}

#[test]
fn a_private_attribute_counts_as_its_configured_config_name() {
    let project = Project::with_pyproject("[tool.txo-codemod]\nconfig-names = [\"config\"]\n");
    project.write(
        "utils/client.py",
        "class Client:\n    def __init__(self, c):\n        self._config = c\n\n    def timeout(self):\n        return self._config.get(\"timeout\", 30)\n",
    );
    let run = assert_same_as_every_file_parsed(project.root(), 1, ".");
    assert!(
        run.stdout
            .contains("+        return self._config[\"timeout\"]"),
        "{}",
        run.stdout
    );
}

/// A configuration receiver must be named in code; a parameter defaulted
/// in place (`options = options or {}`) is one without any such name.
#[test]
fn config_rules_need_a_name_in_code_or_a_defaulted_parameter() {
    let project = Project::with_pyproject(LIBRARY_EVERYWHERE);
    project.write(
        "defaulted.py",
        "def f(options=None):\n    options = options or {}\n    return options.get(\"size\", 20)\n",
    );
    project.write(
        "named_in_comment.py",
        "# the config is read elsewhere\ndef f(headers):\n    return headers.get(\"a\", 1) or {}\n",
    );
    project.write(
        "named_in_string.py",
        "def f(headers):\n    x = \"config\"\n    return headers.get(x, 1)\n",
    );
    let run = assert_same_as_every_file_parsed(project.root(), 1, ".");
    assert!(
        run.stderr
            .contains("defaulted.py:3:12: warning[config-get-on-defaulted-argument]"),
        "{}",
        run.stderr
    );
    // Parsed: only the defaulted parameter.
    assert_eq!(skipped(&run), 2, "{}", run.stderr);
}

/// Cuts that read a token's surroundings: a docstring rule's word only in
/// a string that is a statement of its own, `getLogger()` only called with
/// nothing between its brackets, a pattern's string literal only inside a
/// string. Each file a rule matches is written at the edge of its cut.
#[test]
fn surroundings_cut_only_files_no_rule_matches() {
    let project = Project::with_pyproject(LIBRARY_EVERYWHERE);
    let files = [
        (
            "docstring.py",
            "def f():\n    \"Raises SystemExit.\"\n    return 1\n",
        ),
        ("one_line.py", "def g(): '''Raises SystemExit.'''\n"),
        ("topics.py", "topics = {'exit': 'Raises SystemExit.'}\n"),
        (
            "root_ref.py",
            "import logging\n\nroot = logging.getLogger ()\n",
        ),
        (
            "root_mod.py",
            "import logging\n\nlogger = logging.getLogger(\"Name\")\n\n\ndef debug():\n    logging.getLogger().setLevel(logging.DEBUG)\n",
        ),
        (
            "named_logger.py",
            "import logging\n\nlog = logging.getLogger(__name__)\nlogging.getLogger(\"a\").setLevel(10)  # not getLogger()\n",
        ),
        (
            "flags.py",
            "import argparse\n\n\ndef parse():\n    parser = argparse.ArgumentParser()\n    parser.add_argument(\"--no-validation\", action=\"store_true\")\n    return parser.parse_args()\n",
        ),
        (
            "other_flags.py",
            "import argparse\n\np = argparse.ArgumentParser()\np.add_argument(\"--verbose\")  # \"--no-validation\"\n",
        ),
    ];
    for (name, text) in files {
        project.write(name, text);
    }
    let phase1 = assert_same_as_every_file_parsed(project.root(), 1, ".");
    assert!(
        phase1
            .stderr
            .contains("root_ref.py:3:1: warning[root-logger-reference]"),
        "{}",
        phase1.stderr
    );
    for file in ["root_mod.py", "flags.py"] {
        assert!(
            phase1.stdout.contains(&format!("+++ b/{file}")),
            "{file}\n{}",
            phase1.stdout
        );
    }
    // Parsed: the three files above.
    assert_eq!(skipped(&phase1), 5, "{}", phase1.stderr);
    let phase2 = assert_same_as_every_file_parsed(project.root(), 2, ".");
    for site in ["docstring.py:2:5", "one_line.py:1:10"] {
        assert!(
            phase2
                .stderr
                .contains(&format!("{site}: info[docstring-raises-system-exit]")),
            "{site}\n{}",
            phase2.stderr
        );
    }
    // Parsed: the two docstrings; `topics.py`'s word is in an operand.
    assert_eq!(skipped(&phase2), 6, "{}", phase2.stderr);
}

/// `getattr(args, "dry_run", D)` needs `add_argument("--dry-run", …)`:
/// a file is parsed for it only where a string other than the declaring
/// ones names a declared flag.
#[test]
fn declared_flags_need_a_string_naming_one() {
    let project = Project::with_pyproject(LIBRARY_EVERYWHERE);
    let declare = "import argparse\n\n\ndef build():\n    parser = argparse.ArgumentParser()\n    parser.add_argument(\"--dry-run\", action=\"store_true\")\n    return parser\n\n\n";
    let files = [
        (
            "used.py",
            "def run(args):\n    return getattr(args, \"dry_run\", False)\n",
        ),
        (
            "in_fstring.py",
            "def run(args):\n    return f\"{getattr(args, 'dry_run', False)}\"\n",
        ),
        (
            "unused.py",
            "def run(args):\n    return getattr(args, \"size\", 1)\n",
        ),
    ];
    for (name, text) in files {
        project.write(name, format!("{declare}{text}"));
    }
    let run = assert_same_as_every_file_parsed(project.root(), 1, ".");
    for changed in [
        "+    return args.dry_run",
        "+    return f\"{args.dry_run}\"",
    ] {
        assert!(run.stdout.contains(changed), "{changed}\n{}", run.stdout);
    }
    assert_eq!(skipped(&run), 1, "{}", run.stderr);
}

/// Every n-th stdlib file that holds `get(`, `exit` or `SystemExit`
/// anywhere: the files where the code view decides.
fn stdlib_slice() -> Vec<(PathBuf, Vec<u8>)> {
    let stdlib = common::stdlib_dir();
    let mut candidates: Vec<(PathBuf, Vec<u8>)> = common::python_files_under(&stdlib)
        .into_iter()
        .filter_map(|path| {
            let bytes = fs::read(&path).ok()?;
            if bytes.len() as u64 > MAX_FILE_BYTES {
                return None;
            }
            let text = String::from_utf8_lossy(&bytes);
            let relevant = ["get(", "exit", "SystemExit"]
                .iter()
                .any(|word| text.contains(word));
            let relative = path.strip_prefix(&stdlib).ok()?.to_path_buf();
            relevant.then_some((relative, bytes))
        })
        .collect();
    let step = (candidates.len() / STDLIB_SLICE).max(1);
    candidates = candidates.into_iter().step_by(step).collect();
    candidates
}

#[test]
fn a_stdlib_slice_diffs_the_same_with_every_file_parsed() {
    if !common::require_tool("python3", &["--version"], "the stdlib slice") {
        return;
    }
    let files = stdlib_slice();
    assert!(
        files.len() >= STDLIB_SLICE / 2,
        "stdlib files: {}",
        files.len()
    );
    let project = Project::with_pyproject(LIBRARY_EVERYWHERE);
    for (relative, bytes) in &files {
        let target = project.path(&format!("lib/{}", relative.display()));
        fs::create_dir_all(target.parent().expect("a parent")).expect("create dirs");
        fs::write(target, bytes).expect("copy a stdlib file");
    }
    for phase in 1..=2 {
        let run = assert_same_as_every_file_parsed(project.root(), phase, ".");
        assert!(skipped(&run) > 0, "{}", run.stderr);
    }
}
