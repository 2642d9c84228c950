//! The JSON Schema's view of a key path: required at every level, optional
//! (with the `default` it declares, if any), or unknown to the schema.
//! Local `$ref`s (`#/definitions/x`) are followed; remote ones are reported.

use serde::Serialize;
use serde_json::Value;

use super::files::{self, ConfigFile, FileProblem};
use crate::project::Project;

/// A schema that could not be read: its path and the problem.
pub type SchemaProblem = (String, FileProblem);

/// The project's configuration schema (by its `config-schema` globs), or
/// the problems that kept it from being read.
pub fn load(project: &Project) -> Result<(Option<Schema>, Vec<SchemaProblem>), globset::Error> {
    let schemas = files::discover(project, &project.settings.config_schema)?;
    Ok(choose(&schemas))
}

/// A loaded schema.
#[derive(Debug, Clone)]
pub struct Schema {
    /// Relative to the project root.
    pub relative: String,
    root: Value,
    text: String,
}

/// What the schema says about one key path.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "verdict")]
pub enum Verdict {
    /// Every key of the path is in its parent's `required` list.
    Required,
    /// Known, but not required at every level.
    Optional {
        /// The `default` the schema declares for the last key, as JSON.
        default: Option<String>,
        /// The keys to add to `required` lists: (JSON pointer of the
        /// object schema, key).
        to_require: Vec<(String, String)>,
    },
    /// The schema does not describe the key after `depth` keys.
    Unknown { depth: usize },
    /// A `$ref` the audit does not follow (remote), met after `depth` keys.
    RemoteRef { depth: usize, reference: String },
}

impl Schema {
    pub fn parse(relative: &str, text: &str) -> Result<Schema, FileProblem> {
        let root = serde_json::from_str(text).map_err(|error| FileProblem {
            line: error.line(),
            column: error.column(),
            message: format!("not valid JSON: {error}"),
        })?;
        Ok(Schema {
            relative: relative.to_string(),
            root,
            text: text.to_string(),
        })
    }

    /// The line of the first `$ref` to `reference` (for diagnostics).
    pub fn line_of_reference(&self, reference: &str) -> usize {
        let quoted = serde_json::to_string(reference).unwrap_or_default();
        self.text
            .find(&quoted)
            .map_or(0, |at| crate::source::line_col(&self.text, at).0)
    }

    /// Follows `$ref` (local only) from `node` at `pointer`.
    fn resolve<'v>(
        &'v self,
        node: &'v Value,
        pointer: String,
    ) -> Result<(&'v Value, String), String> {
        let mut current = (node, pointer);
        for _ in 0..16 {
            let Some(reference) = current.0.get("$ref").and_then(Value::as_str) else {
                return Ok(current);
            };
            let Some(local) = reference.strip_prefix('#') else {
                return Err(reference.to_string());
            };
            match self.root.pointer(local) {
                Some(target) => current = (target, local.to_string()),
                None => return Err(reference.to_string()),
            }
        }
        Ok(current)
    }

    /// Whether the schema declares `path` optional with a `default`.
    pub fn declares_default(&self, path: &[String]) -> bool {
        matches!(
            self.verdict(path),
            Verdict::Optional {
                default: Some(_),
                ..
            }
        )
    }

    pub fn verdict(&self, path: &[String]) -> Verdict {
        let mut node = (&self.root, String::new());
        let mut to_require = Vec::new();
        for (depth, key) in path.iter().enumerate() {
            node = match self.resolve(node.0, node.1.clone()) {
                Ok(resolved) => resolved,
                Err(reference) => return Verdict::RemoteRef { depth, reference },
            };
            let required = node
                .0
                .get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|k| k.as_str() == Some(key)));
            let Some(child) = node.0.get("properties").and_then(|p| p.get(key)) else {
                return Verdict::Unknown { depth };
            };
            if !required {
                to_require.push((node.1.clone(), key.clone()));
            }
            let pointer = format!("{}/properties/{}", node.1, escape_pointer(key));
            node = (child, pointer);
        }
        let leaf = match self.resolve(node.0, node.1) {
            Ok((leaf, _)) => leaf,
            Err(reference) => {
                return Verdict::RemoteRef {
                    depth: path.len(),
                    reference,
                };
            }
        };
        let default = leaf.get("default").map(Value::to_string);
        if to_require.is_empty() && default.is_none() {
            Verdict::Required
        } else {
            Verdict::Optional {
                default,
                to_require,
            }
        }
    }
}

/// The configuration schema: among the matched files, the first whose
/// name mentions `config`, else the first.
fn choose(schemas: &[ConfigFile]) -> (Option<Schema>, Vec<SchemaProblem>) {
    let chosen = schemas
        .iter()
        .find(|s| {
            s.relative
                .rsplit('/')
                .next()
                .is_some_and(|n| n.contains("config"))
        })
        .or_else(|| schemas.first());
    let Some(chosen) = chosen else {
        return (None, Vec::new());
    };
    let text = match std::fs::read_to_string(&chosen.path) {
        Ok(text) => text,
        Err(error) => {
            let problem = FileProblem {
                line: 0,
                column: 0,
                message: format!("cannot read: {error}"),
            };
            return (None, vec![(chosen.relative.clone(), problem)]);
        }
    };
    match Schema::parse(&chosen.relative, &text) {
        Ok(schema) => (Some(schema), Vec::new()),
        Err(problem) => (None, vec![(chosen.relative.clone(), problem)]),
    }
}

fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    const SCHEMA: &str = r##"{
  "required": ["a"],
  "properties": {
    "a": {"$ref": "#/definitions/section"},
    "r": {"$ref": "https://example.com/remote.json"}
  },
  "definitions": {
    "section": {
      "required": ["b"],
      "properties": {"b": {"type": "integer"}, "c": {"type": "number", "default": 5}}
    }
  }
}"##;

    #[test]
    fn verdicts_follow_required_lists_and_local_refs() {
        let schema = Schema::parse("s.json", SCHEMA).unwrap();
        assert_eq!(schema.verdict(&path(&["a", "b"])), Verdict::Required);
        assert_eq!(
            schema.verdict(&path(&["a", "c"])),
            Verdict::Optional {
                default: Some("5".into()),
                to_require: vec![("/definitions/section".into(), "c".into())],
            }
        );
        assert_eq!(
            schema.verdict(&path(&["a", "x"])),
            Verdict::Unknown { depth: 1 }
        );
        assert_eq!(
            schema.verdict(&path(&["r", "x"])),
            Verdict::RemoteRef {
                depth: 1,
                reference: "https://example.com/remote.json".into()
            }
        );
        assert_eq!(
            schema.line_of_reference("https://example.com/remote.json"),
            5
        );
    }
}
