//! `config-audit` output: a terminal table, Markdown, JSON. Values of
//! configuration files are never shown (secrets files go through here);
//! only the old defaults from the code are.

use crate::config_audit::fix_schema::required_additions;
use crate::config_audit::schema::Verdict;
use crate::config_audit::values::{Missing, missing_per_file};
use crate::config_audit::{Presence, ProjectAudit, RequiredKey, Role};
use crate::present::one_line;

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Config => "config",
        Role::Template => "template",
        Role::Secrets => "secrets",
    }
}

fn presence_cell(presence: Option<&Presence>, injected: bool) -> String {
    match presence {
        Some(Presence::Missing { .. }) if injected => "absent".into(),
        Some(Presence::Present { .. }) => "ok".into(),
        Some(Presence::Missing { .. }) => "MISSING".into(),
        // YAML and TOML keys carry no line.
        Some(Presence::NotAnObject { line: 0, .. }) => "NOT AN OBJECT".into(),
        Some(Presence::NotAnObject { line, .. }) => format!("NOT AN OBJECT (line {line})"),
        None => "unreadable".into(),
    }
}

fn verdict_cell(verdict: Option<&Verdict>) -> String {
    match verdict {
        None => "no schema".into(),
        Some(Verdict::Required) => "required".into(),
        Some(Verdict::Optional {
            default: Some(default),
            ..
        }) => format!("optional, default {default}"),
        Some(Verdict::Optional { .. }) => "optional".into(),
        Some(Verdict::Unknown { .. }) => "unknown to schema".into(),
        Some(Verdict::RemoteRef { reference, .. }) => format!("behind remote $ref {reference}"),
    }
}

fn default_cell(key: &RequiredKey) -> String {
    key.default
        .as_deref()
        .map_or("-".into(), |d| one_line(d, 24, 23))
}

fn used_at(key: &RequiredKey) -> String {
    let first = key
        .uses
        .first()
        .map_or(String::new(), |u| format!("{}:{}", u.file, u.line));
    match key.uses.len() {
        0 | 1 => first,
        n => format!("{first} (+{})", n - 1),
    }
}

/// The files a key is checked in: secrets files only for injected keys.
fn checked_in(key: &RequiredKey, role: Role) -> bool {
    key.is_injected() == (role == Role::Secrets)
}

fn cells(audit: &ProjectAudit, key: &RequiredKey) -> Vec<String> {
    audit
        .files
        .iter()
        .zip(&key.presence)
        .map(|(file, presence)| {
            if checked_in(key, file.role) {
                presence_cell(presence.as_ref(), key.is_injected())
            } else {
                "-".into()
            }
        })
        .collect()
}

/// The schema changes phase 1 asks for: keys to add to `required`, and
/// defaults that no longer apply.
fn schema_changes(audit: &ProjectAudit) -> Vec<String> {
    let mut to_require = Vec::new();
    for (pointer, names) in required_additions(audit) {
        let pointer = if pointer.is_empty() { "/" } else { &pointer };
        for name in names {
            to_require.push(format!("add \"{name}\" to `required` at {pointer}"));
        }
    }
    let mut defaults = Vec::new();
    for key in audit.keys.iter().filter(|k| !k.is_injected()) {
        if let Some(Verdict::Optional {
            default: Some(default),
            ..
        }) = &key.schema
        {
            defaults.push(format!(
                "the default {default} of {} no longer applies (the code requires the key)",
                key.dotted()
            ));
        }
    }
    to_require.extend(defaults);
    to_require
}

/// Where a missing key goes: `"a"."b"`, or the top-level object.
fn parent_name(missing: &Missing) -> String {
    if missing.parent.is_empty() {
        "the top-level object".to_string()
    } else {
        format!("\"{}\"", missing.parent.join("\".\""))
    }
}

/// What to do about a missing key, after its name (`code` wraps JSON).
fn missing_advice(missing: &Missing, code: impl Fn(&str) -> String) -> String {
    let Some(snippet) = missing.snippet() else {
        return "no default known: choose a value".into();
    };
    let mut advice = format!("add to {}: {}", code(&parent_name(missing)), code(&snippet));
    if !missing.without_default.is_empty() {
        advice.push_str(&format!(
            " (no default for {})",
            missing.without_default.join(", ")
        ));
    }
    advice
}

pub fn text(audits: &[ProjectAudit]) -> String {
    let mut out = String::new();
    for audit in audits {
        out.push_str(&format!("Config audit of {}\n", audit.root));
        out.push_str(&files_text(audit));
        let phase_1 = audit.keys.iter().filter(|k| k.from_phase_1).count();
        out.push_str(&format!(
            "\nRequired key paths: {} ({phase_1} made required by phase 1)\n",
            audit.keys.len()
        ));
        out.push_str(&key_table(audit));
        if audit.keys.iter().any(RequiredKey::is_injected) {
            out.push_str(INJECTED_NOTE);
        }
        out.push_str(&missing_text(audit));
        let changes = schema_changes(audit);
        if !changes.is_empty() {
            let schema = audit.schema.as_deref().unwrap_or("the schema");
            out.push_str(&format!("\nSchema changes for {schema}:\n"));
            for change in changes {
                out.push_str(&format!("  {change}\n"));
            }
        }
        if !audit.kept_optional.is_empty() {
            out.push_str(KEPT_OPTIONAL);
            for found in &audit.kept_optional {
                out.push_str(&format!(
                    "  {}  {}:{}\n",
                    kept_path(found),
                    found.file,
                    found.line
                ));
            }
        }
        if !audit.unresolved.is_empty() {
            out.push_str(&format!(
                "\nKey paths not known ({}): check these by hand\n",
                audit.unresolved.len()
            ));
            for (at, code, reason) in unresolved_rows(audit) {
                out.push_str(&format!("  {at}  {code}  ({reason})\n"));
            }
        }
        out.push('\n');
    }
    out
}

const KEPT_OPTIONAL: &str = "\nLeft optional: the schema declares a default, so phase 1 reports these instead of rewriting them\n";

fn kept_path(found: &crate::config_audit::Use) -> String {
    found
        .path
        .as_ref()
        .map_or_else(|_| "?".into(), |p| p.join("."))
}

const INJECTED_NOTE: &str = "  (`_` keys are added by the loader at run time, from a secrets file or a login: \
     checked in secrets files only, never required in configuration files)\n";

/// One row per key path: old default, schema verdict, a column per file
/// (`[1]`, `[2]`… as listed above), where it is used.
fn key_table(audit: &ProjectAudit) -> String {
    let header = ["key path", "default", "schema"].map(String::from);
    let mut rows: Vec<Vec<String>> = vec![header.to_vec()];
    rows[0].extend((1..=audit.files.len()).map(|i| format!("[{i}]")));
    rows[0].push("used at".into());
    for key in &audit.keys {
        let mut row = vec![
            key.dotted(),
            default_cell(key),
            verdict_cell(key.schema.as_ref()),
        ];
        row.extend(cells(audit, key));
        row.push(used_at(key));
        rows.push(row);
    }
    let columns = rows[0].len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(&format!("  {}\n", cells.join("  ").trim_end()));
    }
    out
}

/// Each lookup whose key path is not known: `file:line`, its code, why.
fn unresolved_rows(audit: &ProjectAudit) -> Vec<(String, String, &str)> {
    audit
        .unresolved
        .iter()
        .map(|found| {
            let reason = found.path.as_ref().err().map_or("", String::as_str);
            let at = format!("{}:{}", found.file, found.line);
            (at, one_line(&found.code, 60, 59), reason)
        })
        .collect()
}

fn files_text(audit: &ProjectAudit) -> String {
    let mut out = String::new();
    if audit.files.is_empty() {
        out.push_str("  no configuration files (config-files globs matched nothing)\n");
    }
    for (index, file) in audit.files.iter().enumerate() {
        out.push_str(&format!(
            "  [{}] {} ({})",
            index + 1,
            file.file,
            role_name(file.role)
        ));
        if let Some(problem) = &file.problem {
            out.push_str(&format!(
                ": error at line {}, column {}: {}",
                problem.line, problem.column, problem.message
            ));
        }
        out.push('\n');
    }
    match &audit.schema {
        Some(schema) => out.push_str(&format!("  schema: {schema}\n")),
        None => out.push_str("  schema: none found\n"),
    }
    for (file, problem) in &audit.schema_problems {
        out.push_str(&format!(
            "  schema {file}: error at line {}: {}\n",
            problem.line, problem.message
        ));
    }
    out
}

fn missing_text(audit: &ProjectAudit) -> String {
    let mut out = String::new();
    for (file, missing) in audit.files.iter().zip(missing_per_file(audit)) {
        if missing.is_empty() || file.role == Role::Secrets {
            continue;
        }
        out.push_str(&format!(
            "\nMissing in {} ({}): {}\n",
            file.file,
            role_name(file.role),
            missing.len()
        ));
        let width = missing.iter().map(|m| m.dotted().len()).max().unwrap_or(0);
        for entry in &missing {
            let advice = missing_advice(entry, str::to_string);
            out.push_str(&format!("  {:<width$}  {advice}\n", entry.dotted()));
        }
    }
    out
}

pub fn markdown(audits: &[ProjectAudit]) -> String {
    let mut out = String::new();
    for audit in audits {
        out.push_str(&format!("## Config audit of `{}`\n\n", audit.root));
        out.push_str("| # | File | Role | Readable |\n|---|---|---|---|\n");
        for (index, file) in audit.files.iter().enumerate() {
            let readable = file.problem.as_ref().map_or("yes".to_string(), |p| {
                format!("line {}: {}", p.line, p.message.replace('|', "\\|"))
            });
            out.push_str(&format!(
                "| {} | `{}` | {} | {readable} |\n",
                index + 1,
                file.file,
                role_name(file.role)
            ));
        }
        out.push_str(&format!(
            "\nSchema: {}\n\n| Key path | Old default | Schema | {} | Used at |\n|---|---|---|{}---|\n",
            audit.schema.as_deref().map_or("none".into(), |s| format!("`{s}`")),
            (1..=audit.files.len()).map(|i| format!("[{i}]")).collect::<Vec<_>>().join(" | "),
            "---|".repeat(audit.files.len())
        ));
        for key in &audit.keys {
            out.push_str(&format!(
                "| `{}` | `{}` | {} | {} | {} |\n",
                key.dotted(),
                default_cell(key),
                verdict_cell(key.schema.as_ref()),
                cells(audit, key).join(" | "),
                used_at(key)
            ));
        }
        for (file, missing) in audit.files.iter().zip(missing_per_file(audit)) {
            if missing.is_empty() || file.role == Role::Secrets {
                continue;
            }
            out.push_str(&format!("\n### Missing in `{}`\n\n", file.file));
            for entry in &missing {
                let advice = missing_advice(entry, |c| format!("`{c}`"));
                out.push_str(&format!("- `{}`: {advice}\n", entry.dotted()));
            }
        }
        let changes = schema_changes(audit);
        if !changes.is_empty() {
            out.push_str("\n### Schema changes\n\n");
            for change in changes {
                out.push_str(&format!("- {change}\n"));
            }
        }
        if !audit.kept_optional.is_empty() {
            out.push_str(&format!("\n### {}\n", KEPT_OPTIONAL.trim()));
            for found in &audit.kept_optional {
                out.push_str(&format!(
                    "- `{}` `{}:{}`\n",
                    kept_path(found),
                    found.file,
                    found.line
                ));
            }
        }
        if !audit.unresolved.is_empty() {
            out.push_str("\n### Key paths not known\n\n");
            for (at, code, reason) in unresolved_rows(audit) {
                out.push_str(&format!("- `{at}` `{code}`: {reason}\n"));
            }
        }
        out.push('\n');
    }
    out
}

pub fn json(audits: &[ProjectAudit]) -> String {
    let projects: Vec<serde_json::Value> = audits
        .iter()
        .map(|audit| {
            let unresolved: Vec<serde_json::Value> = audit
                .unresolved
                .iter()
                .map(|u| {
                    serde_json::json!({
                        "file": u.file, "line": u.line, "code": u.code, "origin": u.origin,
                        "reason": u.path.as_ref().err(),
                    })
                })
                .collect();
            let missing: Vec<serde_json::Value> = audit
                .files
                .iter()
                .zip(missing_per_file(audit))
                .filter(|(file, _)| file.role != Role::Secrets)
                .map(|(file, missing)| serde_json::json!({"file": file.file, "missing": missing}))
                .collect();
            serde_json::json!({
                "root": audit.root,
                "files": audit.files,
                "schema": audit.schema,
                "schema_problems": audit.schema_problems,
                "keys": audit.keys,
                "missing": missing,
                "schema_changes": schema_changes(audit),
                "unresolved": unresolved,
                "kept_optional": audit.kept_optional.iter().map(|u| serde_json::json!({
                    "file": u.file, "line": u.line, "code": u.code, "path": u.path.as_ref().ok(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let text = serde_json::to_string_pretty(&serde_json::json!({ "projects": projects }))
        .unwrap_or_default();
    format!("{text}\n")
}

/// The short form `assess` and `report` append: per project, how many key
/// paths phase 1 requires and what each configuration file lacks.
pub fn summary(audits: &[ProjectAudit], markdown: bool) -> String {
    let mut lines = Vec::new();
    for audit in audits {
        let phase_1 = audit.keys.iter().filter(|k| k.from_phase_1).count();
        // One project: its files are shown relative to it, so is it.
        let name = match audits.len() {
            1 => "this project",
            _ => audit.root.as_str(),
        };
        lines.push(format!(
            "{name}: {} key paths required ({phase_1} made required by phase 1), {} not known",
            audit.keys.len(),
            audit.unresolved.len()
        ));
        for (file, missing) in audit.files.iter().zip(missing_per_file(audit)) {
            let state = match &file.problem {
                Some(problem) => format!("cannot be read (line {})", problem.line),
                None if file.role == Role::Secrets => continue,
                None if missing.is_empty() => "complete".into(),
                None => {
                    let keys: Vec<String> = missing.iter().map(Missing::dotted).collect();
                    format!("{} missing: {}", keys.len(), keys.join(", "))
                }
            };
            lines.push(format!(
                "  {} ({}): {state}",
                file.file,
                role_name(file.role)
            ));
        }
        let to_require: usize = required_additions(audit).values().map(Vec::len).sum();
        if let Some(schema) = audit.schema.as_ref().filter(|_| to_require > 0) {
            lines.push(format!(
                "  {schema}: {to_require} keys to add to `required`"
            ));
        }
    }
    let hint =
        "details and the values to paste: `txo-codemod config-audit` (`--fix-configs` writes them)";
    if markdown {
        let items: Vec<String> = lines
            .iter()
            .map(|l| match l.strip_prefix("  ") {
                Some(inner) => format!("  - {inner}"),
                None => format!("- {l}"),
            })
            .collect();
        format!(
            "\n## Configuration files (phase 1 preflight)\n\n{}\n\n{hint}\n",
            items.join("\n")
        )
    } else {
        format!(
            "\nConfiguration files (phase 1 preflight)\n  {}\n  {hint}\n",
            lines.join("\n  ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_under_a_list_names_its_line_when_the_format_has_one() {
        let json = Presence::NotAnObject { depth: 1, line: 3 };
        let yaml = Presence::NotAnObject { depth: 1, line: 0 };
        assert_eq!(presence_cell(Some(&json), false), "NOT AN OBJECT (line 3)");
        assert_eq!(presence_cell(Some(&yaml), false), "NOT AN OBJECT");
        let missing = Presence::Missing { depth: 0 };
        assert_eq!(presence_cell(Some(&missing), true), "absent");
        assert_eq!(presence_cell(None, false), "unreadable");
    }
}
