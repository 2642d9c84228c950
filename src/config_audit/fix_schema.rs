//! `--fix-schema`: adds the keys phase 1 makes required to the `required`
//! lists of the configuration schema, as text (an existing list gets them
//! appended before its `]`; an object without one gets `"required": [...]`
//! after its last member). Nothing else in the schema changes.

use std::collections::BTreeMap;

use serde_json::Value;

use super::json_spans::{self, Node};
use super::schema::Verdict;
use super::values::Missing;
use super::{Audit, ProjectAudit};
use crate::safety::PlannedFile;

/// Per JSON pointer of an object schema: the keys to add to its
/// `required` list (sorted, once each).
pub fn required_additions(audit: &ProjectAudit) -> BTreeMap<String, Vec<String>> {
    let mut additions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for key in audit.keys.iter().filter(|k| !k.is_injected()) {
        if let Some(Verdict::Optional { to_require, .. }) = &key.schema {
            for (pointer, name) in to_require {
                additions
                    .entry(pointer.clone())
                    .or_default()
                    .push(name.clone());
            }
        }
    }
    for names in additions.values_mut() {
        names.sort();
        names.dedup();
    }
    additions
}

/// The project's schema file with its `required` lists completed; `None`
/// when nothing is to add (or there is no schema).
pub fn planned_schema(audit: &Audit, project: usize) -> Result<Option<PlannedFile>, String> {
    let report = &audit.projects[project];
    let additions = required_additions(report);
    let Some(relative) = report.schema.as_ref().filter(|_| !additions.is_empty()) else {
        return Ok(None);
    };
    let path = audit.project_roots[project].join(relative);
    let before = std::fs::read(&path).map_err(|e| format!("{relative}: {e}"))?;
    let text = std::str::from_utf8(&before).map_err(|e| format!("{relative}: {e}"))?;
    let after = add_required(text, &additions).map_err(|e| format!("{relative}: {e}"))?;
    Ok(Some(PlannedFile {
        path,
        before,
        after: after.into_bytes(),
        edits: additions.values().map(Vec::len).sum(),
        created: false,
    }))
}

/// `text` with each pointer's `required` list extended by its names.
pub fn add_required(
    text: &str,
    additions: &BTreeMap<String, Vec<String>>,
) -> Result<String, String> {
    let mut current = text.to_string();
    for (pointer, names) in additions {
        current = add_to_one(&current, &segments(pointer), names)?;
    }
    let value: Value = serde_json::from_str(current.trim_start_matches('\u{feff}'))
        .map_err(|e| format!("not valid JSON after the edit: {e}"))?;
    for (pointer, names) in additions {
        let required = value
            .pointer(&format!("{pointer}/required"))
            .and_then(Value::as_array);
        let has =
            |name: &String| required.is_some_and(|r| r.iter().any(|v| v.as_str() == Some(name)));
        if let Some(name) = names.iter().find(|n| !has(n)) {
            return Err(format!(
                "\"{name}\" is not in `required` at {pointer} after the edit"
            ));
        }
    }
    Ok(current)
}

fn add_to_one(text: &str, path: &[String], names: &[String]) -> Result<String, String> {
    let body_start = text.len() - text.trim_start_matches('\u{feff}').len();
    let root = json_spans::parse(&text[body_start..]).ok_or("not valid JSON")?;
    let shown = format!("/{}", path.join("/"));
    let object =
        super::fix::object_at(&root, path).ok_or(format!("no object schema at {shown}"))?;
    let quoted: Vec<String> = names
        .iter()
        .map(|n| Value::String(n.clone()).to_string())
        .collect();
    match object.members.iter().find(|m| m.key == "required") {
        Some(member) => match member.value {
            Node::Array { close, items, .. } => {
                let at = body_start + text[body_start..body_start + close].trim_end().len();
                let lead = if items == 0 { "" } else { ", " };
                let mut result = text.to_string();
                result.insert_str(at, &format!("{lead}{}", quoted.join(", ")));
                Ok(result)
            }
            _ => Err(format!("`required` at {shown} is not a list")),
        },
        None => {
            let missing = Missing {
                parent: path.to_vec(),
                key: "required".into(),
                value: Some(Value::Array(
                    names.iter().cloned().map(Value::String).collect(),
                )),
                without_default: Vec::new(),
            };
            super::fix::insert_missing(text, &[&missing])
        }
    }
}

/// The keys of a JSON pointer (`/properties/a~1b` → `properties`, `a/b`).
fn segments(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_appended_to_existing_lists_or_a_list_is_added() {
        let text = "{\n  \"required\": [\"a\"],\n  \"properties\": {\n    \"a\": {\n      \"properties\": {\"x\": {}}\n    },\n    \"b\": {\"required\": [], \"properties\": {}}\n  }\n}\n";
        let additions = BTreeMap::from([
            (String::new(), vec!["b".to_string()]),
            ("/properties/a".to_string(), vec!["x".to_string()]),
            (
                "/properties/b".to_string(),
                vec!["y".to_string(), "z".to_string()],
            ),
        ]);
        let fixed = add_required(text, &additions).unwrap();
        assert_eq!(
            fixed,
            "{\n  \"required\": [\"a\", \"b\"],\n  \"properties\": {\n    \"a\": {\n      \"properties\": {\"x\": {}},\n      \"required\": [\"x\"]\n    },\n    \"b\": {\"required\": [\"y\", \"z\"], \"properties\": {}}\n  }\n}\n"
        );
    }

    #[test]
    fn a_required_that_is_not_a_list_is_refused() {
        let additions = BTreeMap::from([(String::new(), vec!["b".to_string()])]);
        let error = add_required("{\"required\": true}", &additions).unwrap_err();
        assert_eq!(error, "`required` at / is not a list");
    }
}
