//! What a file lacks and what to write for it: the old Python defaults as
//! JSON, nested under the first missing key of each path.

use serde::Serialize;
use serde_json::{Map, Value};

use super::{Presence, ProjectAudit, RequiredKey};

/// One key to add to one file: `key` inside the object at `parent`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Missing {
    pub parent: Vec<String>,
    pub key: String,
    /// The old defaults, nested; `None` when no default is known (a `.get`
    /// without one, a subscript, or a constant such as `DEFAULT_TIMEOUT`).
    pub value: Option<Value>,
    /// Keys below it (dotted, from the root) without a known default: left
    /// out of `value`.
    pub without_default: Vec<String>,
}

impl Missing {
    pub fn dotted(&self) -> String {
        let mut all = self.parent.clone();
        all.push(self.key.clone());
        all.join(".")
    }

    /// `"key": value`, ready to paste into the parent object.
    pub fn snippet(&self) -> Option<String> {
        let key = serde_json::to_string(&self.key).ok()?;
        Some(format!("{key}: {}", inline(self.value.as_ref()?)))
    }
}

/// JSON on one line, spaced as people write it: `{"a": 1, "b": [2, 3]}`.
pub fn inline(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let members: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), inline(v)))
                .collect();
            format!("{{{}}}", members.join(", "))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        scalar => scalar.to_string(),
    }
}

/// Per configuration file of the project: the keys it lacks (the first
/// missing key of each required path, once), in path order.
pub fn missing_per_file(audit: &ProjectAudit) -> Vec<Vec<Missing>> {
    (0..audit.files.len())
        .map(|file| {
            let mut prefixes: Vec<Vec<String>> = audit
                .keys
                .iter()
                .filter(|key| !key.is_injected())
                .filter_map(|key| match key.presence.get(file) {
                    Some(Some(Presence::Missing { depth })) => Some(key.path[..=*depth].to_vec()),
                    _ => None,
                })
                .collect();
            prefixes.sort();
            prefixes.dedup();
            prefixes
                .into_iter()
                .map(|prefix| missing_at(&audit.keys, prefix))
                .collect()
        })
        .collect()
}

fn missing_at(keys: &[RequiredKey], mut prefix: Vec<String>) -> Missing {
    let mut without_default = Vec::new();
    let value = fill(keys, &prefix, &mut without_default);
    let key = prefix.pop().unwrap_or_default();
    Missing {
        parent: prefix,
        key,
        value,
        without_default,
    }
}

/// The value to write at `prefix`: an object of its required children, or
/// the old default of a leaf.
fn fill(keys: &[RequiredKey], prefix: &[String], without: &mut Vec<String>) -> Option<Value> {
    let mut children: Vec<&String> = keys
        .iter()
        .filter(|k| k.path.len() > prefix.len() && k.path.starts_with(prefix))
        .map(|k| &k.path[prefix.len()])
        .collect();
    children.sort();
    children.dedup();
    if children.is_empty() {
        let value = keys
            .iter()
            .find(|k| k.path == prefix)
            .and_then(|k| k.default.as_deref())
            .and_then(json_of_python);
        if value.is_none() {
            without.push(prefix.join("."));
        }
        return value;
    }
    let mut object = Map::new();
    for child in children {
        let mut path = prefix.to_vec();
        path.push(child.clone());
        if let Some(value) = fill(keys, &path, without) {
            object.insert(child.clone(), value);
        }
    }
    Some(Value::Object(object))
}

/// The JSON value of a Python literal default; `None` for anything else.
pub fn json_of_python(default: &str) -> Option<Value> {
    let compact: String = default.split_whitespace().collect();
    match compact.as_str() {
        "True" => return Some(Value::Bool(true)),
        "False" => return Some(Value::Bool(false)),
        "None" => return Some(Value::Null),
        "{}" | "dict()" => return Some(Value::Object(Map::new())),
        "[]" | "list()" | "()" => return Some(Value::Array(Vec::new())),
        _ => {}
    }
    if let Some(number) = python_number(default.trim()) {
        return Some(number);
    }
    python_string(default.trim()).map(Value::String)
}

fn python_number(text: &str) -> Option<Value> {
    let plain = text.replace('_', "");
    if let Ok(integer) = plain.parse::<i64>() {
        return Some(Value::from(integer));
    }
    let is_decimal = plain
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        && plain.chars().any(|c| c.is_ascii_digit());
    let float: f64 = plain.parse().ok().filter(|_| is_decimal)?;
    serde_json::Number::from_f64(float).map(Value::Number)
}

/// A plain string literal (no escapes, no f/b prefix).
fn python_string(text: &str) -> Option<String> {
    let body = text.strip_prefix(['r', 'R', 'u', 'U']).unwrap_or(text);
    for quote in ["\"", "'"] {
        if let Some(inner) = body.strip_prefix(quote).and_then(|b| b.strip_suffix(quote)) {
            let plain =
                !inner.contains(quote) && (text.starts_with(['r', 'R']) || !inner.contains('\\'));
            return plain.then(|| inner.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_literals_become_json() {
        let json = |s: &str| json_of_python(s).map(|v| v.to_string());
        assert_eq!(json("True").as_deref(), Some("true"));
        assert_eq!(json("None").as_deref(), Some("null"));
        assert_eq!(json("{ }").as_deref(), Some("{}"));
        assert_eq!(json("1_000").as_deref(), Some("1000"));
        assert_eq!(json("2.0").as_deref(), Some("2.0"));
        assert_eq!(json("-0.5").as_deref(), Some("-0.5"));
        assert_eq!(json("'a \"b\"'").as_deref(), Some("\"a \\\"b\\\"\""));
        assert_eq!(json("DEFAULT_TIMEOUT"), None);
        assert_eq!(json("'a\\n'"), None);
        assert_eq!(json("f'{x}'"), None);
    }

    fn key(path: &str, default: Option<&str>) -> RequiredKey {
        RequiredKey {
            path: path.split('.').map(String::from).collect(),
            default: default.map(String::from),
            from_phase_1: true,
            uses: Vec::new(),
            presence: Vec::new(),
            schema: None,
        }
    }

    #[test]
    fn a_missing_section_carries_its_required_children() {
        let keys = [
            key("sb", Some("{}")),
            key("sb.rate", Some("{}")),
            key("sb.rate.enabled", Some("False")),
            key("sb.rate.burst", Some("BURST")),
            key("sb.delay", Some("1")),
        ];
        let missing = missing_at(&keys, vec!["sb".into(), "rate".into()]);
        assert_eq!(
            missing.snippet().as_deref(),
            Some("\"rate\": {\"enabled\": false}")
        );
        assert_eq!(missing.without_default, ["sb.rate.burst"]);
        assert_eq!(missing.dotted(), "sb.rate");
    }
}
