//! The edit engine: for one file, match all selected rules in one traversal,
//! render fixes, resolve overlaps, repeat until nothing changes (capped),
//! then verify that the result still parses.

pub mod builtins;
pub mod edits;
pub mod fix;
pub mod prefilter;
pub mod scan;
pub mod template;

use std::collections::BTreeSet;

use tree_sitter::Tree;

pub use edits::{Edit, FileEdit};
use fix::{FixContext, render_fix};
pub use scan::{FileContext, Hit, RuleIndex};

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
}

/// Renders a rule message with captured text (whitespace runs folded).
pub fn render_message(rule: &Rule, bindings: &Bindings, source: &str) -> String {
    rule.message.render(|name| {
        bindings
            .get(name)
            .map(|c| {
                c.text(source)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    })
}

/// Runs the selected rules over `text` until no fix applies.
pub fn rewrite(
    index: &RuleIndex,
    text: &str,
    first_tree: Tree,
    newline: NewlineStyle,
    context: &FileContext,
) -> Rewrite {
    let mut result = Rewrite::default();
    let original_errors = syntax::error_count(&first_tree);
    if let Some(error) = syntax::first_error(&first_tree) {
        result.warnings.push(FileWarning::SyntaxErrors {
            at: node_start(error, text),
        });
    }
    let mut current = text.to_string();
    let mut tree = first_tree;
    let mut blocked = BTreeSet::new();
    for pass in 0..=MAX_PASSES {
        let hits = index.scan(&tree, &current, context);
        if pass == 0 {
            blocked = blocked_groups(index, &hits);
        }
        let edits = collect_edits(
            index,
            &hits,
            &current,
            Surroundings {
                newline,
                blocked: &blocked,
                context,
            },
            (pass == 0).then_some(&mut result.findings),
        );
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
        let (kept, _retry_next_pass) = edits::resolve_overlaps(edits);
        let next = edits::apply(&current, &kept);
        if next == current {
            break;
        }
        result.edits = edits::compose(text, &current, std::mem::take(&mut result.edits), &kept);
        current = next;
        tree = syntax::parse(&current);
    }
    if result.edits.is_empty() {
        return result;
    }
    (current, tree) = manage_imports(index, &mut result, text, current, tree, newline, context);
    // Edits never touch code inside an existing error, so any new error
    // node means a fix broke the file.
    if syntax::error_count(&tree) > original_errors {
        let at = syntax::first_error(&tree)
            .map_or(Position { line: 1, column: 1 }, |n| node_start(n, &current));
        let rules: BTreeSet<usize> = result
            .edits
            .iter()
            .flat_map(|e| e.rules.iter().copied())
            .collect();
        result.warnings.push(FileWarning::FixBrokeSyntax {
            rules: rules.into_iter().collect(),
            at,
        });
        result.edits.clear();
        return result;
    }
    result.new_text = Some(current);
    result
}

fn node_start(node: tree_sitter::Node, text: &str) -> Position {
    let point = node.start_position();
    Position::of_point(text, point.row, point.column, node.start_byte())
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

/// Applies the `imports` actions of the rules that edited this file: adds
/// missing imports first, then drops imports nothing uses any more.
fn manage_imports(
    index: &RuleIndex,
    result: &mut Rewrite,
    original: &str,
    mut current: String,
    mut tree: Tree,
    newline: NewlineStyle,
    context: &FileContext,
) -> (String, Tree) {
    let editing: BTreeSet<usize> = result
        .edits
        .iter()
        .flat_map(|e| e.rules.iter().copied())
        .collect();
    let newline_text = if newline == NewlineStyle::CrLf {
        "\r\n"
    } else {
        "\n"
    };
    for removing in [false, true] {
        let mut changes = Vec::new();
        for &rule_index in &editing {
            let Some(spec) = &index.rules[rule_index].imports else {
                continue;
            };
            let root = tree.root_node();
            if removing {
                for module in &spec.remove_if_unused {
                    if let Some(change) = imports::remove_unused_import(root, &current, module) {
                        changes.push(import_edit(change, &current, rule_index));
                    }
                }
                continue;
            }
            for entry in &spec.add {
                let Some((module, name)) = crate::rules::load::parse_from_import(entry) else {
                    continue;
                };
                let module = module.replace(
                    "$HELPFUL_ERROR_MODULE",
                    &context.settings.helpful_error_module,
                );
                let already = changes
                    .iter()
                    .any(|e: &Edit| e.replacement.contains(&format!("import {name}")));
                if let Some(change) =
                    imports::add_from_import(root, &current, &module, name, newline_text)
                        .filter(|_| !already)
                {
                    changes.push(import_edit(change, &current, rule_index));
                }
            }
        }
        if changes.is_empty() {
            continue;
        }
        let (kept, _) = edits::resolve_overlaps(changes);
        let next = edits::apply(&current, &kept);
        result.edits = edits::compose(original, &current, std::mem::take(&mut result.edits), &kept);
        current = next;
        tree = syntax::parse(&current);
    }
    (current, tree)
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
                    });
                }
            }
        }
    }
    out
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
mod tests {
    use super::*;
    use crate::analysis::NameMatcher;
    use crate::project::Settings;
    use crate::rules::load::{RuleSource, load_sources};
    use crate::syntax::KindTable;

    fn run(rule_yaml: &str, code: &str) -> Rewrite {
        let header = "id: r\nphase: 1\ntitle: t\nmessage: m\nseverity: info\nbreaking: none\n";
        let source = RuleSource {
            name: "r.yaml".into(),
            text: format!("{header}{rule_yaml}"),
        };
        let rules = load_sources(&[source], &KindTable::new()).unwrap();
        let index = RuleIndex::new(rules.iter().collect()).unwrap();
        let settings = Settings::default();
        let names = NameMatcher::new(&settings.config_names).unwrap();
        let context = FileContext {
            applicable: &[true],
            config_names: &names,
            settings: &settings,
        };
        rewrite(
            &index,
            code,
            syntax::parse(code),
            NewlineStyle::Lf,
            &context,
        )
    }

    #[test]
    fn a_rule_that_never_settles_hits_the_pass_cap() {
        let result = run(
            "match:\n  pattern: grow($X)\nfix: grow(grow($X))\n",
            "grow(1)\n",
        );
        assert!(
            matches!(result.warnings.as_slice(), [FileWarning::PassCapReached { rules }] if rules == &[0])
        );
        let text = result.new_text.unwrap();
        assert_eq!(text.matches("grow").count(), 1 + MAX_PASSES);
    }

    #[test]
    fn nested_matches_converge_and_compose_into_one_edit() {
        let result = run(
            "match:\n  pattern: $X.get($K, $D)\nfix: $X[$K]\n",
            "v = c.get('a', {}).get('b', {}).get('c', 0)\n",
        );
        assert_eq!(result.new_text.as_deref(), Some("v = c['a']['b']['c']\n"));
        assert_eq!(result.edits.len(), 1);
        assert_eq!(result.edits[0].rules, [0, 0, 0]);
        assert!(result.warnings.is_empty());
    }

    #[test]
    fn a_fix_that_breaks_syntax_is_not_kept() {
        let result = run("match:\n  pattern: f($X)\nfix: 'f($X'\n", "f(1)\n");
        assert!(result.new_text.is_none());
        assert!(matches!(
            result.warnings.as_slice(),
            [FileWarning::FixBrokeSyntax { .. }]
        ));
    }

    #[test]
    fn code_inside_a_syntax_error_is_not_rewritten() {
        let result = run(
            "match:\n  pattern: f($X)\nfix: g($X)\n",
            "f(1)\nx = (f(2)\n",
        );
        assert_eq!(result.new_text.as_deref(), Some("g(1)\nx = (f(2)\n"));
        assert!(matches!(
            result.warnings.first(),
            Some(FileWarning::SyntaxErrors { .. })
        ));
    }
}
