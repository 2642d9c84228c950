//! `assess` output: a terminal summary and a Markdown report.

use crate::commands::assess::{AssessItem, Assessment, FileRow, PhaseCounts};

fn fact_label(key: &str) -> &'static str {
    match key {
        "no-soft-fail" => "soft-fail config lookups",
        "escape-hatch" => "validation escape-hatch uses",
        "no-sys-exit" => "sys.exit() in library code",
        "allowed-exit" => "allowed exits (entry points, main)",
        "no-global-state" => "global mutable state",
        "method-length" => "functions over 50 lines",
        "long-method-100" => "functions over 100 lines",
        "thread-local" => "thread-local storage",
        "dataclass-slots" => "dataclasses with field defaults",
        _ => "other",
    }
}

fn phase_line(phase: &PhaseCounts) -> String {
    let creates = creates(phase);
    let change = if phase.edits == 0 && phase.to_review == 0 {
        match creates.strip_prefix("; ") {
            Some(only) => only.to_string(),
            None => "no automatic changes".to_string(),
        }
    } else {
        format!(
            "will change {} edits in {} files; {} to review{creates}",
            phase.edits, phase.files, phase.to_review
        )
    };
    format!("Phase {} — {}: {change}", phase.phase, phase.title)
}

/// `; creates utils/a.py, tests/test_a.py` (empty when it creates nothing).
fn creates(phase: &PhaseCounts) -> String {
    if phase.created.is_empty() {
        String::new()
    } else {
        format!("; creates {}", phase.created.join(", "))
    }
}

pub fn text(assessment: &Assessment) -> String {
    let mut out = format!(
        "TXO v3 assessment: {} library files\n\n",
        assessment.library_files
    );
    for phase in &assessment.phases {
        out.push_str(&phase_line(phase));
        out.push('\n');
        for (key, count) in &phase.facts {
            out.push_str(&format!("    {:<40} {count}\n", fact_label(key)));
            for item in phase.items.iter().filter(|i| i.fact == *key) {
                out.push_str(&format!("        {}\n", item_line(item)));
            }
        }
    }
    out.push_str(
        "\nBy file (soft-fail / exits / global state / >50 lines / edits by phase / to review):\n",
    );
    for row in &assessment.files {
        out.push_str(&format!(
            "  {:<48} {:>3} {:>3} {:>3} {:>3}   {:<12} {:>3}\n",
            row.file,
            row.soft_fail,
            row.exits,
            row.global_state,
            row.over_50_lines,
            edits_by_phase(row),
            row.to_review
        ));
    }
    out
}

/// `file:line  name: detail (allowed: why)`.
fn item_line(item: &AssessItem) -> String {
    format!(
        "{}:{}  {}: {}{}",
        item.file,
        item.line,
        item.subject.name,
        item.subject.detail,
        allowed_note(item)
    )
}

fn allowed_note(item: &AssessItem) -> String {
    item.allowed
        .as_deref()
        .map(|why| format!(" (allowed: {why})"))
        .unwrap_or_default()
}

/// Per phase, a table of the items behind its counts.
fn markdown_items(phases: &[PhaseCounts]) -> String {
    let mut out = String::from("\n## Behind the counts\n");
    for phase in phases.iter().filter(|p| !p.items.is_empty()) {
        out.push_str(&format!(
            "\n### Phase {} — {}\n\n| Fact | Where | What | Detail |\n|---|---|---|---|\n",
            phase.phase, phase.title
        ));
        for item in &phase.items {
            out.push_str(&format!(
                "| {} | `{}:{}` | `{}` | {}{} |\n",
                fact_label(&item.fact),
                item.file,
                item.line,
                item.subject.name.replace('|', "\\|"),
                item.subject.detail.replace('|', "\\|"),
                allowed_note(item)
            ));
        }
    }
    out
}

fn edits_by_phase(row: &FileRow) -> String {
    let parts: Vec<String> = row
        .edits
        .iter()
        .map(|(phase, count)| format!("p{phase}:{count}"))
        .collect();
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(" ")
    }
}

pub fn markdown(assessment: &Assessment) -> String {
    let mut out = format!(
        "# TXO v3 assessment\n\n{} library files.\n\n## Phases\n\n| Phase | Will change | Files | To review | Facts |\n|---|---|---|---|---|\n",
        assessment.library_files
    );
    for phase in &assessment.phases {
        let facts: Vec<String> = phase
            .facts
            .iter()
            .map(|(k, v)| format!("{}: {v}", fact_label(k)))
            .collect();
        out.push_str(&format!(
            "| {} — {} | {} edits{} | {} | {} | {} |\n",
            phase.phase,
            phase.title,
            phase.edits,
            creates(phase),
            phase.files,
            phase.to_review,
            facts.join("; ")
        ));
    }
    out.push_str(&markdown_items(&assessment.phases));
    out.push_str("\n## Files\n\n| File | Soft-fail | sys.exit | Allowed exits | Global state | >50 lines | >100 lines | Thread-local | Edits by phase | To review |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for row in &assessment.files {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            row.file,
            row.soft_fail,
            row.exits,
            row.allowed_exits,
            row.global_state,
            row.over_50_lines,
            row.over_100_lines,
            row.thread_local,
            edits_by_phase(row),
            row.to_review
        ));
    }
    out
}
