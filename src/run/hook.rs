//! The hook plumbing: what a command learns from each parsed file on the
//! run's own parse.

use std::path::Path;

use tree_sitter::{Parser, Tree};

/// More to learn from each parsed file, on the run's own parse (`assess`
/// audits library files while the rules run, so no file is parsed twice).
pub trait ParsedFileHook: Sync {
    type Output: Send;
    /// Whether a wanted file the run would not parse (no rule applies, no
    /// transform wants it) is handed to [`Self::text`] unparsed, rather
    /// than parsed for the hook.
    const TEXT_SUFFICES: bool = false;
    /// Whether the file at `index` (in walk order) is wanted, even where no
    /// rule applies to it.
    fn wants(&self, index: usize) -> bool;
    /// Called once per wanted file, with its text and tree, or `None` when
    /// it could not be read or decoded, or is over a limit.
    fn parsed(&self, index: usize, path: &Path, parsed: Option<(&str, &Tree)>) -> Self::Output;
    /// With [`Self::TEXT_SUFFICES`], called instead of [`Self::parsed`] for a
    /// wanted file the run does not parse: its text, within the size and
    /// indentation limits (its tree's depth is unchecked), and the worker's
    /// parser. By default it parses the file within the limits.
    fn text(&self, index: usize, path: &Path, text: &str, parser: &mut Parser) -> Self::Output {
        let tree = crate::limits::parse_within(parser, text).ok();
        self.parsed(index, path, tree.as_ref().map(|tree| (text, tree)))
    }
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
