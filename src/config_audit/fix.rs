//! `--fix-configs`: inserts the missing keys, with their old defaults, into
//! a JSON configuration file as text: after the last member of the object
//! that should hold them, in the object's own layout (one member per line
//! with its indentation, or inline), with the file's newline style. Nothing
//! else in the file changes; the result is checked to be valid JSON that
//! has every inserted key.

use serde_json::Value;

use super::json_spans::{self, Member, Node, Object};
use super::values::{Missing, inline, missing_per_file};
use super::{Audit, Role};
use crate::safety::PlannedFile;

/// The ledger records configuration fixes as "phase 0": before phase 1,
/// undone with `rollback --phase 0`.
pub const LEDGER_PHASE: u8 = 0;

/// The JSON configuration and template files of one project with their
/// missing keys inserted, and notices about what is not written.
pub fn planned_files(audit: &Audit, project: usize) -> (Vec<PlannedFile>, Vec<String>) {
    let mut planned = Vec::new();
    let mut notices = Vec::new();
    let report = &audit.projects[project];
    for (file, missing) in audit.files[project].iter().zip(missing_per_file(report)) {
        if missing.is_empty() || file.role == Role::Secrets || file.keys.is_err() {
            continue;
        }
        let shown = crate::source::display_path(&file.path);
        let is_json = file.path.extension().is_some_and(|e| e == "json");
        if !is_json {
            notices.push(format!("{shown}: not written (only JSON files are edited)"));
            continue;
        }
        for entry in missing.iter().filter(|m| m.value.is_none()) {
            let key = entry.dotted();
            notices.push(format!(
                "{shown}: \"{key}\" not written (no old default known)"
            ));
        }
        let writable: Vec<&Missing> = missing.iter().filter(|m| m.value.is_some()).collect();
        if writable.is_empty() {
            continue;
        }
        match planned_file(&file.path, &writable) {
            Ok(file) => planned.push(file),
            Err(error) => notices.push(format!("{shown}: not written: {error}")),
        }
    }
    (planned, notices)
}

fn planned_file(path: &std::path::Path, missing: &[&Missing]) -> Result<PlannedFile, String> {
    let before = std::fs::read(path).map_err(|e| e.to_string())?;
    let text = std::str::from_utf8(&before).map_err(|e| e.to_string())?;
    let after = insert_missing(text, missing)?.into_bytes();
    Ok(PlannedFile {
        path: path.to_path_buf(),
        before,
        after,
        edits: missing.len(),
        created: false,
    })
}

/// The text with `missing` inserted (those with a known value); an error
/// when the text is not JSON or an insertion point cannot be found.
pub fn insert_missing(text: &str, missing: &[&Missing]) -> Result<String, String> {
    let body_start = text.len() - text.trim_start_matches('\u{feff}').len();
    let root = json_spans::parse(&text[body_start..]).ok_or("not valid JSON")?;
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut insertions: Vec<(usize, String)> = Vec::new();
    let mut parents: Vec<&[String]> = missing.iter().map(|m| m.parent.as_slice()).collect();
    parents.sort();
    parents.dedup();
    for parent in parents {
        let object = object_at(&root, parent)
            .ok_or_else(|| format!("no object at \"{}\"", parent.join(".")))?;
        let members: Vec<(&str, &Value)> = missing
            .iter()
            .filter(|m| m.parent == parent)
            .filter_map(|m| Some((m.key.as_str(), m.value.as_ref()?)))
            .collect();
        if !members.is_empty() {
            let layout = Layout::of(object, &text[body_start..], newline);
            let (at, inserted) = layout.insertion(object, &members);
            insertions.push((at + body_start, inserted));
        }
    }
    insertions.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let mut result = text.to_string();
    for (at, inserted) in insertions {
        result.insert_str(at, &inserted);
    }
    check(&result, missing)?;
    Ok(result)
}

pub(super) fn object_at<'n>(root: &'n Node, path: &[String]) -> Option<&'n Object> {
    let Node::Object(current) = root else {
        return None;
    };
    let mut current: &Object = current;
    for key in path {
        let member: &Member = current.members.iter().find(|m| &m.key == key)?;
        current = match &member.value {
            Node::Object(o) => o,
            _ => return None,
        };
    }
    Some(current)
}

/// How an object is laid out in the file.
struct Layout<'t> {
    newline: &'t str,
    /// The last member's value is an object on one line: nested values
    /// are written inline too.
    nested_inline: bool,
    /// Members on their own lines: the indentation of a member, and of the
    /// object's own line.
    multiline: Option<(String, String)>,
}

impl<'t> Layout<'t> {
    fn of(object: &Object, text: &str, newline: &'t str) -> Self {
        let own = crate::source::line_indent(text, object.open).to_string();
        let first_line_break = text[object.open..object.close].contains('\n');
        let multiline = first_line_break.then(|| {
            let member = match object.members.last() {
                Some(last) => crate::source::line_indent(text, last.key_start).to_string(),
                None => format!("{own}{}", step_of(text)),
            };
            (member, own)
        });
        let nested_inline = object.members.last().is_some_and(
            |last| matches!(&last.value, Node::Object(o) if !text[o.open..o.close].contains('\n')),
        );
        Layout {
            newline,
            nested_inline,
            multiline,
        }
    }

    /// Where to insert and what: after the last member (or the `{`).
    fn insertion(&self, object: &Object, members: &[(&str, &Value)]) -> (usize, String) {
        let (at, lead) = match object.members.last() {
            Some(last) => (last.value_end, ","),
            None => (object.open + 1, ""),
        };
        let Some((indent, _)) = &self.multiline else {
            let rendered: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{}: {}", Value::String(k.to_string()), inline(v)))
                .collect();
            let space = if lead.is_empty() { "" } else { " " };
            return (at, format!("{lead}{space}{}", rendered.join(", ")));
        };
        let step = indent_step(indent, self.multiline.as_ref().map(|m| m.1.as_str()));
        let rendered: Vec<String> = members
            .iter()
            .map(|(k, v)| {
                let value = if self.nested_inline {
                    inline(v)
                } else {
                    pretty(v, indent, &step, self.newline)
                };
                format!(
                    "{}{indent}{}: {value}",
                    self.newline,
                    Value::String(k.to_string())
                )
            })
            .collect();
        (at, format!("{lead}{}", rendered.join(",")))
    }
}

/// The indentation one level adds: member indentation minus the object's.
fn indent_step(member: &str, own: Option<&str>) -> String {
    let own = own.unwrap_or("");
    member
        .strip_prefix(own)
        .filter(|s| !s.is_empty())
        .unwrap_or("  ")
        .to_string()
}

/// The file's indentation unit: the indentation of its first indented line.
fn step_of(text: &str) -> String {
    text.lines()
        .map(|line| &line[..line.len() - line.trim_start_matches([' ', '\t']).len()])
        .find(|indent| !indent.is_empty())
        .unwrap_or("  ")
        .to_string()
}

/// A value over several lines, nested objects indented by `step`.
fn pretty(value: &Value, indent: &str, step: &str, newline: &str) -> String {
    match value {
        Value::Object(map) if !map.is_empty() => {
            let inner = format!("{indent}{step}");
            let members: Vec<String> = map
                .iter()
                .map(|(k, v)| {
                    let key = Value::String(k.clone());
                    format!("{inner}{key}: {}", pretty(v, &inner, step, newline))
                })
                .collect();
            format!(
                "{{{newline}{}{newline}{indent}}}",
                members.join(&format!(",{newline}"))
            )
        }
        other => inline(other),
    }
}

/// The result is JSON and has every key that was to be inserted.
fn check(text: &str, missing: &[&Missing]) -> Result<(), String> {
    let keys = super::files::json_keys(text).map_err(|p| p.message)?;
    for entry in missing.iter().filter(|m| m.value.is_some()) {
        let mut path = entry.parent.clone();
        path.push(entry.key.clone());
        if !matches!(keys.presence(&path), super::Presence::Present { .. }) {
            return Err(format!(
                "\"{}\" is still missing after the edit",
                path.join(".")
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn missing(parent: &[&str], key: &str, value: &str) -> Missing {
        Missing {
            parent: parent.iter().map(|p| p.to_string()).collect(),
            key: key.into(),
            value: Some(serde_json::from_str(value).unwrap()),
            without_default: Vec::new(),
        }
    }

    #[test]
    fn members_go_after_the_last_one_in_the_objects_layout() {
        let text = "{\n    \"a\": {\n        \"x\": 1\n    },\n    \"b\": {\"y\": 2}\n}\n";
        let a = missing(&["a"], "z", "{\"p\": true, \"q\": []}");
        let b = missing(&["b"], "w", "3");
        let top = missing(&[], "c", "null");
        let fixed = insert_missing(text, &[&a, &b, &top]).unwrap();
        assert_eq!(
            fixed,
            "{\n    \"a\": {\n        \"x\": 1,\n        \"z\": {\n            \"p\": true,\n            \"q\": []\n        }\n    },\n    \"b\": {\"y\": 2, \"w\": 3},\n    \"c\": null\n}\n"
        );
    }

    #[test]
    fn crlf_bom_and_empty_objects_are_kept() {
        let text = "\u{feff}{\r\n  \"a\": {},\r\n  \"b\": {\r\n  }\r\n}";
        let a = missing(&["a"], "x", "1");
        let b = missing(&["b"], "y", "2");
        let fixed = insert_missing(text, &[&a, &b]).unwrap();
        assert_eq!(
            fixed,
            "\u{feff}{\r\n  \"a\": {\"x\": 1},\r\n  \"b\": {\r\n    \"y\": 2\r\n  }\r\n}"
        );
    }

    #[test]
    fn a_parent_that_is_not_an_object_is_refused() {
        let text = "{\"a\": [1]}";
        let error = insert_missing(text, &[&missing(&["a"], "x", "1")]).unwrap_err();
        assert_eq!(error, "no object at \"a\"");
    }
}
