//! Which project each audited file belongs to, with that project's
//! settings compiled (library and entry-point globs, configuration names).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::analysis::NameMatcher;
use crate::project::{CanonicalDirs, FileScope, Project};
use crate::run::RunError;

/// A project with its settings compiled: which files are library code,
/// which are entry points, which names hold configuration.
pub(super) struct ProjectScopes {
    pub project: Project,
    pub library: FileScope,
    pub entry_points: FileScope,
    pub names: NameMatcher,
}

impl ProjectScopes {
    fn new(project: Project) -> Result<Self, RunError> {
        let settings = &project.settings;
        let library = FileScope::listed(&settings.library, settings).map_err(glob_error)?;
        let entry_points =
            FileScope::listed(&settings.entry_points, settings).map_err(glob_error)?;
        let names = NameMatcher::new(&settings.config_names)
            .map_err(|e| RunError::ConfigNames(e.to_string()))?;
        Ok(ProjectScopes {
            project,
            library,
            entry_points,
            names,
        })
    }
}

/// A file's project (an index) and its path relative to the project root.
pub(super) type Assignment = (usize, String);

/// Each file's project (the nearest one above it, so one run can audit
/// several projects) and its path relative to that project's root.
/// Discovery and canonicalisation run once per directory, not per file.
pub(super) fn assign_projects(
    files: &[PathBuf],
) -> Result<(Vec<ProjectScopes>, Vec<Assignment>), RunError> {
    let mut projects: Vec<ProjectScopes> = Vec::new();
    let mut directories: HashMap<&Path, usize> = HashMap::new();
    let mut canonical = CanonicalDirs::default();
    let mut assigned = Vec::with_capacity(files.len());
    for file in files {
        let directory = file.parent().unwrap_or(Path::new(""));
        let index = match directories.get(directory) {
            Some(&index) => index,
            None => {
                let index = project_index(&mut projects, Project::discover(file)?)?;
                *directories.entry(directory).or_insert(index)
            }
        };
        let relative = projects[index]
            .project
            .relative_from(&canonical.absolute(file), file);
        assigned.push((index, relative));
    }
    Ok((projects, assigned))
}

/// The index of `project` in `projects`, added if its root is new.
fn project_index(projects: &mut Vec<ProjectScopes>, project: Project) -> Result<usize, RunError> {
    let known = projects
        .iter()
        .position(|p| p.project.canonical_root == project.canonical_root);
    match known {
        Some(index) => Ok(index),
        None => {
            projects.push(ProjectScopes::new(project)?);
            Ok(projects.len() - 1)
        }
    }
}

fn glob_error(error: globset::Error) -> RunError {
    RunError::Glob {
        rule: "project settings".into(),
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walk::{self, WalkOptions};

    #[test]
    fn each_file_belongs_to_the_nearest_project() {
        let dir = tempfile::tempdir().unwrap();
        let write = |path: &str, text: &str| {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("pyproject.toml", "");
        write("utils/a.py", "");
        write("utils/b.py", "");
        write("inner/txo-codemod.toml", "library = [\"lib/**\"]\n");
        write("inner/lib/c.py", "");
        write("inner/utils/d.py", "");
        let root = dir.path().to_path_buf();
        let files =
            walk::python_files(std::slice::from_ref(&root), WalkOptions::default()).unwrap();
        let (projects, assigned) = assign_projects(&files).unwrap();
        assert_eq!(projects.len(), 2);
        let mut seen: Vec<(bool, &str)> = assigned
            .iter()
            .map(|(index, relative)| {
                (
                    projects[*index].library.contains(relative),
                    relative.as_str(),
                )
            })
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            [
                (false, "utils/d.py"),
                (true, "lib/c.py"),
                (true, "utils/a.py"),
                (true, "utils/b.py")
            ]
        );
    }
}
