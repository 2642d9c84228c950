//! The edit engine: for one file, match all selected rules in one traversal,
//! render fixes, resolve overlaps, repeat until nothing changes (capped),
//! then verify that the result still parses.

pub mod builtins;
pub mod edits;
mod filters;
pub mod fix;
pub mod prefilter;
pub mod scan;
pub mod suppress;
pub mod template;

use std::collections::BTreeSet;

use tree_sitter::Tree;

pub use edits::{Edit, FileEdit};
use fix::{FixContext, render_fix};
pub use scan::{BlockedGroup, FileContext, Hit, RuleIndex};

use crate::analysis::imports::{self, ImportChange};
use crate::pattern::Bindings;
use crate::rules::Rule;
use crate::source::{NewlineStyle, Position};
use crate::syntax;

/// Passes after which a file that still changes is reported.
pub const MAX_PASSES: usize = 10;

/// A match reported to the user without an edit: a report-only rule, or a
/// fix that was refused (with the reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: usize,
    pub start: usize,
    pub end: usize,
    /// Where `start` and `end` are, resolved while the text is at hand so
    /// that files with findings only need not be kept for the report.
    pub from: Position,
    pub to: Position,
    pub message: String,
    pub reason: Option<String>,
    /// What the message was rendered from, so that it can be rendered again
    /// from the fixed text (see [`Finding::render_after_fixes`]).
    pub captures: Vec<(String, CaptureText)>,
}

/// A captured name: code in the original text, or derived text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureText {
    Span(std::ops::Range<usize>),
    Text(String),
}

impl Finding {
    /// The message rendered from the text after this file's fixes: a
    /// suggestion such as ``make it required (`$X[$K]`)`` must quote the
    /// code as it will be (`config["global"]`), not as it was
    /// (`config.get("global", {})`). Code an edit only partly covers keeps
    /// its original text.
    fn render_after_fixes(&mut self, rule: &Rule, original: &str, edits: &[FileEdit], fixed: &str) {
        self.message = rule.message.render(|name| {
            let text = match self.captures.iter().find(|(n, _)| n == name) {
                Some((_, CaptureText::Span(range))) => edits::map_range(edits, range.clone())
                    .and_then(|mapped| fixed.get(mapped))
                    .or_else(|| original.get(range.clone()))
                    .unwrap_or_default(),
                Some((_, CaptureText::Text(text))) => text.as_str(),
                None => "",
            };
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        });
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileWarning {
    /// The file already had syntax errors; nothing inside them was rewritten.
    SyntaxErrors { at: Position },
    /// The rewritten file did not parse (first error in the rewritten text);
    /// none of its edits are kept.
    FixBrokeSyntax { rules: Vec<usize>, at: Position },
    /// Rewriting had not settled after [`MAX_PASSES`] passes.
    PassCapReached { rules: Vec<usize> },
}

/// What the engine made of one file's text.
#[derive(Debug, Clone, Default)]
pub struct Rewrite {
    /// Edits on the original text; empty when nothing changes.
    pub edits: Vec<FileEdit>,
    pub new_text: Option<String>,
    pub findings: Vec<Finding>,
    pub warnings: Vec<FileWarning>,
    /// Groups whose blocking rule matched in this file.
    pub blocked_groups: BTreeSet<String>,
    /// Groups with a fix that matched in this file (applied or not).
    pub fixed_groups: BTreeSet<String>,
}

/// Captured text longer than this is cut in messages (with `…`), so that
/// nested matches (a chain of lookups) cost no more than linear time.
const MESSAGE_CAPTURE_CHARS: usize = 200;

/// Renders a rule message with captured text (whitespace runs folded).
pub fn render_message(rule: &Rule, bindings: &Bindings, source: &str) -> String {
    rule.message.render(|name| {
        bindings
            .get(name)
            .map(|c| message_capture(c.text(source)))
            .unwrap_or_default()
    })
}

/// Captured code as a message shows it: whitespace runs folded, cut (with
/// `…`) after [`MESSAGE_CAPTURE_CHARS`]. `check` quotes code this way too.
pub fn message_capture(text: &str) -> String {
    let cut = text.char_indices().nth(MESSAGE_CAPTURE_CHARS);
    let head = cut.map_or(text, |(at, _)| &text[..at]);
    let folded = head.split_whitespace().collect::<Vec<_>>().join(" ");
    if cut.is_some() {
        folded + "…"
    } else {
        folded
    }
}

/// Runs the selected rules over `text` until no fix applies.
pub fn rewrite(
    index: &RuleIndex,
    text: &str,
    first_tree: Tree,
    newline: NewlineStyle,
    context: &FileContext,
) -> Rewrite {
    let job = FileJob {
        index,
        original: text,
        newline,
        context,
    };
    let mut result = Rewrite::default();
    let original_errors = syntax::error_count(&first_tree);
    if let Some(error) = syntax::first_error(&first_tree) {
        result.warnings.push(FileWarning::SyntaxErrors {
            at: node_start(error, text),
        });
    }
    let (current, tree) = job.fix_until_settled(first_tree, &mut result);
    if result.edits.is_empty() {
        return result;
    }
    let (current, tree) = job.manage_imports(&mut result, current, tree);
    for finding in &mut result.findings {
        let rule = index.rules[finding.rule];
        finding.render_after_fixes(rule, text, &result.edits, &current);
    }
    // Edits never touch code inside an existing error, so any new error
    // node means a fix broke the file; so does a statement indented out of
    // line with its block (tree-sitter accepts it, Python does not).
    let broken = if syntax::error_count(&tree) > original_errors {
        syntax::first_error(&tree).or(Some(tree.root_node()))
    } else {
        syntax::misindented(&tree, &current)
            .filter(|_| syntax::misindented(&syntax::parse(text), text).is_none())
    };
    if let Some(problem) = broken {
        let at = node_start(problem, &current);
        result.warnings.push(FileWarning::FixBrokeSyntax {
            rules: edited_rules(&result.edits).into_iter().collect(),
            at,
        });
        result.edits.clear();
        return result;
    }
    result.new_text = Some(current);
    result
}

/// The tree of `next`, which is `current` (of `tree`) with `edits`: the
/// parser reuses what the edits leave alone, and tree-sitter makes that the
/// tree a parse from scratch gives. Where a tree has errors (the recovery
/// may then differ), `next` is parsed from scratch, the old tree dropped
/// first (two trees of a large file at once set the run's peak memory).
fn reparse(mut tree: Tree, current: &str, edits: &[Edit], next: &str) -> Tree {
    let mut parser = syntax::new_parser();
    if !tree.root_node().has_error() {
        edits::edit_tree(&mut tree, current, edits);
        let incremental = parser.parse(next, Some(&tree));
        drop(tree);
        match incremental {
            Some(new) if !new.root_node().has_error() => return new,
            _ => {}
        }
    } else {
        drop(tree);
    }
    syntax::parse_with(&mut parser, next)
}

fn node_start(node: tree_sitter::Node, text: &str) -> Position {
    let point = node.start_position();
    Position::of_point(text, point.row, point.column, node.start_byte())
}

/// The rules behind a file's edits, each once, in index order.
fn edited_rules(edits: &[FileEdit]) -> BTreeSet<usize> {
    edits.iter().flat_map(|e| e.rules.iter().copied()).collect()
}

/// Groups whose blocking rule matched: their fixes are withheld in this file.
fn blocked_groups<'r>(index: &RuleIndex<'r>, hits: &[Hit]) -> BTreeSet<&'r str> {
    hits.iter()
        .map(|hit| index.rules[hit.rule])
        .filter(|rule| rule.blocks_group)
        .filter_map(|rule| rule.group.as_deref())
        .collect()
}

/// What fixes need to know besides the match: the file's newline style,
/// the groups withheld in it, and the project.
struct Surroundings<'a, 'b> {
    newline: NewlineStyle,
    blocked: &'a BTreeSet<&'b str>,
    context: &'a FileContext<'a>,
}

/// One file being rewritten: the rules, its original text and what
/// surrounds it. Passes work on successive versions of the text.
struct FileJob<'a> {
    index: &'a RuleIndex<'a>,
    original: &'a str,
    newline: NewlineStyle,
    context: &'a FileContext<'a>,
}

impl FileJob<'_> {
    /// Scans and fixes pass after pass until nothing changes (at most
    /// [`MAX_PASSES`]); findings come from the first pass, on the original.
    fn fix_until_settled(&self, first_tree: Tree, result: &mut Rewrite) -> (String, Tree) {
        let mut current = self.original.to_string();
        let mut tree = first_tree;
        let mut blocked = BTreeSet::new();
        for pass in 0..=MAX_PASSES {
            let mut hits = self.index.scan(&tree, &current, self.context);
            if let Some(suppressions) = suppress::Suppressions::of(&current) {
                hits.retain(|hit| !self.suppressed(hit, &suppressions));
            }
            if pass == 0 {
                blocked = blocked_groups(self.index, &hits);
                result.blocked_groups = blocked.iter().map(|g| g.to_string()).collect();
                result.fixed_groups = hits
                    .iter()
                    .map(|hit| self.index.rules[hit.rule])
                    .filter(|rule| rule.fix.is_some())
                    .filter_map(|rule| rule.group.clone())
                    .collect();
            }
            let around = Surroundings {
                newline: self.newline,
                blocked: &blocked,
                context: self.context,
            };
            let findings = (pass == 0).then_some(&mut result.findings);
            let edits = collect_edits(self.index, &hits, &current, around, findings);
            if edits.is_empty() {
                break;
            }
            if pass == MAX_PASSES {
                let rules: BTreeSet<usize> = edits.iter().map(|e| e.rule).collect();
                result.warnings.push(FileWarning::PassCapReached {
                    rules: rules.into_iter().collect(),
                });
                break;
            }
            let Some((next, kept)) = self.apply_edits(&current, edits, result) else {
                break;
            };
            tree = reparse(tree, &current, &kept, &next);
            current = next;
        }
        (current, tree)
    }

    /// Whether a suppression comment on the first or last line of the match
    /// names its rule.
    fn suppressed(&self, hit: &Hit, suppressions: &suppress::Suppressions) -> bool {
        let rule = &self.index.rules[hit.rule].id;
        let (first, last) = (hit.node.start_position().row, hit.node.end_position().row);
        suppressions.covers(first + 1, rule) || suppressions.covers(last + 1, rule)
    }

    /// Applies edits to `current` (overlaps resolved, outer first) and folds
    /// them into the result's edits on the original text: the new text and
    /// the edits made. `None` when the text would not change.
    fn apply_edits(
        &self,
        current: &str,
        edits: Vec<Edit>,
        result: &mut Rewrite,
    ) -> Option<(String, Vec<Edit>)> {
        let (kept, _retry_next_pass) = edits::resolve_overlaps(edits);
        let next = edits::apply(current, &kept);
        if next == current {
            return None;
        }
        let earlier = std::mem::take(&mut result.edits);
        result.edits = edits::compose(self.original, current, earlier, &kept);
        Some((next, kept))
    }

    /// Applies the `imports` actions of the rules that edited this file:
    /// adds missing imports first, then drops imports nothing uses any more.
    fn manage_imports(
        &self,
        result: &mut Rewrite,
        mut current: String,
        mut tree: Tree,
    ) -> (String, Tree) {
        let editing = edited_rules(&result.edits);
        for removing in [false, true] {
            let changes = self.import_changes(&editing, removing, &tree, &current);
            if let Some((next, kept)) = self.apply_edits(&current, changes, result) {
                tree = reparse(tree, &current, &kept, &next);
                current = next;
            }
        }
        (current, tree)
    }

    /// Import edits of the editing rules: the additions, or the removals.
    fn import_changes(
        &self,
        editing: &BTreeSet<usize>,
        removing: bool,
        tree: &Tree,
        current: &str,
    ) -> Vec<Edit> {
        let root = tree.root_node();
        let mut changes = Vec::new();
        for &rule_index in editing {
            let Some(spec) = &self.index.rules[rule_index].imports else {
                continue;
            };
            if removing {
                let removals = spec
                    .remove_if_unused
                    .iter()
                    .filter_map(|module| imports::remove_unused_import(root, current, module));
                changes.extend(removals.map(|change| import_edit(change, current, rule_index)));
            } else {
                for entry in &spec.add {
                    self.add_import(entry, rule_index, root, current, &mut changes);
                }
            }
        }
        changes
    }

    /// Adds `from module import name` unless the file (or an earlier change)
    /// already imports it.
    fn add_import(
        &self,
        entry: &str,
        rule_index: usize,
        root: tree_sitter::Node,
        current: &str,
        changes: &mut Vec<Edit>,
    ) {
        let Some((module, name)) = crate::rules::load::parse_from_import(entry) else {
            return;
        };
        let module = module.replace(
            "$HELPFUL_ERROR_MODULE",
            &self.context.settings.helpful_error_module,
        );
        let already = changes
            .iter()
            .any(|e| e.replacement.contains(&format!("import {name}")));
        let newline = if self.newline == NewlineStyle::CrLf {
            "\r\n"
        } else {
            "\n"
        };
        if let Some(change) =
            imports::add_from_import(root, current, &module, name, newline).filter(|_| !already)
        {
            changes.push(import_edit(change, current, rule_index));
        }
    }
}

fn import_edit(change: ImportChange, source: &str, rule: usize) -> Edit {
    let message = "imports updated".to_string();
    match change {
        ImportChange::Insert { at, text } => Edit {
            start: at,
            end: at,
            replacement: text,
            rule,
            message,
        },
        ImportChange::Delete(node) => {
            let (range, replacement) = fix::deletion(node, source);
            Edit {
                start: range.start,
                end: range.end,
                replacement,
                rule,
                message,
            }
        }
    }
}

/// Fixes of this pass as edits; on the first pass also records report-only
/// and refused matches as findings.
fn collect_edits(
    index: &RuleIndex,
    hits: &[Hit],
    source: &str,
    around: Surroundings,
    mut findings: Option<&mut Vec<Finding>>,
) -> Vec<Edit> {
    let mut out = Vec::new();
    for hit in hits {
        let rule = index.rules[hit.rule];
        let mut bindings = hit.bindings.clone();
        let templates: Vec<&template::Template> = std::iter::once(&rule.message)
            .chain(rule.fix.as_ref())
            .collect();
        builtins::complete(
            &templates,
            rule,
            hit.node,
            source,
            around.context.settings,
            &mut bindings,
        );
        let message = render_message(rule, &bindings, source);
        match fix_hit(rule, hit, &bindings, source, &around) {
            HitOutcome::Edit(start, end, replacement) => {
                out.push(Edit {
                    start,
                    end,
                    replacement,
                    rule: hit.rule,
                    message,
                });
            }
            HitOutcome::Unchanged => {}
            HitOutcome::Report(reason) => {
                if let Some(findings) = findings.as_deref_mut() {
                    let range = hit.node.byte_range();
                    let end = hit.node.end_position();
                    findings.push(Finding {
                        rule: hit.rule,
                        start: range.start,
                        end: range.end,
                        from: node_start(hit.node, source),
                        to: Position::of_point(source, end.row, end.column, range.end),
                        message,
                        reason,
                        captures: capture_texts(&bindings),
                    });
                }
            }
        }
    }
    out
}

fn capture_texts(bindings: &Bindings) -> Vec<(String, CaptureText)> {
    bindings
        .iter()
        .map(|(name, captured)| {
            let text = match (captured, captured.byte_range()) {
                (crate::pattern::Captured::Text(text), _) => CaptureText::Text(text.clone()),
                (_, Some(range)) => CaptureText::Span(range),
                (_, None) => CaptureText::Text(String::new()),
            };
            (name.to_string(), text)
        })
        .collect()
}

/// What one match turns into.
enum HitOutcome {
    /// Replace `start..end` with the text.
    Edit(usize, usize, String),
    /// The fix changes nothing.
    Unchanged,
    /// Report it; with a reason when a fix exists but was refused.
    Report(Option<String>),
}

fn fix_hit(
    rule: &Rule,
    hit: &Hit,
    bindings: &Bindings,
    source: &str,
    around: &Surroundings,
) -> HitOutcome {
    let Some(template) = &rule.fix else {
        return HitOutcome::Report(None);
    };
    if around.context.test_code {
        return HitOutcome::Report(Some(
            "not rewritten: test code gets findings, not rewrites (set `rewrite-tests = true` in the project settings to rewrite it)".into(),
        ));
    }
    let elsewhere = rule.group.as_deref().and_then(|group| {
        let context = around.context;
        context.blocked_elsewhere.iter().find(|b| b.group == group)
    });
    if let Some(blocked) = elsewhere {
        return HitOutcome::Report(Some(format!(
            "not rewritten: `{}` code in {} has a shape txo-codemod cannot rewrite safely, and the group changes in every file or in none",
            blocked.group, blocked.file
        )));
    }
    if let Some(group) = rule.group.as_deref().filter(|g| around.blocked.contains(g)) {
        return HitOutcome::Report(Some(format!(
            "not rewritten: other `{group}` code in this file has a shape txo-codemod cannot rewrite safely"
        )));
    }
    let ctx = FixContext {
        source,
        node: hit.node,
        bindings,
        newline: around.newline,
    };
    let replacement = match render_fix(template, &ctx) {
        Ok(replacement) => replacement,
        Err(refused) => return HitOutcome::Report(Some(refused.reason().to_string())),
    };
    if let Some(quote) = fix::fstring_quote_conflict(hit.node, source, &replacement) {
        return HitOutcome::Report(Some(format!(
            "not rewritten: the fix would put {quote} inside an f-string quoted with {quote}, which needs Python 3.12"
        )));
    }
    let (range, replacement) = if replacement.trim().is_empty() {
        fix::deletion(hit.node, source)
    } else {
        (hit.node.byte_range(), replacement)
    };
    if replacement == source[range.clone()] {
        return HitOutcome::Unchanged;
    }
    HitOutcome::Edit(range.start, range.end, replacement)
}

#[cfg(test)]
mod tests;
