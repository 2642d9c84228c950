//! Per-project settings from `[tool.txo-codemod]` in `pyproject.toml` or from
//! `txo-codemod.toml`, with defaults that fit the TXO template layout.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Deserialize;
use thiserror::Error;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Settings {
    /// Globs of library code (relative to the project root).
    pub library: Vec<String>,
    /// Files exempt from library rules, e.g. the script runner that may exit.
    pub entry_points: Vec<String>,
    /// Names (with `*` wildcards) that hold configuration.
    pub config_names: Vec<String>,
    /// The module that provides `HelpfulError`.
    pub helpful_error_module: String,
    /// Opt-in rules to run (e.g. the try/except style of phase 1).
    pub enable_rules: Vec<String>,
    /// Rules not to run in this project.
    pub disable_rules: Vec<String>,
    /// Per rule id: option name → text, overriding the rule's defaults.
    pub rule_options:
        std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
    /// Phase 3: module path (relative to the root) → the name of the class
    /// its state moves into (default: the plan's, else from the module name).
    pub manager_classes: std::collections::BTreeMap<String, String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            library: vec!["utils/**".into()],
            entry_points: vec!["utils/script_runner.py".into()],
            config_names: [
                "config",
                "cfg",
                "*_config",
                "*_cfg",
                "script_behavior",
                "*_settings",
            ]
            .map(String::from)
            .to_vec(),
            helpful_error_module: "utils.exceptions".into(),
            enable_rules: Vec::new(),
            disable_rules: Vec::new(),
            rule_options: std::collections::BTreeMap::new(),
            manager_classes: std::collections::BTreeMap::new(),
        }
    }
}

impl Settings {
    /// Whether a rule runs in this project: on by default unless disabled,
    /// opt-in rules only when enabled.
    pub fn runs_rule(&self, id: &str, enabled_by_default: bool) -> bool {
        let listed = |list: &[String]| list.iter().any(|entry| entry == id);
        if enabled_by_default {
            !listed(&self.disable_rules)
        } else {
            listed(&self.enable_rules)
        }
    }
}

#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(txo_codemod::project_config))]
pub struct ProjectConfigError {
    pub message: String,
    #[source_code]
    pub source_code: NamedSource<String>,
    #[label("here")]
    pub span: Option<SourceSpan>,
    #[help]
    pub help: Option<String>,
}

/// A project: the directory rules' globs are relative to, and its settings.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub settings: Settings,
    /// The file the settings came from, if any.
    pub settings_file: Option<PathBuf>,
    /// `root` with symlinks and `..` resolved, for relative paths.
    pub canonical_root: PathBuf,
}

#[derive(Deserialize)]
struct Pyproject {
    tool: Option<Tools>,
}

#[derive(Deserialize)]
struct Tools {
    #[serde(rename = "txo-codemod")]
    txo_codemod: Option<Settings>,
}

const MARKERS: [&str; 3] = ["txo-codemod.toml", "pyproject.toml", ".git"];

impl Project {
    /// The project that contains `path`: the nearest directory (itself or an
    /// ancestor) with a project marker, else the path's own directory.
    pub fn discover(path: &Path) -> Result<Project, Box<ProjectConfigError>> {
        let start = if path.is_dir() {
            path.to_path_buf()
        } else {
            path.parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        };
        let start = if start.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            start
        };
        let absolute = start.canonicalize().unwrap_or_else(|_| start.clone());
        let root = absolute
            .ancestors()
            .find(|dir| MARKERS.iter().any(|marker| dir.join(marker).exists()))
            .map_or(start.clone(), |found| relative_to(&start, &absolute, found));
        Project::load(&root)
    }

    /// Loads settings from `root`, or defaults when it has none.
    pub fn load(root: &Path) -> Result<Project, Box<ProjectConfigError>> {
        let dedicated = root.join("txo-codemod.toml");
        if dedicated.is_file() {
            let settings = parse_settings::<Settings>(&dedicated, Some)?.unwrap_or_default();
            return Ok(Project {
                canonical_root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
                root: root.to_path_buf(),
                settings,
                settings_file: Some(dedicated),
            });
        }
        let pyproject = root.join("pyproject.toml");
        if pyproject.is_file() {
            let found =
                parse_settings::<Pyproject>(&pyproject, |p| p.tool.and_then(|t| t.txo_codemod))?;
            let settings_file = Some(pyproject).filter(|_| found.is_some());
            let settings = found.unwrap_or_default();
            return Ok(Project {
                canonical_root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
                root: root.to_path_buf(),
                settings,
                settings_file,
            });
        }
        Ok(Project {
            canonical_root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
            root: root.to_path_buf(),
            settings: Settings::default(),
            settings_file: None,
        })
    }

    /// `path` relative to the project root, with `/` separators, however
    /// either was spelled (`utils/..`, `./a.py`, absolute); `absolute` is
    /// `path` canonicalised (see [`CanonicalDirs`]).
    pub fn relative_from(&self, absolute: &Path, path: &Path) -> String {
        let relative = absolute
            .strip_prefix(&self.canonical_root)
            .or_else(|_| path.strip_prefix(&self.root))
            .unwrap_or(path);
        crate::source::display_path(relative)
    }
}

/// Absolute spellings of walked files, each directory canonicalised once:
/// `canonicalize` costs a system call per path component, and a walk
/// yields many files per directory.
#[derive(Debug, Default)]
pub struct CanonicalDirs(HashMap<PathBuf, PathBuf>);

impl CanonicalDirs {
    pub fn absolute(&mut self, file: &Path) -> PathBuf {
        let directory = file.parent().unwrap_or(Path::new(""));
        let canonical = self
            .0
            .entry(directory.to_path_buf())
            .or_insert_with(|| canonical_dir(directory));
        match file.file_name() {
            Some(name) => canonical.join(name),
            None => file.to_path_buf(),
        }
    }
}

fn canonical_dir(directory: &Path) -> PathBuf {
    let spelled = if directory.as_os_str().is_empty() {
        Path::new(".")
    } else {
        directory
    };
    spelled
        .canonicalize()
        .unwrap_or_else(|_| spelled.to_path_buf())
}

/// Keeps a discovered root relative when the user gave a relative path, so
/// that displayed paths stay short.
fn relative_to(start: &Path, absolute: &Path, found: &Path) -> PathBuf {
    let Ok(up) = absolute.strip_prefix(found) else {
        return found.to_path_buf();
    };
    let mut root = start.to_path_buf();
    for _ in up.components() {
        root.push("..");
    }
    if root.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        root
    }
}

fn parse_settings<T: for<'de> Deserialize<'de>>(
    path: &Path,
    pick: impl FnOnce(T) -> Option<Settings>,
) -> Result<Option<Settings>, Box<ProjectConfigError>> {
    let shown = crate::source::display_path(path);
    let text = std::fs::read_to_string(path).map_err(|error| {
        Box::new(ProjectConfigError {
            message: format!("cannot read {shown}: {error}"),
            source_code: NamedSource::new(&shown, String::new()),
            span: None,
            help: None,
        })
    })?;
    let parsed: T = toml::from_str(&text).map_err(|error| Box::new(ProjectConfigError {
        message: format!("invalid txo-codemod settings in {shown}: {}", error.message()),
        span: error.span().map(|span| SourceSpan::new(span.start.into(), span.len().max(1))),
        source_code: NamedSource::new(&shown, text.clone()).with_language("toml"),
        help: Some("keys: library, entry-points, config-names, enable-rules, disable-rules (lists of strings), helpful-error-module (a string)".into()),
    }))?;
    Ok(pick(parsed))
}

/// Which files a rule applies to within one project. `@library` and
/// `@entry-points` in a rule's globs expand to the project's settings.
#[derive(Debug, Clone)]
pub struct FileScope {
    include: Option<GlobSet>,
    exclude: GlobSet,
}

impl FileScope {
    pub fn new(
        files: &[String],
        ignores: &[String],
        settings: &Settings,
    ) -> Result<Self, globset::Error> {
        let include = if files.is_empty() {
            None
        } else {
            Some(glob_set(files, settings)?)
        };
        Ok(FileScope {
            include,
            exclude: glob_set(ignores, settings)?,
        })
    }

    pub fn contains(&self, relative: &str) -> bool {
        self.include
            .as_ref()
            .is_none_or(|set| set.is_match(relative))
            && !self.exclude.is_match(relative)
    }
}

fn glob_set(globs: &[String], settings: &Settings) -> Result<GlobSet, globset::Error> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let expanded: Vec<&String> = match glob.as_str() {
            "@library" => settings.library.iter().collect(),
            "@entry-points" => settings.entry_points.iter().collect(),
            _ => vec![glob],
        };
        for pattern in expanded {
            builder.add(Glob::new(pattern)?);
        }
    }
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fit_the_template() {
        let settings = Settings::default();
        let scope =
            FileScope::new(&["@library".into()], &["@entry-points".into()], &settings).unwrap();
        assert!(scope.contains("utils/config_loader.py"));
        assert!(!scope.contains("utils/script_runner.py"));
        assert!(!scope.contains("src/main.py"));
    }

    #[test]
    fn reads_pyproject_section_and_points_at_bad_values() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname = \"x\"\n[tool.txo-codemod]\nlibrary = [\"lib/**\"]\n",
        )
        .unwrap();
        let project = Project::load(dir.path()).unwrap();
        assert_eq!(project.settings.library, ["lib/**"]);
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[tool.txo-codemod]\nlibrary = \"lib\"\n",
        )
        .unwrap();
        let error = Project::load(dir.path()).unwrap_err();
        assert!(
            error.message.contains("invalid txo-codemod settings"),
            "{}",
            error.message
        );
        assert_eq!(error.span.unwrap().offset(), 29);
    }
}
