//! The hook plumbing: what a command learns from each parsed file on the
//! run's own parse.

use std::path::Path;

use tree_sitter::Tree;

/// More to learn from each parsed file, on the run's own parse (`assess`
/// audits library files while the rules run, so no file is parsed twice).
pub trait ParsedFileHook: Sync {
    type Output: Send;
    /// Whether the file at `index` (in walk order) is wanted, even where no
    /// rule applies to it.
    fn wants(&self, index: usize) -> bool;
    /// Called once per wanted file, with its text and tree, or `None` when
    /// it could not be read or decoded.
    fn parsed(&self, index: usize, path: &Path, parsed: Option<(&str, &Tree)>) -> Self::Output;
}

/// No hook: the plain run.
pub(super) struct NoHook;

impl ParsedFileHook for NoHook {
    type Output = ();
    fn wants(&self, _: usize) -> bool {
        false
    }
    fn parsed(&self, _: usize, _: &Path, _: Option<(&str, &Tree)>) {}
}
