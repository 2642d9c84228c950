//! `check`'s content-hash cache: per project, `.txo-codemod/cache/check.json`
//! holds each library file's findings under the SHA-256 of its bytes, for
//! one key (tool build and the project's settings: a change to either
//! invalidates every entry). A warm `check` reads and hashes each file
//! instead of auditing it. Each run prunes it: an entry stays only for a
//! file of the run (its findings, cached or new) or, for a file the run did
//! not cover (a run over a few paths, as pre-commit makes), one that still
//! exists; so entries of deleted, changed or unreadable files do not
//! accumulate. The cache never fails a run: one that cannot be read or
//! written is named in a warning and the run goes on without it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{ASSESS_ONLY, AuditFinding, CHECKS};
use crate::analysis::subject::Subject;
use crate::cache_files::{
    DIRECTORY, keep_out_of_git, read_stored, tool_identity, write_atomically,
};
use crate::project::Project;
use crate::rules::Severity;

/// The cache's file, in the caches' directory under a project's root.
const FILE: &str = "check.json";

/// Bumped when the cached data changes shape or meaning.
const FORMAT: u32 = 1;

/// SHA-256 of a file's bytes.
pub type ContentHash = [u8; 32];

pub fn content_hash(bytes: &[u8]) -> ContentHash {
    Sha256::digest(bytes).into()
}

/// One project's cache as stored.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Stored {
    key: String,
    /// By path relative to the project root.
    files: HashMap<String, Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// Hex SHA-256 of the file's bytes.
    hash: String,
    findings: Vec<CachedFinding>,
}

/// An `AuditFinding` without its file (shown paths depend on the run).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedFinding {
    rule: String,
    severity: Severity,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: String,
    allowed: Option<String>,
    source_line: String,
    subject: Subject,
}

/// The caches of a run's projects, loaded before the files are audited.
pub struct Caches {
    projects: Vec<ProjectCache>,
}

struct ProjectCache {
    /// The project's (canonical) root.
    root: PathBuf,
    path: PathBuf,
    key: String,
    entries: HashMap<String, Entry>,
}

/// What the run did with a file's cache entry.
pub enum Use {
    /// Its findings came from the entry.
    Hit,
    /// It was audited: these findings replace any entry.
    New(Entry),
}

/// A library file's use of the cache: (project, relative path, use).
pub type Noted = (usize, String, Use);

impl Caches {
    /// Loads each project's cache (`projects` in the plan's order);
    /// problems are pushed to `warnings` and that cache starts empty.
    pub fn load<'p>(
        projects: impl Iterator<Item = &'p Project>,
        warnings: &mut Vec<String>,
    ) -> Caches {
        let tool = tool_identity();
        let projects = projects
            .map(|project| {
                // The resolved root: `root` can be spelled `./src/..` after discovery.
                let path = project.canonical_root.join(DIRECTORY).join(FILE);
                let key = format!("{FORMAT}/{tool}/{:x}", settings_hash(project));
                let entries = match read_stored::<Stored>(&path) {
                    Ok(Some(stored)) if stored.key == key => stored.files,
                    Ok(_) => HashMap::new(),
                    Err(reason) => {
                        warnings.push(format!(
                            "ignoring the check cache {}: {reason}",
                            path.display()
                        ));
                        HashMap::new()
                    }
                };
                ProjectCache {
                    root: project.canonical_root.clone(),
                    path,
                    key,
                    entries,
                }
            })
            .collect();
        Caches { projects }
    }

    /// The cached findings of a file of `project` whose bytes hash to
    /// `hash`, each in `file` (its shown path); `None` on a miss.
    pub fn lookup(
        &self,
        project: usize,
        relative: &str,
        hash: &ContentHash,
        file: &str,
    ) -> Option<Vec<AuditFinding>> {
        let entry = self.projects[project].entries.get(relative)?;
        (entry.hash == hex(hash)).then_some(())?;
        entry
            .findings
            .iter()
            .map(|cached| cached.to_finding(file))
            .collect()
    }

    /// Writes each project's cache (atomically) with the entries of the
    /// run's files (`run_files`: project and relative path of each; `noted`:
    /// those whose findings were cached or are new) and, of the others, those
    /// whose file still exists; only caches that changed are written.
    /// Problems are pushed to `warnings`.
    pub fn save<'r>(
        mut self,
        run_files: impl Iterator<Item = (usize, &'r str)>,
        noted: Vec<Noted>,
        warnings: &mut Vec<String>,
    ) {
        let mut in_run: Vec<HashSet<&str>> = vec![HashSet::new(); self.projects.len()];
        for (project, relative) in run_files {
            in_run[project].insert(relative);
        }
        let mut kept: Vec<HashMap<String, Entry>> = vec![HashMap::new(); self.projects.len()];
        let mut changed = vec![false; self.projects.len()];
        for (project, relative, used) in noted {
            let entry = match used {
                Use::Hit => self.projects[project].entries.remove(&relative),
                Use::New(entry) => {
                    changed[project] = true;
                    Some(entry)
                }
            };
            kept[project].extend(entry.map(|entry| (relative, entry)));
        }
        for (index, cache) in self.projects.iter_mut().enumerate() {
            for (relative, entry) in cache.entries.drain() {
                let elsewhere = !in_run[index].contains(relative.as_str());
                if elsewhere && cache.root.join(&relative).is_file() {
                    kept[index].insert(relative, entry);
                } else {
                    // Deleted, or in the run without findings to keep
                    // (unreadable, not UTF-8, over a limit): dropped.
                    changed[index] = true;
                }
            }
            cache.entries = std::mem::take(&mut kept[index]);
        }
        for (cache, _) in self.projects.into_iter().zip(changed).filter(|(_, c)| *c) {
            let shown = cache.path.display().to_string();
            if let Err(reason) = cache.write() {
                warnings.push(format!("cannot write the check cache {shown}: {reason}"));
            }
        }
    }
}

/// What to cache for a file whose bytes hash to `hash`.
pub fn entry(hash: &ContentHash, findings: &[AuditFinding]) -> Entry {
    Entry {
        hash: hex(hash),
        findings: findings.iter().map(CachedFinding::from).collect(),
    }
}

impl ProjectCache {
    fn write(self) -> Result<(), String> {
        let directory = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(directory).map_err(|e| e.to_string())?;
        keep_out_of_git(directory);
        let stored = Stored {
            key: self.key,
            files: self.entries,
        };
        let bytes = serde_json::to_vec(&stored).map_err(|e| e.to_string())?;
        write_atomically(&self.path, &bytes)
    }
}

/// A hash of every setting of the project (any change invalidates the
/// whole cache, as the issue asks: simpler than knowing which matter).
fn settings_hash(project: &Project) -> u64 {
    let described = format!("{:?}", project.settings);
    let digest = Sha256::digest(described.as_bytes());
    u64::from_le_bytes(digest[..8].try_into().unwrap_or_default())
}

fn hex(hash: &ContentHash) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `'static` id of a check or assessment fact, `None` for an unknown one.
fn rule_id(rule: &str) -> Option<&'static str> {
    let mut known = CHECKS.iter().chain(ASSESS_ONLY).map(|(id, ..)| *id);
    known.find(|id| *id == rule)
}

impl From<&AuditFinding> for CachedFinding {
    fn from(finding: &AuditFinding) -> Self {
        CachedFinding {
            rule: finding.rule.to_string(),
            severity: finding.severity,
            line: finding.line,
            column: finding.column,
            end_line: finding.end_line,
            end_column: finding.end_column,
            message: finding.message.clone(),
            allowed: finding.allowed.clone(),
            source_line: finding.source_line.clone(),
            subject: finding.subject.clone(),
        }
    }
}

impl CachedFinding {
    /// The finding, in `file`; `None` if its rule is unknown to this build.
    fn to_finding(&self, file: &str) -> Option<AuditFinding> {
        Some(AuditFinding {
            rule: rule_id(&self.rule)?,
            severity: self.severity,
            file: file.to_string(),
            line: self.line,
            column: self.column,
            end_line: self.end_line,
            end_column: self.end_column,
            message: self.message.clone(),
            allowed: self.allowed.clone(),
            source_line: self.source_line.clone(),
            suppressed: false,
            subject: self.subject.clone(),
        })
    }
}
