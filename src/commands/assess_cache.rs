//! `assess`'s result cache: `.txo-codemod/cache/assess.json` under the
//! project's root holds the last assessment under one key. Every count can
//! depend on every library file (phase 3's project index), so the key is
//! the SHA-256 of all the run reads: the tool build (its embedded rules),
//! the user rule files, the paths and walk options, the project's root and
//! settings, each walked file's path and bytes, the configuration schemas
//! (phase 1's `schema-default`) and what is at each path a transform may
//! create. Any change there means a full run; a warm run costs the walk and
//! a hash of each file. The key is computed again after a full run and the
//! result stored only if it is unchanged (no file changed during the run).
//! Runs over several projects are not cached. The cache never fails a run:
//! one that cannot be read is a warning and a full run, one that cannot be
//! written a warning.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::assess::Assessment;
use crate::cache_files::{
    DIRECTORY, keep_out_of_git, read_stored, tool_identity, write_atomically,
};
use crate::project::{CanonicalDirs, Project};
use crate::rules::Rule;
use crate::run::RunOptions;

const FILE: &str = "assess.json";

/// Bumped when the stored data changes shape or meaning.
const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Stored {
    key: String,
    assessment: Assessment,
}

/// Where a run's assessment is cached, and under which key.
pub struct AssessCache {
    path: PathBuf,
    key: String,
    /// What the key is computed from, to compute it again after the run.
    inputs: Inputs,
}

struct Inputs {
    rule_dirs: Vec<PathBuf>,
    project: Project,
    files: Vec<PathBuf>,
    created: Vec<String>,
}

/// The cache of this run, and the assessment it holds if it is current.
pub struct Opened {
    pub cache: Option<AssessCache>,
    pub hit: Option<Assessment>,
    pub warnings: Vec<String>,
}

/// Opens the cache of a one-project run (`None` for other runs, or where
/// the walk or the project cannot be read: the run reports those).
pub fn open(rule_dirs: &[PathBuf], rules: &[&Rule], options: &RunOptions) -> Opened {
    let mut opened = Opened {
        cache: None,
        hit: None,
        warnings: Vec::new(),
    };
    let Some(inputs) = Inputs::gather(rule_dirs, rules, options) else {
        return opened;
    };
    let path = inputs.project.canonical_root.join(DIRECTORY).join(FILE);
    let key = inputs.key(options);
    match read_stored::<Stored>(&path) {
        Ok(Some(stored)) if stored.key == key => opened.hit = Some(stored.assessment),
        Ok(_) => {}
        Err(reason) => opened.warnings.push(format!(
            "ignoring the assess cache {}: {reason}",
            path.display()
        )),
    }
    opened.cache = Some(AssessCache { path, key, inputs });
    opened
}

impl AssessCache {
    /// Stores `assessment` if nothing it was computed from changed during
    /// the run; a warning when it cannot be written.
    pub fn save(self, assessment: &Assessment, options: &RunOptions) -> Option<String> {
        if self.inputs.key(options) != self.key {
            return None;
        }
        let stored = StoredRef {
            key: &self.key,
            assessment,
        };
        let written = serde_json::to_vec(&stored)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                let directory = self.path.parent().unwrap_or(Path::new("."));
                std::fs::create_dir_all(directory).map_err(|e| e.to_string())?;
                keep_out_of_git(directory);
                write_atomically(&self.path, &bytes)
            });
        written.err().map(|reason| {
            format!(
                "cannot write the assess cache {}: {reason}",
                self.path.display()
            )
        })
    }
}

#[derive(Serialize)]
struct StoredRef<'a> {
    key: &'a str,
    assessment: &'a Assessment,
}

impl Inputs {
    fn gather(rule_dirs: &[PathBuf], rules: &[&Rule], options: &RunOptions) -> Option<Inputs> {
        let files = crate::walk::python_files(&options.paths, options.walk).ok()?;
        let (mut projects, _) = crate::run::assign_projects(&options.paths, &files).ok()?;
        if projects.len() != 1 {
            return None;
        }
        let project = projects.pop()?;
        let created = created_paths(rules, &project);
        Some(Inputs {
            rule_dirs: rule_dirs.to_vec(),
            project,
            files,
            created,
        })
    }

    /// The hex SHA-256 of everything the assessment depends on.
    fn key(&self, options: &RunOptions) -> String {
        let mut key = Key::default();
        key.feed("format", FORMAT.to_string().as_bytes());
        key.feed("tool", tool_identity().as_bytes());
        for dir in &self.rule_dirs {
            rule_files(dir, &mut key);
        }
        for path in &options.paths {
            let path = path.canonicalize().unwrap_or_else(|_| path.clone());
            key.feed("path", path.to_string_lossy().as_bytes());
        }
        key.feed("no-ignore", &[u8::from(options.walk.no_ignore)]);
        let project = &self.project;
        key.feed("root", project.canonical_root.to_string_lossy().as_bytes());
        key.feed("settings", format!("{:?}", project.settings).as_bytes());
        let mut canonical = CanonicalDirs::default();
        let relatives: Vec<String> = (self.files.iter())
            .map(|file| project.relative_from(&canonical.absolute(file), file))
            .collect();
        for (relative, state) in relatives.iter().zip(file_states(&self.files, options)) {
            key.feed("file", relative.as_bytes());
            key.feed("bytes", &state);
        }
        let schemas =
            crate::config_audit::files::discover(project, &project.settings.config_schema);
        for schema in schemas.iter().flatten() {
            key.feed("schema", schema.relative.as_bytes());
            key.feed("bytes", &state_of(&schema.path));
        }
        for relative in &self.created {
            key.feed("created", relative.as_bytes());
            key.feed("bytes", &state_of(&project.root.join(relative)));
        }
        key.finish()
    }
}

/// SHA-256 over labelled, length-prefixed parts (no two inputs collide by
/// running into each other).
#[derive(Default)]
struct Key(Sha256);

impl Key {
    fn feed(&mut self, label: &str, bytes: &[u8]) {
        self.0.update(label.as_bytes());
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    fn finish(self) -> String {
        self.0
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Each file's state (see [`state_of`]), hashed in parallel.
fn file_states(files: &[PathBuf], options: &RunOptions) -> Vec<Vec<u8>> {
    let states = |files: &[PathBuf]| files.par_iter().map(|f| state_of(f)).collect();
    match rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .build()
    {
        Ok(pool) => pool.install(|| states(files)),
        Err(_) => files.iter().map(|f| state_of(f)).collect(),
    }
}

/// What is at `path`: `f` + the SHA-256 of its bytes, `absent`, or why it
/// cannot be read.
fn state_of(path: &Path) -> Vec<u8> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let mut state = b"f".to_vec();
            state.extend_from_slice(&Sha256::digest(&bytes));
            state
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => b"absent".to_vec(),
        Err(error) => format!("unreadable: {error}").into_bytes(),
    }
}

/// The rule files a `--rules` directory holds, as `rules::load` reads them
/// (every `*.yaml` / `*.yml` below it, by name), or why it cannot be read.
fn rule_files(dir: &Path, key: &mut Key) {
    key.feed("rules", dir.to_string_lossy().as_bytes());
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                let is_yaml = matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml")
                );
                if is_yaml && path.is_file() {
                    key.feed("rule-file", path.to_string_lossy().as_bytes());
                    key.feed("bytes", &state_of(path));
                }
            }
            Err(error) => key.feed("rule-error", error.to_string().as_bytes()),
        }
    }
}

/// The paths the transform rules the project runs may create.
fn created_paths(rules: &[&Rule], project: &Project) -> Vec<String> {
    let settings = &project.settings;
    let mut paths = Vec::new();
    for rule in rules {
        let Some(call) = rule.transform() else {
            continue;
        };
        let Some(transform) = crate::transforms::find(&call.name) else {
            continue;
        };
        if !settings.runs_rule(&rule.id, rule.enabled) {
            continue;
        }
        let mut given = call.options.clone();
        if let Some(overrides) = settings.rule_options.get(&rule.id) {
            given.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        if let Ok(options) = crate::transforms::options::resolve(transform.options(), &given) {
            paths.extend(transform.creates(&options));
        }
    }
    paths
}
