//! Files a phase creates (e.g. the ConfigProxy module): where they go, and
//! what is on disk there already. `diff` shows them as new files, `apply`
//! writes and records them, `rollback` removes them.

use std::path::PathBuf;

use super::pass::{Creation, ScopedTransform};
use crate::project::Project;

/// A file a rule of the run would create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedFile {
    pub rule: usize,
    pub path: PathBuf,
    /// As shown to the user (and in the diff header).
    pub display: String,
    pub text: String,
    /// `if-exists: refuse`: a different file at the path refuses the phase
    /// (else it is left alone with a notice).
    pub refuse_if_different: bool,
}

/// What is at a created file's path now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDisk {
    Absent,
    /// The same bytes: nothing to do.
    Same,
    Different,
}

impl CreatedFile {
    pub fn on_disk(&self) -> OnDisk {
        match std::fs::read(&self.path) {
            Ok(bytes) if bytes == self.text.as_bytes() => OnDisk::Same,
            Ok(_) => OnDisk::Different,
            Err(_) if self.path.exists() => OnDisk::Different,
            Err(_) => OnDisk::Absent,
        }
    }

    /// Why the file is not created, when it is not; `None` when it is to be
    /// created or is already there as it would be.
    pub fn conflict(&self) -> Option<String> {
        (self.on_disk() == OnDisk::Different).then(|| {
            let policy = if self.refuse_if_different {
                "if-exists: refuse"
            } else {
                "if-exists: skip, so it is left as it is"
            };
            format!("{} exists with other content ({policy})", self.display)
        })
    }
}

/// Places the run's new files in their projects, sorted by path; a path
/// two rules create is kept once (the first rule's).
pub fn place(
    new_files: Vec<Creation>,
    projects: &[Project],
    transforms: &[Vec<ScopedTransform>],
) -> Vec<CreatedFile> {
    let mut placed: Vec<CreatedFile> = new_files
        .into_iter()
        .filter_map(|(project, rule, file)| {
            let root = &projects.get(project)?.root;
            let refuse = transforms
                .get(project)
                .and_then(|ts| ts.iter().find(|t| t.rule == rule))
                .and_then(|t| t.options.get("if-exists"))
                .is_some_and(|v| v == "refuse");
            let path = root.join(&file.path);
            Some(CreatedFile {
                rule,
                display: crate::project::shown_path(projects.len(), &file.path, &path),
                path,
                text: file.text,
                refuse_if_different: refuse,
            })
        })
        .collect();
    placed.sort_by(|a, b| a.path.cmp(&b.path));
    placed.dedup_by(|a, b| a.path == b.path);
    placed
}
