//! Helpers shared by the integration tests: temporary projects, running the
//! real `txo-codemod` binary in them, and reading files back.
//!
//! Every run uses the project's temporary directory as the current directory
//! and relative paths, so that printed paths (and snapshots) do not depend on
//! the machine.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use tempfile::TempDir;

/// The bundled TXO v2.1-style sample project.
pub const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/txo-v21-sample");

/// Fixture projects written for the tests (`tests/fixtures/`).
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// A valid user rule (print calls become logger calls, with its own
/// valid/invalid cases); the broken rule files of `rule_files.rs` are small
/// edits of it. Lines: 1 id, 2 phase, 3 title, 4 message, 8 pattern, 9 fix.
pub const PRINT_RULE: &str = include_str!("../fixtures/rules/print-call.yaml");

/// The bytes of `tests/fixtures/RELATIVE`, as committed.
pub fn read_fixture(relative: &str) -> Vec<u8> {
    fs::read(Path::new(FIXTURES).join(relative)).unwrap_or_else(|e| panic!("read {relative}: {e}"))
}

/// A throw-away project directory.
pub struct Project {
    dir: TempDir,
}

impl Project {
    /// An empty project: a `pyproject.toml` without settings marks the root,
    /// so the default settings apply (library code lives under `utils/`).
    pub fn new() -> Self {
        Self::with_pyproject("")
    }

    /// An empty project whose `pyproject.toml` holds `pyproject`.
    pub fn with_pyproject(pyproject: &str) -> Self {
        let project = Project {
            dir: tempfile::tempdir().expect("create a temporary directory"),
        };
        project.write("pyproject.toml", pyproject);
        project
    }

    /// A copy of the bundled sample project.
    pub fn sample() -> Self {
        let project = Project {
            dir: tempfile::tempdir().expect("create a temporary directory"),
        };
        copy_dir(Path::new(SAMPLE), project.root());
        project
    }

    /// A copy of the sample as a git repository, everything committed.
    pub fn sample_repo() -> Self {
        let project = Self::sample();
        commit_all(project.root());
        project
    }

    /// A copy of `tests/fixtures/NAME`.
    pub fn fixture(name: &str) -> Self {
        let project = Project {
            dir: tempfile::tempdir().expect("create a temporary directory"),
        };
        copy_dir(&Path::new(FIXTURES).join(name), project.root());
        project
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.root().join(relative)
    }

    /// Writes a file (creating its directories).
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) {
        let path = self.path(relative);
        fs::create_dir_all(path.parent().expect("a file has a parent")).expect("create dirs");
        fs::write(&path, contents).unwrap_or_else(|e| panic!("write {relative}: {e}"));
    }

    pub fn read(&self, relative: &str) -> Vec<u8> {
        fs::read(self.path(relative)).unwrap_or_else(|e| panic!("read {relative}: {e}"))
    }

    pub fn read_text(&self, relative: &str) -> String {
        String::from_utf8(self.read(relative)).expect("UTF-8 file")
    }

    pub fn set_read_only(&self, relative: &str) {
        let path = self.path(relative);
        let mut permissions = fs::metadata(&path).expect("metadata").permissions();
        permissions.set_readonly(true);
        fs::set_permissions(&path, permissions).expect("set permissions");
    }

    pub fn is_read_only(&self, relative: &str) -> bool {
        fs::metadata(self.path(relative))
            .expect("metadata")
            .permissions()
            .readonly()
    }

    /// Relative paths (with `/`) of every `.py` file, sorted.
    pub fn python_files(&self) -> Vec<String> {
        let mut files = Vec::new();
        collect_files(self.root(), self.root(), &mut files);
        files.retain(|f| f.ends_with(".py"));
        files
    }

    /// Python files whose content differs from the bundled sample.
    pub fn changed_from_sample(&self) -> Vec<String> {
        self.python_files()
            .into_iter()
            .filter(|file| fs::read(Path::new(SAMPLE).join(file)).ok() != Some(self.read(file)))
            .collect()
    }

    /// Runs `txo-codemod ARGS` with this project as the current directory;
    /// `args` is split at whitespace.
    pub fn run(&self, args: &str) -> Run {
        run_in(self.root(), args)
    }
}

/// Runs the real binary in `dir` with `args` as given (an argument may hold
/// spaces, e.g. a `--verify` command).
pub fn run_argv(dir: &Path, args: &[&str]) -> Run {
    let output = Command::cargo_bin("txo-codemod")
        .expect("the txo-codemod binary is built")
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run txo-codemod");
    Run {
        args: format!("{args:?}"),
        code: output.status.code().expect("exited with a code"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}

/// Runs the real binary in `dir`. Colors are off and no stream is a
/// terminal, so miette renders its plain (unicode, 80 columns) layout.
pub fn run_in(dir: &Path, args: &str) -> Run {
    run_in_with_path(dir, args, None)
}

/// `run_in` with `PATH` replaced, e.g. to run without git or Python.
pub fn run_in_with_path(dir: &Path, args: &str, path: Option<&str>) -> Run {
    let mut command = Command::cargo_bin("txo-codemod").expect("the txo-codemod binary is built");
    if let Some(path) = path {
        command.env("PATH", path);
    }
    let output = command
        .current_dir(dir)
        .args(args.split_whitespace())
        .env("NO_COLOR", "1")
        .env_remove("FORCE_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("NO_GRAPHICS")
        .output()
        .expect("run txo-codemod");
    Run {
        args: args.to_string(),
        code: output.status.code().expect("exited with a code"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}

/// What one run of the binary printed and returned.
#[derive(Debug)]
pub struct Run {
    pub args: String,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Checks the exit code, showing the output when it is wrong.
    pub fn expect_code(self, expected: i32) -> Self {
        assert_eq!(
            self.code, expected,
            "`txo-codemod {}` exited with {} (expected {expected})\n--- stdout\n{}\n--- stderr\n{}",
            self.args, self.code, self.stdout, self.stderr
        );
        self
    }

    /// The last line of stderr: the summary of `diff` and `apply`.
    pub fn summary(&self) -> &str {
        self.stderr.lines().last().unwrap_or_default()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create dir");
    for entry in fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            if entry.file_name() != "__pycache__" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

fn collect_files(root: &Path, dir: &Path, found: &mut Vec<String>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        // txo-codemod's own state (ledger, backups) is not project code.
        if path.is_dir() && path.file_name().is_some_and(|n| n == ".txo-codemod") {
            continue;
        }
        if path.is_dir() {
            collect_files(root, &path, found);
        } else {
            let relative = path.strip_prefix(root).expect("below the root");
            found.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// Runs `git ARGS` (split at whitespace) in the project; panics on failure.
pub fn git(project: &Project, args: &str) -> String {
    let args: Vec<&str> = args.split_whitespace().collect();
    let (ok, output) = run_tool(project.root(), "git", &args);
    assert!(ok, "git {args:?} failed: {output}");
    output
}

/// Whether `program --version` runs; used to skip checks that need a tool.
pub fn tool_available(program: &str, args: &[&str]) -> bool {
    StdCommand::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether a tool that `check` (a description) needs runs. A check must not
/// pass by not running: in CI (`CI=true`) a missing tool fails the test
/// (`.ci/run` installs them); locally the skip is written past the test
/// harness's output capture, so `cargo test` shows it.
pub fn require_tool(program: &str, args: &[&str], check: &str) -> bool {
    if tool_available(program, args) {
        return true;
    }
    let probe = format!("{program} {}", args.join(" "));
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !in_ci,
        "`{probe}` failed, so {check} cannot run; with CI=true that is a failure"
    );
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED in {test}: {check} (`{probe}` failed; with CI=true this fails)"
    );
    false
}

/// Runs an external tool in `dir`, returning (success, stdout + stderr).
pub fn run_tool(dir: &Path, program: &str, args: &[&str]) -> (bool, String) {
    let output = StdCommand::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// Asserts `value` against `snapshots/NAME.snap` (insta), shared by all test files.
pub fn snapshot(name: &str, value: &str) {
    insta::with_settings!({
        snapshot_path => "../../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, value);
    });
}

/// `file:line` of every match of the plan's `no_soft_fail` pattern
/// (`config\.get\(["']`) in the project's `utils/` files.
pub fn plan_soft_fail_sites(project: &Project) -> Vec<(String, usize)> {
    let pattern = regex::Regex::new(r#"config\.get\(["']"#).expect("valid regex");
    let mut sites = Vec::new();
    for file in project
        .python_files()
        .into_iter()
        .filter(|f| f.starts_with("utils/"))
    {
        let text = project.read_text(&file);
        for found in pattern.find_iter(&text) {
            sites.push((
                file.clone(),
                1 + text[..found.start()].matches('\n').count(),
            ));
        }
    }
    sites
}

/// Whether the sample's own pytest suite can run here (python3 with pytest,
/// requests, jsonschema). Without them the caller skips, with a note; under
/// `CI=true` (where `.ci/run` installs them) this fails instead.
pub fn suite_runs_here() -> bool {
    let (ok, output) = run_tool(
        Path::new(SAMPLE),
        "python3",
        &["-c", "import pytest, requests, jsonschema"],
    );
    if ok {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but the sample's suite cannot run (python3 with pytest, requests, jsonschema): {output}"
    );
    eprintln!("note: skipped, python3 with pytest, requests and jsonschema is needed: {output}");
    false
}

/// Runs git in `dir` with `args` as given (no splitting), failing the test
/// if it fails; returns its output.
pub fn git_in(dir: &Path, args: &[&str]) -> String {
    let (ok, output) = run_tool(dir, "git", args);
    assert!(ok, "git {args:?} failed: {output}");
    output
}

/// Makes `dir` a git repository with everything in it committed.
pub fn commit_all(dir: &Path) {
    git_in(dir, &["init", "-q"]);
    git_in(dir, &["config", "user.email", "dev@example.com"]);
    git_in(dir, &["config", "user.name", "Dev"]);
    git_in(dir, &["add", "-A"]);
    git_in(dir, &["commit", "-q", "-m", "TXO v2.1"]);
}

/// The standard library directory of `python3` (callers check first that
/// `python3` runs, with [`require_tool`]).
pub fn stdlib_dir() -> PathBuf {
    let output = StdCommand::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
        ])
        .output()
        .expect("run python3");
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}

/// The `.py` files under `dir`, sorted; installed packages (not the
/// standard library, nor the same on every machine) are left out.
pub fn python_files_under(dir: &Path) -> Vec<PathBuf> {
    fn collect(dir: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for path in entries.filter_map(|e| e.ok()).map(|e| e.path()) {
            let installed = path.file_name().is_some_and(|n| n == "site-packages");
            if path.is_dir() {
                if !installed {
                    collect(&path, found);
                }
            } else if path.extension().is_some_and(|e| e == "py") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    collect(dir, &mut found);
    found.sort();
    found
}

/// `file:line:col` of each finding line of `rule` in `output`, sorted.
pub fn places(output: &str, rule: &str) -> Vec<String> {
    let mut found: Vec<String> = output
        .lines()
        .filter(|l| l.contains(&format!("[{rule}]")))
        .filter_map(|l| l.split(": ").next().map(str::to_string))
        .collect();
    found.sort();
    found
}
