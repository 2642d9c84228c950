//! The run's plan: projects, the selected rules' per-project scopes,
//! prefilters, transforms and schemas.

use std::path::{Path, PathBuf};

use super::file::FileInRun;
use super::{Overlay, RunError};
use crate::analysis::NameMatcher;
use crate::engine::{RuleIndex, prefilter::Prefilter};
use crate::project::{FileScope, Project};
use crate::rules::Rule;
use crate::transforms::pass::ScopedTransform;

/// The selected rules with their per-project file scopes.
pub(super) struct Plan<'r> {
    pub(super) index: RuleIndex<'r>,
    /// One per project (config names differ).
    pub(super) prefilters: Vec<Prefilter>,
    pub(super) parse_every_file: bool,
    /// Transform rules do not make a file applicable (`RunOptions::edits_and_findings_only`).
    pub(super) pattern_rules_only: bool,
    pub(super) projects: Vec<Project>,
    /// scopes[project][rule]; `None` where the project does not run the rule.
    pub(super) scopes: Vec<Vec<Option<FileScope>>>,
    pub(super) config_names: Vec<NameMatcher>,
    /// transforms[project]: the transform rules it runs; a project with
    /// any is indexed (every file summarised during its parse).
    pub(super) transforms: Vec<Vec<ScopedTransform>>,
    /// index_reads[project]: which files its index holds.
    pub(super) index_reads: Vec<IndexReads>,
    /// class_facts[project]: whether a transform it runs reads every
    /// file's class facts (phase 5), whichever modules the index holds.
    pub(super) class_facts: Vec<bool>,
    /// Where files are read from: the disk, or what earlier phases leave.
    pub(super) overlay: &'r Overlay,
    /// The next run's transforms, to do their work ahead (`super::ahead`).
    pub(super) ahead: Option<super::ahead::Ahead>,
    /// One per project, loaded only when a rule has a `schema-default`
    /// constraint.
    pub(super) schemas: Vec<Option<crate::config_audit::schema::Schema>>,
}

/// Which of a project's files its index must hold (each parsed and
/// summarised for it): what its transforms' deferred work reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum IndexReads {
    /// No transform of the project reads an index.
    Nothing,
    /// One reads any module: every file.
    Every,
    /// Only these modules and packages (`Transform::index_reads`).
    Modules(Vec<String>),
}

impl IndexReads {
    fn of(transforms: &[ScopedTransform]) -> Self {
        let mut names = Vec::new();
        for scoped in transforms.iter().filter(|t| t.transform.needs_index()) {
            match scoped.transform.index_reads(&scoped.options) {
                Some(read) => names.extend(read),
                None => return IndexReads::Every,
            }
        }
        match transforms.iter().any(|t| t.transform.needs_index()) {
            true => IndexReads::Modules(names),
            false => IndexReads::Nothing,
        }
    }

    /// Whether the index holds the file at `relative`.
    pub(super) fn holds(&self, relative: &str) -> bool {
        match self {
            IndexReads::Nothing => false,
            IndexReads::Every => true,
            IndexReads::Modules(names) => {
                let module = crate::transforms::summary::module_name(relative);
                names
                    .iter()
                    .any(|name| crate::transforms::module_within(&module, name))
            }
        }
    }
}

/// Each input path belongs to the project that contains it; each file to the
/// project of the input path it was found under.
pub(crate) fn assign_projects(
    paths: &[PathBuf],
    files: &[PathBuf],
) -> Result<(Vec<Project>, Vec<usize>), RunError> {
    let mut projects: Vec<Project> = Vec::new();
    let mut path_project = Vec::new();
    for path in paths {
        let project = Project::discover(path)?;
        let index = match projects
            .iter()
            .position(|p| same_dir(&p.root, &project.root))
        {
            Some(index) => index,
            None => {
                projects.push(project);
                projects.len() - 1
            }
        };
        path_project.push((path, index));
    }
    let file_projects = files
        .iter()
        .map(|file| {
            path_project
                .iter()
                .filter(|(path, _)| file.starts_with(path))
                .max_by_key(|(path, _)| path.components().count())
                .map_or(0, |(_, index)| *index)
        })
        .collect();
    Ok((projects, file_projects))
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

pub(super) fn make_plan<'r>(
    rules: &[&'r Rule],
    projects: Vec<Project>,
    explicit: bool,
    overlay: &'r Overlay,
) -> Result<Plan<'r>, RunError> {
    let scopes = rule_scopes(rules, &projects, explicit)?;
    let config_names = projects
        .iter()
        .map(|project| {
            NameMatcher::new(&project.settings.config_names)
                .map_err(|e| RunError::ConfigNames(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let schemas = project_schemas(rules, &projects)?;
    // Its query is compiled beside the sweep (`super::run_inner`).
    let index = RuleIndex::deferred(rules.to_vec());
    let prefilters = config_names
        .iter()
        .map(|names| Prefilter::new(rules, names))
        .collect();
    let transforms = project_transforms(rules, &projects, &scopes)?;
    let index_reads = transforms.iter().map(|t| IndexReads::of(t)).collect();
    let class_facts = transforms
        .iter()
        .map(|t| t.iter().any(|t| t.transform.needs_class_facts()))
        .collect();
    Ok(Plan {
        index,
        prefilters,
        parse_every_file: false,
        pattern_rules_only: false,
        projects,
        scopes,
        config_names,
        transforms,
        index_reads,
        class_facts,
        overlay,
        ahead: None,
        schemas,
    })
}

/// scopes[project][rule]: the rule's file scope in the project; `None`
/// where the project does not run it.
pub(super) fn rule_scopes(
    rules: &[&Rule],
    projects: &[Project],
    explicit: bool,
) -> Result<Vec<Vec<Option<FileScope>>>, RunError> {
    projects
        .iter()
        .map(|project| {
            rules
                .iter()
                .map(|rule| {
                    if !explicit && !project.settings.runs_rule(&rule.id, rule.enabled) {
                        return Ok(None);
                    }
                    FileScope::new(&rule.files, &rule.ignores, &project.settings)
                        .map(Some)
                        .map_err(|e| RunError::Glob {
                            rule: rule.id.clone(),
                            message: e.to_string(),
                        })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .collect()
}

/// transforms[project]: [`scoped_transforms`] of each project.
pub(super) fn project_transforms(
    rules: &[&Rule],
    projects: &[Project],
    scopes: &[Vec<Option<FileScope>>],
) -> Result<Vec<Vec<ScopedTransform>>, RunError> {
    projects
        .iter()
        .zip(scopes)
        .map(|(project, scopes)| scoped_transforms(rules, scopes, &project.settings))
        .collect()
}

/// The transform rules a project runs, with its option overrides checked.
fn scoped_transforms(
    rules: &[&Rule],
    scopes: &[Option<FileScope>],
    settings: &crate::project::Settings,
) -> Result<Vec<ScopedTransform>, RunError> {
    let mut out = Vec::new();
    for (index, (rule, scope)) in rules.iter().zip(scopes).enumerate() {
        let (Some(call), Some(_)) = (rule.transform(), scope) else {
            continue;
        };
        let Some(transform) = crate::transforms::find(&call.name) else {
            continue;
        };
        let mut given = call.options.clone();
        if let Some(overrides) = settings.rule_options.get(&rule.id) {
            given.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let options = crate::transforms::options::resolve(transform.options(), &given).map_err(
            |(_, message)| RunError::TransformOptions {
                rule: rule.id.clone(),
                message,
            },
        )?;
        out.push(ScopedTransform {
            rule: index,
            transform,
            options,
        });
    }
    Ok(out)
}

impl Plan<'_> {
    /// A file's path as shown: relative to its project's root when the run
    /// has one project, however the paths were given; as walked when it
    /// spans several, so files of different projects cannot be confused.
    pub(super) fn display(&self, file: &FileInRun) -> String {
        crate::project::shown_path(self.projects.len(), file.relative, file.path)
    }
}

/// Each project's configuration schema, if a rule asks about it. A schema
/// that cannot be read counts as none here (`config-audit` reports it).
fn project_schemas(
    rules: &[&Rule],
    projects: &[Project],
) -> Result<Vec<Option<crate::config_audit::schema::Schema>>, RunError> {
    let wanted = rules
        .iter()
        .any(|rule| rule.constraints.iter().any(|c| c.schema_default.is_some()));
    projects
        .iter()
        .map(|project| match wanted {
            true => crate::config_audit::schema::load(project)
                .map(|(schema, _)| schema)
                .map_err(|e| RunError::Glob {
                    rule: "config-schema".into(),
                    message: e.to_string(),
                }),
            false => Ok(None),
        })
        .collect()
}

impl Plan<'_> {
    /// Per rule: whether its file scope in this file's project covers it
    /// (for a transform rule: and the run reports what the engine makes of
    /// such files, as `diff` does: their warnings, or that they are not UTF-8).
    pub(super) fn applicable(&self, file: &FileInRun) -> Vec<bool> {
        self.scopes[file.project]
            .iter()
            .zip(&self.index.rules)
            .map(|(scope, rule)| {
                scope.as_ref().is_some_and(|s| s.contains(file.relative))
                    && !(self.pattern_rules_only && rule.transform().is_some())
            })
            .collect()
    }

    /// Whether the project's transforms may need this file read: every
    /// file where one of them reads the project index (so the files a run
    /// reads, and the `get` methods it learns from them, do not depend on
    /// which modules the index holds), else only files in a transform's
    /// scope.
    pub(super) fn transforms_may_want(&self, file: &FileInRun) -> bool {
        let transforms = &self.transforms[file.project];
        self.index_reads[file.project] != IndexReads::Nothing
            || transforms.iter().any(|t| self.in_scope(t, file))
    }

    /// Whether the project's index holds this file's summary.
    pub(super) fn indexes(&self, file: &FileInRun) -> bool {
        self.index_reads[file.project].holds(file.relative)
    }

    /// [`Self::transforms_may_want`], knowing the file's bytes: it is
    /// parsed for them if the index holds it or its class facts are read,
    /// or if one of the transforms
    /// whose scope covers it may apply to it (`may_apply_to` on its path,
    /// `may_apply` on its text: the transforms' own prefilter).
    pub(super) fn transforms_want(&self, file: &FileInRun, bytes: &[u8]) -> bool {
        if self.indexes(file) || self.class_facts[file.project] {
            return true;
        }
        let settings = &self.projects[file.project].settings;
        let candidates: Vec<&ScopedTransform> = self.transforms[file.project]
            .iter()
            .filter(|t| self.in_scope(t, file) && t.transform.may_apply_to(file.relative, settings))
            .collect();
        if candidates.is_empty() {
            return false;
        }
        let text = String::from_utf8_lossy(bytes);
        candidates
            .iter()
            .any(|t| t.transform.may_apply_with(&text, &t.options))
    }

    /// The class facts an earlier run computed from this very text of the
    /// file (`key`), where they are all its project's transforms want of
    /// it: the index holds no summary of it, and none whose scope covers it
    /// may apply to it (`may_apply`, the test their preparation makes). The
    /// file then need not be parsed for them.
    pub(super) fn known_class_facts(
        &self,
        file: &FileInRun,
        text: &str,
        key: crate::transforms::pass::TextKey,
    ) -> Option<&crate::transforms::class_facts::ClassFacts> {
        if !self.class_facts[file.project] || self.indexes(file) {
            return None;
        }
        let may_apply = self.transforms[file.project]
            .iter()
            .any(|t| self.in_scope(t, file) && t.transform.may_apply(text));
        match may_apply {
            true => None,
            false => self.overlay.class_facts(file.path, key),
        }
    }

    /// Whether the transform's rule covers the file in its project.
    pub(super) fn in_scope(&self, transform: &ScopedTransform, file: &FileInRun) -> bool {
        self.scopes[file.project][transform.rule]
            .as_ref()
            .is_some_and(|s| s.contains(file.relative))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file<'a>(relative: &'a str) -> FileInRun<'a> {
        FileInRun {
            index: 0,
            path: Path::new(relative),
            relative,
            project: 0,
        }
    }

    /// Which files a phase's transforms have parsed: every file where one
    /// reads the project index (phase 3), else only library files whose
    /// text the transform may apply to (phase 4's extract-method).
    #[test]
    fn only_transforms_that_read_the_index_want_every_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pyproject.toml"), "").unwrap();
        let set = crate::rules::load::load_rule_set(&[], &crate::syntax::KindTable::new()).unwrap();
        let of_phase =
            |phase: u8| -> Vec<&Rule> { set.rules.iter().filter(|r| r.phase == phase).collect() };
        let overlay = Overlay::default();
        fn plan_for<'r>(root: &Path, rules: &[&'r Rule], overlay: &'r Overlay) -> Plan<'r> {
            let (projects, _) = assign_projects(&[root.to_path_buf()], &[]).unwrap();
            make_plan(rules, projects, false, overlay).unwrap()
        }
        let (library, script) = (file("utils/a.py"), file("scripts/run.py"));
        let long = format!("def f():\n{}", "    x = 1\n".repeat(60));
        let (with_def, without) = (long.as_bytes(), b"X = 1\n".as_slice());
        let short = b"def f():\n    pass\n".as_slice();

        let phase4 = of_phase(4);
        let split = plan_for(dir.path(), &phase4, &overlay);
        assert!(split.transforms_may_want(&library));
        assert!(!split.transforms_may_want(&script));
        assert!(split.transforms_want(&library, with_def));
        assert!(!split.transforms_want(&library, without));
        // Only a function over `max-lines` is split or reported.
        assert!(!split.transforms_want(&library, short));

        let phase3 = of_phase(3);
        let managers = plan_for(dir.path(), &phase3, &overlay);
        assert!(managers.transforms_may_want(&script));
        assert!(managers.transforms_want(&script, without));

        // Phase 5's transforms read every file's class facts and no
        // module's entry: every file is parsed, none summarised.
        let phase5 = of_phase(5);
        let slots = plan_for(dir.path(), &phase5, &overlay);
        assert!(slots.transforms_want(&script, without));
        assert!(!slots.indexes(&library));

        let phase1 = of_phase(1);
        assert!(!plan_for(dir.path(), &phase1, &overlay).transforms_may_want(&library));

        // Phase 6's scaffold reads only whether `tests` is a package, and
        // acts only in the `HelpfulError` module: every file is read (the
        // run learns the same from it as before), those two are parsed.
        let phase6 = of_phase(6);
        let scaffold = plan_for(dir.path(), &phase6, &overlay);
        let (tests, errors) = (file("tests/test_a.py"), file("utils/exceptions.py"));
        assert!(scaffold.transforms_may_want(&library));
        assert!(!scaffold.transforms_want(&library, with_def));
        assert!(!scaffold.indexes(&library));
        assert!(scaffold.transforms_want(&tests, without));
        assert!(scaffold.indexes(&tests));
        assert!(!scaffold.indexes(&file("tests_old.py")));
        assert!(scaffold.transforms_want(&errors, without));
        assert!(!scaffold.indexes(&errors));
    }
}
