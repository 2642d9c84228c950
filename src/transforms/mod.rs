//! Named, code-implemented transforms: what pattern + fix templates cannot
//! express (move functions into a class, extract a method, create a file).
//!
//! A YAML rule invokes one by name with options:
//!
//! ```yaml
//! transform:
//!   name: globals-to-manager
//!   options: { deprecate: auto }
//! ```
//!
//! The interface, in the order a run uses it:
//! 1. [`Transform::may_apply`]: a cheap text test; files that fail it are
//!    never handed to the transform.
//! 2. [`Transform::prepare`]: runs on one file's tree during the run's one
//!    parse of it, in parallel. It returns [`Pending`] work that owns what it
//!    needs (no tree: trees are not kept after the parse).
//! 3. Once every file of the run is parsed, the run builds a
//!    [`ProjectIndex`] per project (module → top-level names, who imports or
//!    references which name) and calls each [`Pending`] with it.
//! 4. Each call returns [`TransformOutput`]s: a [`ChangeSet`] (edits to one
//!    or several files, new files) applied as a unit, or a [`Refusal`]
//!    reported as a finding. A change set that cannot be applied whole
//!    (overlapping edits, a file that would not parse) is refused whole.
//!
//! Transforms live one per file in this folder and are listed in
//! [`REGISTRY`]; no transform holds state between files.

pub mod bound;
pub mod changes;
pub mod class_facts;
pub mod config_chain;
pub mod context;
pub mod created;
pub mod dataclass_slots;
pub mod extract_method;
pub mod globals_to_manager;
pub mod index;
pub mod lines;
pub mod options;
pub mod outcome;
pub mod pass;
pub mod phase5;
pub mod scaffold;
pub mod session_cache;
pub mod slots_weakref;
pub mod summary;
pub mod target;
pub mod thread_local;

use std::collections::BTreeMap;

pub use index::ProjectIndex;
pub use options::{OptionSpec, Options};

use crate::project::Settings;
use crate::source::{NewlineStyle, Position};

/// One transform, invoked by name from rules.
pub trait Transform: Sync {
    fn name(&self) -> &'static str;
    /// One line for `rules show`.
    fn summary(&self) -> &'static str;
    /// The options a rule may set, with their allowed values and defaults.
    fn options(&self) -> &'static [OptionSpec];
    /// Whether the file's text may need this transform (no false negatives).
    fn may_apply(&self, text: &str) -> bool;
    /// [`Self::may_apply`] knowing the rule's options: a closer test, made
    /// once per file before it is parsed for the transform.
    fn may_apply_with(&self, text: &str, _options: &Options) -> bool {
        self.may_apply(text)
    }
    /// Inspects one parsed file; what needs the whole project is deferred.
    fn prepare(&self, file: &FileInput) -> Vec<Pending>;
    /// Whether the project index must carry class facts (layouts, weak
    /// references, attribute stores) from every file, whatever
    /// [`Self::index_reads`] says of modules; off by default, so runs that
    /// do not need them pay nothing.
    fn needs_class_facts(&self) -> bool {
        false
    }
    /// Whether its deferred work reads the project index; when no transform
    /// of a project does, no file of it is summarised for one.
    fn needs_index(&self) -> bool {
        true
    }
    /// The modules whose index entries its deferred work reads (a name
    /// also covers the package's modules, `name.*`); `None`: any, so every
    /// file of the project is parsed and summarised. A phase whose
    /// transforms all name theirs parses only those files for the index.
    fn index_reads(&self, _options: &Options) -> Option<Vec<String>> {
        None
    }
    /// Whether the file at `relative` may need this transform, before its
    /// text is read (no false negatives; [`Self::may_apply`] then reads it).
    fn may_apply_to(&self, _relative: &str, _settings: &Settings) -> bool {
        true
    }
    /// The files (relative to the project root) it may create: whether one
    /// is there already decides what it does, so `assess`'s cache keys on them.
    fn creates(&self, _options: &Options) -> Vec<String> {
        Vec::new()
    }
}

/// Whether `module` is `name` or one of the package `name`'s modules.
pub fn module_within(module: &str, name: &str) -> bool {
    module == name
        || module
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// What a transform sees of one file.
pub struct FileInput<'a> {
    /// The file's id in the run (its position in walk order).
    pub file: usize,
    /// Its path relative to the project root, `/`-separated.
    pub relative: &'a str,
    pub text: &'a str,
    pub tree: &'a tree_sitter::Tree,
    pub newline: NewlineStyle,
    /// The rule's options, defaults and project overrides resolved.
    pub options: &'a Options,
    pub settings: &'a Settings,
}

/// Work a transform left for after the project index is built.
pub type Pending = Box<dyn FnOnce(&ProjectIndex) -> Vec<TransformOutput> + Send>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransformOutput {
    Change(ChangeSet),
    Refusal(Refusal),
}

/// Edits to one or several files plus files to create, applied together
/// or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChangeSet {
    /// Shown with each edit (e.g. "module state moves into `OAuthManager`").
    pub message: String,
    /// Replacements on the files' original texts, by file id.
    pub edits: Vec<FileChange>,
    /// Files to create (see `created.rs`: `/dev/null` diffs, the ledger,
    /// rollback). With edits, they go together: a file in the way refuses
    /// the edits too (`changes::merge`).
    pub new_files: Vec<NewFile>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub file: usize,
    pub start: usize,
    pub end: usize,
    pub replacement: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    /// Relative to the project root, `/`-separated.
    pub path: String,
    pub text: String,
}

/// Why a transform left (part of) a file alone; becomes a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub file: usize,
    pub start: usize,
    pub end: usize,
    pub from: Position,
    pub to: Position,
    /// What was found (e.g. "module state `_cache`").
    pub message: String,
    /// Why it was not rewritten, and what to do instead.
    pub reason: String,
}

impl Refusal {
    /// A refusal located at `start..end` of `text`.
    pub fn at(
        file: usize,
        text: &str,
        range: std::ops::Range<usize>,
        message: String,
        reason: String,
    ) -> Self {
        Refusal {
            file,
            start: range.start,
            end: range.end,
            from: Position::of(text, range.start),
            to: Position::of(text, range.end),
            message,
            reason,
        }
    }
}

/// Every transform rules can name.
pub static REGISTRY: &[&dyn Transform] = &[
    &globals_to_manager::GlobalsToManager,
    &extract_method::ExtractMethod,
    &phase5::DataclassSlots,
    &phase5::SlotsWeakref,
    &scaffold::CONFIG_PROXY,
    &scaffold::METHOD_METRICS,
    &thread_local::ThreadLocalCache,
    &session_cache::ThreadLocalSessionRewrite,
    &config_chain::ConfigChainToRequire,
];

pub fn find(name: &str) -> Option<&'static dyn Transform> {
    REGISTRY.iter().copied().find(|t| t.name() == name)
}

/// Names of all transforms, for error messages.
pub fn names() -> Vec<&'static str> {
    REGISTRY.iter().map(|t| t.name()).collect()
}

/// A rule's resolved transform call.
#[derive(Debug, Clone)]
pub struct TransformCall {
    pub name: String,
    /// Options as the rule sets them (defaults filled in at load time);
    /// projects override them under `rule-options.<rule-id>`.
    pub options: BTreeMap<String, String>,
}
