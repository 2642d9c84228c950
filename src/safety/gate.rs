//! The verification gate after a phase is written: the files still parse,
//! Python compiles them (when an interpreter is found), the modules that
//! imported before still import, pyflakes reports nothing new, phase 3
//! keeps public signatures (`safety::python`), and the user's own check
//! (`--verify "pytest -q"`) passes.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::syntax;

#[derive(Debug, Clone, Default)]
pub struct GateOptions {
    /// Interpreter for `py_compile`; `None` = look for `python3` on PATH.
    pub python: Option<PathBuf>,
    /// A shell command run in the repository root; must exit 0.
    pub verify: Option<String>,
}

/// What the gate did, for the user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GateReport {
    pub notices: Vec<String>,
    /// Why the gate failed, if it did.
    pub failure: Option<String>,
}

/// What Python said about the files before the phase was written.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    snapshot: Option<super::python::Snapshot>,
    signatures: bool,
    notice: Option<String>,
}

/// Taken before writing: imports (and, for phase 3, signatures) and pyflakes
/// messages of `files`, so the gate fails only on what the phase made worse.
pub fn baseline(root: &Path, files: &[String], options: &GateOptions, phase: u8) -> Baseline {
    let signatures = phase == 3;
    let Some(python) = find_python(options.python.as_deref()) else {
        return Baseline::default();
    };
    match super::python::snapshot(root, files, &python, signatures) {
        Ok(snapshot) => Baseline {
            notice: snapshot
                .pyflakes
                .is_none()
                .then(|| "pyflakes is not installed; the new-messages check was skipped".into()),
            snapshot: Some(snapshot),
            signatures,
        },
        Err(error) => Baseline {
            notice: Some(format!("the import check was skipped: {error}")),
            ..Baseline::default()
        },
    }
}

pub(crate) fn find_python(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_path_buf());
    }
    let runs = |name: &str| {
        Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    ["python3", "python"]
        .into_iter()
        .find(|name| runs(name))
        .map(PathBuf::from)
}

pub fn run_gate(
    root: &Path,
    files: &[String],
    options: &GateOptions,
    baseline: &Baseline,
) -> GateReport {
    let mut report = GateReport::default();
    if let Some(failure) = reparse(root, files) {
        report.failure = Some(failure);
        return report;
    }
    match find_python(options.python.as_deref()) {
        Some(python) => {
            if let Some(failure) = py_compile(root, files, &python) {
                report.failure = Some(failure);
                return report;
            }
            report.notices.extend(baseline.notice.clone());
            if let Some(before) = &baseline.snapshot {
                let after = super::python::snapshot(root, files, &python, baseline.signatures);
                let failure = match after {
                    Ok(after) => super::python::compare(before, &after),
                    Err(error) => Some(error),
                };
                if let Some(failure) = failure {
                    report.failure = Some(failure);
                    return report;
                }
            }
        }
        None => report.notices.push(
            "no Python interpreter found (use --python PATH); py_compile check skipped".into(),
        ),
    }
    if let Some(command) = &options.verify {
        report.failure = user_check(root, command);
    }
    report
}

fn reparse(root: &Path, files: &[String]) -> Option<String> {
    for file in files {
        let text = std::fs::read_to_string(root.join(file)).unwrap_or_default();
        if syntax::first_error(&syntax::parse(text.trim_start_matches('\u{feff}'))).is_some() {
            return Some(format!("{file} does not parse after the phase"));
        }
    }
    None
}

fn py_compile(root: &Path, files: &[String], python: &Path) -> Option<String> {
    // Compile without writing __pycache__ into the user's tree.
    let script =
        "import sys\nfor f in sys.argv[1:]:\n    compile(open(f, 'rb').read(), f, 'exec')\n";
    let output = Command::new(python)
        .arg("-c")
        .arg(script)
        .args(files)
        .current_dir(root)
        .output();
    match output {
        Ok(output) if output.status.success() => None,
        Ok(output) => Some(format!(
            "Python does not compile the result:\n{}",
            String::from_utf8_lossy(&output.stderr).trim()
        )),
        Err(error) => Some(format!("cannot run {}: {error}", python.display())),
    }
}

fn user_check(root: &Path, command: &str) -> Option<String> {
    let output = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(root)
        .output();
    match output {
        Ok(output) if output.status.success() => None,
        Ok(output) => {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            let tail: Vec<&str> = text.lines().rev().take(20).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            Some(format!(
                "`{command}` failed ({}):\n{}",
                output.status,
                tail.join("\n")
            ))
        }
        Err(error) => Some(format!("cannot run `{command}`: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_command_failure_fails_the_gate() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.py"), "x = 1\n").unwrap();
        let files = vec!["a.py".to_string()];
        let ok = run_gate(
            dir.path(),
            &files,
            &GateOptions {
                python: None,
                verify: Some("true".into()),
            },
            &Baseline::default(),
        );
        assert_eq!(ok.failure, None);
        let failed = run_gate(
            dir.path(),
            &files,
            &GateOptions {
                python: None,
                verify: Some("echo broken; exit 3".into()),
            },
            &Baseline::default(),
        );
        assert!(failed.failure.unwrap().contains("broken"));
        std::fs::write(dir.path().join("a.py"), "x = (\n").unwrap();
        let broken = run_gate(
            dir.path(),
            &files,
            &GateOptions::default(),
            &Baseline::default(),
        );
        assert!(broken.failure.unwrap().contains("does not parse"));
    }
}
