//! `bulk-matrix` and `bulk-summary`: fleet migrations on the CI system a
//! team already has. The matrix turns a `--repos-from` list into one CI job
//! per repository; the summary merges the jobs' `apply --json` outputs into
//! one table.

use std::path::Path;

use serde::Deserialize;
use serde_json::json;

use crate::cli::{BulkMatrixArgs, BulkSummaryArgs};
use crate::commands::{Exit, listed_repos, write_stdout};

/// GitHub Actions runs at most this many jobs from one matrix.
const MATRIX_LIMIT: usize = 256;

pub fn matrix(args: &BulkMatrixArgs) -> Exit {
    let text = match std::fs::read_to_string(&args.repos) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", args.repos.display());
            return Exit::Error;
        }
    };
    let repos: Vec<&str> = listed_repos(&text).collect();
    if repos.is_empty() {
        eprintln!("error: {} lists no repositories", args.repos.display());
        return Exit::Error;
    }
    if repos.len() > MATRIX_LIMIT {
        eprintln!(
            "warning: {} repositories; a GitHub Actions matrix runs at most {MATRIX_LIMIT} jobs, split the list",
            repos.len()
        );
    }
    let include: Vec<_> = repos
        .iter()
        .map(|repo| json!({ "repo": repo, "id": artifact_id(repo) }))
        .collect();
    let matrix = json!({ "include": include });
    match write_stdout(&format!("{matrix}\n")) {
        Ok(()) => Exit::Clean,
        Err(exit) => exit,
    }
}

/// A name usable for artifacts and files: `org/repo` → `org-repo`.
fn artifact_id(repo: &str) -> String {
    let id: String = repo
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    id.trim_matches(|c| c == '-' || c == '.').to_string()
}

/// The fields of an `apply --json` summary the table shows.
#[derive(Debug, Deserialize)]
struct Summary {
    repo: String,
    phase: u8,
    status: String,
    #[serde(default)]
    files_changed: usize,
    #[serde(default)]
    edits: usize,
    #[serde(default)]
    errors: Vec<String>,
}

/// One `apply --json` output holds an array of summaries (or one).
#[derive(Deserialize)]
#[serde(untagged)]
enum SummaryFile {
    Many(Vec<Summary>),
    One(Summary),
}

pub fn summary(args: &BulkSummaryArgs) -> Exit {
    let mut summaries = Vec::new();
    for file in &args.files {
        match read_summaries(file) {
            Ok(found) => summaries.extend(found),
            Err(message) => {
                eprintln!("error: {message}");
                return Exit::Error;
            }
        }
    }
    summaries.sort_by(|a, b| (&a.repo, a.phase).cmp(&(&b.repo, b.phase)));
    if let Err(exit) = write_stdout(&table(&summaries)) {
        return exit;
    }
    if summaries.iter().all(|s| succeeded(&s.status)) {
        Exit::Clean
    } else {
        Exit::Attention
    }
}

fn read_summaries(file: &Path) -> Result<Vec<Summary>, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let parsed: SummaryFile = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}: not an `apply --json` summary ({{repo, phase, status, …}} or a list of them): {e}",
            file.display()
        )
    })?;
    Ok(match parsed {
        SummaryFile::Many(many) => many,
        SummaryFile::One(one) => vec![one],
    })
}

fn succeeded(status: &str) -> bool {
    matches!(status, "applied" | "nothing-to-do")
}

fn table(summaries: &[Summary]) -> String {
    let mut out = String::from(
        "| Repository | Phase | Status | Files changed | Edits | Errors |\n|---|---|---|---|---|---|\n",
    );
    for s in summaries {
        let errors = s.errors.join("; ").replace('|', "\\|").replace('\n', " ");
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {errors} |\n",
            s.repo, s.phase, s.status, s.files_changed, s.edits
        ));
    }
    let failed = summaries.iter().filter(|s| !succeeded(&s.status)).count();
    let repos = {
        let mut names: Vec<&str> = summaries.iter().map(|s| s.repo.as_str()).collect();
        names.dedup();
        names.len()
    };
    out.push_str(&format!(
        "\n{repos} repositories, {} phase runs: {} edits in {} files; {failed} not applied\n",
        summaries.len(),
        summaries.iter().map(|s| s.edits).sum::<usize>(),
        summaries.iter().map(|s| s.files_changed).sum::<usize>(),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_ids_are_file_names() {
        assert_eq!(artifact_id("acme/billing-sync"), "acme-billing-sync");
        assert_eq!(artifact_id("../repos/a b"), "repos-a-b");
    }
}
