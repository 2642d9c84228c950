//! The gate's Python-level checks, each a comparison of before and after
//! the phase (v2.1 code may already fail some): every changed module that
//! imported before still imports (project root on `sys.path`); pyflakes
//! reports no new message; for phase 3, every public function keeps its
//! `inspect.signature`. Bytecode is never written into the user's tree.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// What Python said about the changed files at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Module → `None` when it imported, else the error.
    pub imports: BTreeMap<String, Option<String>>,
    /// `module.function` → signature, of public functions (phase 3 only).
    pub signatures: BTreeMap<String, String>,
    /// pyflakes messages as `file: message` (positions move in a rewrite);
    /// `None` when pyflakes is not installed.
    pub pyflakes: Option<Vec<String>>,
}

const PROBE: &str = r#"
import importlib, inspect, json, sys
sys.dont_write_bytecode = True
sys.path.insert(0, ".")
want_signatures = sys.argv[1] == "1"
result = {"imports": {}, "signatures": {}}
for name in sys.argv[2:]:
    try:
        module = importlib.import_module(name)
    except BaseException as error:
        result["imports"][name] = f"{type(error).__name__}: {error}"
        continue
    result["imports"][name] = None
    if want_signatures:
        for attr, value in vars(module).items():
            if inspect.isfunction(value) and value.__module__ == name and not attr.startswith("_"):
                result["signatures"][f"{name}.{attr}"] = str(inspect.signature(value))
print(json.dumps(result))
"#;

/// `utils/oauth_helpers.py` → `utils.oauth_helpers`; `None` for paths
/// that are not importable names.
pub fn module_name(file: &str) -> Option<String> {
    let module = crate::transforms::summary::module_name(file);
    let valid = module.split('.').all(|part| {
        part.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_alphanumeric() || c == '_')
    });
    (file.ends_with(".py") && valid).then_some(module)
}

/// Imports the modules of `files` in a fresh interpreter, and runs pyflakes.
pub fn snapshot(
    root: &Path,
    files: &[String],
    python: &Path,
    signatures: bool,
) -> Result<Snapshot, String> {
    let modules: Vec<String> = files.iter().filter_map(|f| module_name(f)).collect();
    let output = Command::new(python)
        .arg("-B")
        .arg("-c")
        .arg(PROBE)
        .arg(if signatures { "1" } else { "0" })
        .args(&modules)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Imported code may print; the probe's answer is the last line.
    let last = stdout.lines().last().unwrap_or_default();
    let parsed: serde_json::Value = serde_json::from_str(last).map_err(|_| {
        format!(
            "the import check did not finish:\n{}",
            String::from_utf8_lossy(&output.stderr).trim()
        )
    })?;
    let mut snapshot = Snapshot::default();
    if let Some(imports) = parsed["imports"].as_object() {
        for (module, error) in imports {
            snapshot
                .imports
                .insert(module.clone(), error.as_str().map(String::from));
        }
    }
    if let Some(found) = parsed["signatures"].as_object() {
        for (name, signature) in found {
            snapshot.signatures.insert(
                name.clone(),
                signature.as_str().unwrap_or_default().to_string(),
            );
        }
    }
    snapshot.pyflakes = pyflakes(root, files, python);
    Ok(snapshot)
}

fn pyflakes(root: &Path, files: &[String], python: &Path) -> Option<Vec<String>> {
    let available = Command::new(python)
        .args(["-c", "import pyflakes"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        return None;
    }
    let output = Command::new(python)
        .args(["-B", "-m", "pyflakes"])
        .args(files)
        .current_dir(root)
        .output()
        .ok()?;
    let mut messages: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(without_position)
        .collect();
    messages.sort();
    Some(messages)
}

/// `a.py:3:1: 'os' imported but unused` → `a.py: 'os' imported but unused`;
/// `from line 206` in a message becomes `from line N` (lines move).
fn without_position(line: &str) -> String {
    let mut parts = line.splitn(4, ':');
    let message = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(file), Some(_), Some(_), Some(message)) => format!("{file}:{message}"),
        _ => line.to_string(),
    };
    let mut out = String::with_capacity(message.len());
    let mut rest = message.as_str();
    while let Some(at) = rest.find("line ") {
        let (head, tail) = rest.split_at(at + "line ".len());
        out.push_str(head);
        let digits = tail.len() - tail.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            out.push('N');
        }
        rest = &tail[digits..];
    }
    out.push_str(rest);
    out
}

/// Why the phase fails the comparison, if it does.
pub fn compare(before: &Snapshot, after: &Snapshot) -> Option<String> {
    let mut problems = Vec::new();
    for (module, error) in &after.imports {
        if let (Some(error), Some(None)) = (error, before.imports.get(module)) {
            problems.push(format!(
                "{module} imported before the phase and fails now: {error}"
            ));
        }
    }
    for (function, signature) in &before.signatures {
        match after.signatures.get(function) {
            None => problems.push(format!("{function} is gone")),
            Some(now) if now != signature => {
                problems.push(format!("{function}{signature} became {function}{now}"))
            }
            Some(_) => {}
        }
    }
    if let (Some(old), Some(new)) = (&before.pyflakes, &after.pyflakes) {
        let mut old = old.clone();
        for message in new {
            match old.iter().position(|m| m == message) {
                Some(index) => {
                    old.remove(index);
                }
                None => problems.push(format!("new pyflakes message: {message}")),
            }
        }
    }
    (!problems.is_empty()).then(|| problems.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changes_for_the_worse_fail() {
        let mut before = Snapshot::default();
        before.imports.insert("a".into(), None);
        before
            .imports
            .insert("b".into(), Some("ImportError: x".into()));
        before.signatures.insert("a.f".into(), "(x, *, y=1)".into());
        before.pyflakes = Some(vec!["a.py: 'os' imported but unused".into()]);
        assert_eq!(compare(&before, &before), None);
        let mut after = before.clone();
        after
            .imports
            .insert("b".into(), Some("ImportError: y".into()));
        assert_eq!(compare(&before, &after), None, "b failed before too");
        after
            .imports
            .insert("a".into(), Some("NameError: z".into()));
        after
            .signatures
            .insert("a.f".into(), "(*args, **kwargs)".into());
        after.pyflakes = Some(vec![
            "a.py: 'os' imported but unused".into(),
            "a.py: undefined name 'q'".into(),
        ]);
        let failure = compare(&before, &after).unwrap();
        assert!(failure.contains("a imported before the phase and fails now: NameError: z"));
        assert!(failure.contains("a.f(x, *, y=1) became a.f(*args, **kwargs)"));
        assert!(failure.contains("new pyflakes message: a.py: undefined name 'q'"));
        assert_eq!(without_position("a.py:3:1: m: n"), "a.py: m: n");
        assert_eq!(
            without_position("a.py:9:1: redefinition of unused 'f' from line 206"),
            "a.py: redefinition of unused 'f' from line N"
        );
        assert_eq!(module_name("utils/x.py").as_deref(), Some("utils.x"));
        assert_eq!(module_name("my-scripts/x.py"), None);
    }

    #[test]
    fn a_real_interpreter_reports_imports_and_signatures() {
        let Some(python) = super::super::gate::find_python(None) else {
            eprintln!("note: no python; skipped");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
        std::fs::write(
            dir.path().join("pkg/ok.py"),
            "def f(a, *, b=2):\n    return a\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("pkg/bad.py"),
            "import no_such_module_here\n",
        )
        .unwrap();
        let files = vec!["pkg/ok.py".to_string(), "pkg/bad.py".to_string()];
        let found = snapshot(dir.path(), &files, &python, true).unwrap();
        assert_eq!(found.imports["pkg.ok"], None);
        assert!(
            found.imports["pkg.bad"]
                .as_deref()
                .unwrap()
                .contains("ModuleNotFoundError")
        );
        assert_eq!(found.signatures["pkg.ok.f"], "(a, *, b=2)");
        assert!(!dir.path().join("pkg/__pycache__").exists());
    }
}
