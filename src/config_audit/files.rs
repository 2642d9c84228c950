//! The project's configuration files: found by the `config-files` globs,
//! read into their key structure only (no values, so secrets stay
//! secret), with a diagnostic naming file and line when one cannot be read.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSetBuilder};
use serde::Serialize;

use super::json_spans::{self, Node};
use crate::project::Project;

/// What a configuration file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Read by a running program: a missing required key fails it.
    Config,
    /// A template or example to copy from: reported, never fails the audit.
    Template,
    /// `*-config-secrets.json`: merged into the configuration by the loader
    /// as `_key`; read for key presence only.
    Secrets,
}

/// The key structure of a file: objects with their keys; lists and
/// scalars as leaves. `line` is 0 where the format gives none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keys {
    Object(Vec<(String, usize, Keys)>),
    List,
    Scalar,
}

/// Where a key path stands in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum Presence {
    Present {
        line: usize,
    },
    /// `depth` keys of the path exist; the next is missing.
    Missing {
        depth: usize,
    },
    /// The value after `depth` keys is a list or a scalar, not an object.
    NotAnObject {
        depth: usize,
        line: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileProblem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub path: PathBuf,
    /// Relative to the project root, `/`-separated.
    pub relative: String,
    pub role: Role,
    pub keys: Result<Keys, FileProblem>,
}

/// The files under the project root matching `patterns`, sorted.
pub fn discover(project: &Project, patterns: &[String]) -> Result<Vec<ConfigFile>, globset::Error> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        builder.add(Glob::new(pattern)?);
    }
    let globs = builder.build()?;
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    for (relative, path) in files_below(&project.root, "") {
        if globs.is_match(&relative) {
            found.push((relative, path));
        }
    }
    found.sort();
    Ok(found
        .into_iter()
        .map(|(relative, path)| ConfigFile {
            role: role_of(&relative),
            keys: read_keys(&path),
            path,
            relative,
        })
        .collect())
}

/// Files under `dir` (hidden directories and `.txo-codemod` skipped), two
/// levels deep: configuration lives near the root.
fn files_below(dir: &Path, prefix: &str) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let relative = format!("{prefix}{name}");
        let path = entry.path();
        if path.is_dir() {
            if !name.starts_with('.') && prefix.matches('/').count() < 2 {
                files.extend(files_below(&path, &format!("{relative}/")));
            }
        } else {
            files.push((relative, path));
        }
    }
    files
}

pub fn role_of(relative: &str) -> Role {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    if name.contains("secret") {
        Role::Secrets
    } else if ["template", "example", "sample"]
        .iter()
        .any(|marker| name.contains(marker))
    {
        Role::Template
    } else {
        Role::Config
    }
}

fn read_keys(path: &Path) -> Result<Keys, FileProblem> {
    let text = std::fs::read_to_string(path).map_err(|error| FileProblem {
        line: 0,
        column: 0,
        message: format!("cannot read: {error}"),
    })?;
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match extension {
        "yaml" | "yml" => yaml_keys(&text),
        "toml" => toml_keys(&text),
        _ => json_keys(&text),
    }
}

/// Keys of a JSON text, with their lines; JSON with comments (JSONC) is
/// named as such.
pub fn json_keys(text: &str) -> Result<Keys, FileProblem> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Err(error) = serde_json::from_str::<serde::de::IgnoredAny>(body) {
        let (line, column) = (error.line(), error.column());
        let at = offset_of(body, line, column.saturating_sub(1));
        let comment = body[at..].starts_with("//") || body[at..].starts_with("/*");
        let message = if comment {
            "a comment: JSON has none (this is JSONC); the loader's json.load would fail too".into()
        } else {
            format!("not valid JSON: {error}")
        };
        return Err(FileProblem {
            line,
            column,
            message,
        });
    }
    let offset = text.len() - body.len();
    let node = json_spans::parse(body).ok_or_else(|| FileProblem {
        line: 1,
        column: 1,
        message: "not valid JSON".into(),
    })?;
    Ok(keys_of_node(&node, text, offset))
}

fn keys_of_node(node: &Node, text: &str, offset: usize) -> Keys {
    match node {
        Node::Object(object) => Keys::Object(
            object
                .members
                .iter()
                .map(|m| {
                    let line = crate::source::line_col(text, m.key_start + offset).0;
                    (m.key.clone(), line, keys_of_node(&m.value, text, offset))
                })
                .collect(),
        ),
        Node::Array { .. } => Keys::List,
        Node::Scalar { .. } => Keys::Scalar,
    }
}

fn yaml_keys(text: &str) -> Result<Keys, FileProblem> {
    let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(|error| {
        let (line, column) = error.location().map_or((0, 0), |l| (l.line(), l.column()));
        FileProblem {
            line,
            column,
            message: format!("not valid YAML: {error}"),
        }
    })?;
    Ok(keys_of_yaml(&value))
}

fn keys_of_yaml(value: &serde_yaml::Value) -> Keys {
    match value {
        serde_yaml::Value::Mapping(map) => Keys::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = match k {
                        serde_yaml::Value::String(s) => s.clone(),
                        other => serde_yaml::to_string(other)
                            .unwrap_or_default()
                            .trim()
                            .to_string(),
                    };
                    (key, 0, keys_of_yaml(v))
                })
                .collect(),
        ),
        serde_yaml::Value::Sequence(_) => Keys::List,
        serde_yaml::Value::Tagged(tagged) => keys_of_yaml(&tagged.value),
        _ => Keys::Scalar,
    }
}

fn toml_keys(text: &str) -> Result<Keys, FileProblem> {
    let value: toml::Table = toml::from_str(text).map_err(|error| {
        let (line, column) = error
            .span()
            .map_or((0, 0), |span| crate::source::line_col(text, span.start));
        FileProblem {
            line,
            column,
            message: format!("not valid TOML: {}", error.message()),
        }
    })?;
    Ok(keys_of_toml(&toml::Value::Table(value)))
}

fn keys_of_toml(value: &toml::Value) -> Keys {
    match value {
        toml::Value::Table(table) => Keys::Object(
            table
                .iter()
                .map(|(k, v)| (k.clone(), 0, keys_of_toml(v)))
                .collect(),
        ),
        toml::Value::Array(_) => Keys::List,
        _ => Keys::Scalar,
    }
}

/// Byte offset of a 1-based line and 0-based column (clamped).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let mut at = (start + column).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl Keys {
    /// Where `path` stands in these keys.
    pub fn presence(&self, path: &[String]) -> Presence {
        let mut current = self;
        let mut line = 0;
        for (depth, key) in path.iter().enumerate() {
            let Keys::Object(members) = current else {
                return Presence::NotAnObject { depth, line };
            };
            match members.iter().find(|(k, ..)| k == key) {
                Some((_, key_line, value)) => {
                    line = *key_line;
                    current = value;
                }
                None => return Presence::Missing { depth },
            }
        }
        Presence::Present { line }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn presence_in_json_with_lines() {
        let keys = json_keys("{\n  \"a\": {\n    \"b\": 1\n  },\n  \"l\": [1]\n}\n").unwrap();
        assert_eq!(
            keys.presence(&path(&["a", "b"])),
            Presence::Present { line: 3 }
        );
        assert_eq!(
            keys.presence(&path(&["a", "c"])),
            Presence::Missing { depth: 1 }
        );
        assert_eq!(
            keys.presence(&path(&["l", "x"])),
            Presence::NotAnObject { depth: 1, line: 5 }
        );
    }

    #[test]
    fn comments_and_bad_json_are_located() {
        let problem = json_keys("{\n  // timeouts\n  \"a\": 1\n}\n").unwrap_err();
        assert_eq!((problem.line, problem.column), (2, 3));
        assert!(problem.message.contains("JSONC"), "{}", problem.message);
        let problem = json_keys("{\n  \"a\": 1,\n}\n").unwrap_err();
        assert_eq!(problem.line, 3);
        assert!(problem.message.starts_with("not valid JSON"));
    }

    #[test]
    fn yaml_and_toml_give_keys() {
        let yaml = yaml_keys("a:\n  b: 1\n").unwrap();
        assert_eq!(
            yaml.presence(&path(&["a", "b"])),
            Presence::Present { line: 0 }
        );
        let toml = toml_keys("[a]\nb = 1\n").unwrap();
        assert_eq!(
            toml.presence(&path(&["a", "c"])),
            Presence::Missing { depth: 1 }
        );
        assert_eq!(toml_keys("[a\n").unwrap_err().line, 1);
    }

    #[test]
    fn roles_follow_the_txo_names() {
        assert_eq!(role_of("config/acme-prod-config.json"), Role::Config);
        assert_eq!(
            role_of("config/acme-prod-config-secrets.json"),
            Role::Secrets
        );
        assert_eq!(
            role_of("config/org-env-config-template.json"),
            Role::Template
        );
    }
}
