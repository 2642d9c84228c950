//! Phase 4's extract-method: splits functions over the length limit into
//! helpers, one block at a time, only where the flow analysis shows the
//! split keeps behaviour; everything else is reported with the reason and
//! the signature a person would need.
//!
//! `plan` works on one parsed file and returns edits plus a report per long
//! function; `apply` composes the edits.

mod blocks;
mod facts;
mod frames;
mod host;
mod render;
mod safety;

use crate::syntax::field;
use std::collections::BTreeSet;

use tree_sitter::{Node, Tree};

use crate::analysis::names::NameSet;
use crate::source::NewlineStyle;
use blocks::{Block, Lines};
use facts::HostFacts;
use host::Host;
pub use safety::Refusal;
use safety::{Limits, Signature};

/// Bounds of the split, as the plan and the issue set them.
#[derive(Debug, Clone)]
pub struct Options {
    /// Functions longer than this (`end_lineno - lineno`) are split.
    pub max_lines: usize,
    /// A helper has at least this many lines.
    pub min_lines: usize,
    pub max_inputs: usize,
    pub max_outputs: usize,
    /// How deep inside `if`/`for`/`while`/`with`/`try` bodies blocks are looked for.
    pub max_depth: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_lines: 50,
            min_lines: 3,
            max_inputs: 5,
            max_outputs: 3,
            max_depth: 2,
        }
    }
}

/// Replace `start..end` of the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub replacement: String,
}

/// A helper made from a block.
#[derive(Debug, Clone)]
pub struct Extracted {
    pub helper: String,
    /// 1-based first line of the block.
    pub line: usize,
    pub lines: usize,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
}

/// A block that stays, with why and what a helper for it would look like.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub line: usize,
    pub lines: usize,
    pub rule: &'static str,
    pub reason: String,
    pub signature: String,
}

/// One function over the limit.
#[derive(Debug, Clone)]
pub struct FunctionReport {
    pub qualname: String,
    pub line: usize,
    /// Byte range of the function's name (where findings point).
    pub name_range: std::ops::Range<usize>,
    /// This function's edits (calls and helpers), sorted.
    pub edits: Vec<Edit>,
    /// The plan's metric, before and after.
    pub length: usize,
    pub length_after: usize,
    /// Lines of code (no docstring, comments, blank lines), before and after.
    pub code_lines: usize,
    pub code_lines_after: usize,
    pub extracted: Vec<Extracted>,
    /// Only when the function is still over the limit.
    pub refused: Vec<Proposal>,
    /// Why nothing at all was tried.
    pub unsupported: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct FilePlan {
    pub functions: Vec<FunctionReport>,
}

impl FilePlan {
    /// Every function's edits, sorted.
    pub fn edits(&self) -> Vec<Edit> {
        let mut edits: Vec<Edit> = self
            .functions
            .iter()
            .flat_map(|f| f.edits.iter().cloned())
            .collect();
        edits.sort_by_key(|e| (e.start, e.end));
        edits
    }
}

/// At most this many refused blocks are proposed per function.
const MAX_PROPOSALS: usize = 5;

/// Plans the splits of every long module function and method in the file.
pub fn plan(text: &str, tree: &Tree, options: &Options) -> FilePlan {
    let mut file = FilePlan::default();
    let lines = Lines::new(text);
    let newline = NewlineStyle::detect(text);
    let mut used = UsedNames::new(tree.root_node(), text);
    // Frame readers: found once, only if a function is long.
    let mut frame_users: Option<BTreeSet<String>> = None;
    for (function, class) in host::hosts(tree.root_node()) {
        // The flow analysis is for long functions only. The last code row
        // is at most the last row: a function no longer than the limit in
        // rows need not be measured.
        let first_row = function.start_position().row;
        if function.end_position().row - first_row <= options.max_lines {
            continue;
        }
        let length = crate::analysis::metrics::last_code_row(function) - first_row;
        if length <= options.max_lines {
            continue;
        }
        let Some(host) = Host::new(function, class, text) else {
            continue;
        };
        let frame_users =
            frame_users.get_or_insert_with(|| frames::frame_users(tree.root_node(), text));
        let mut report = split(&host, &lines, text, options, &mut used, frame_users);
        for edit in &mut report.edits {
            edit.replacement = newline.apply(&edit.replacement);
        }
        report.edits.sort_by_key(|e| (e.start, e.end));
        file.functions.push(report);
    }
    // A split that would not parse is refused by the transform layer's
    // merge, which parses every edited file (`transforms/changes.rs`).
    file
}

/// The text with the edits applied (they must not overlap).
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for edit in edits {
        out.push_str(&text[at..edit.start]);
        out.push_str(&edit.replacement);
        at = edit.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The names a helper may not take: every identifier of the file and the
/// helpers named so far. Asked about a few names per long function, so
/// each is looked up where its text occurs rather than all collected.
pub struct UsedNames<'t> {
    root: Node<'t>,
    text: &'t str,
    taken: BTreeSet<String>,
}

impl<'t> UsedNames<'t> {
    pub fn new(root: Node<'t>, text: &'t str) -> Self {
        UsedNames {
            root,
            text,
            taken: BTreeSet::new(),
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name) || self.is_identifier(name)
    }

    pub fn insert(&mut self, name: String) {
        self.taken.insert(name);
    }

    /// Whether an identifier node of the tree has exactly this text.
    fn is_identifier(&self, name: &str) -> bool {
        if name.is_empty() {
            return false;
        }
        memchr::memmem::find_iter(self.text.as_bytes(), name.as_bytes()).any(|start| {
            let range = start..start + name.len();
            // The smallest node over the range, then its ancestors with
            // the same range: an identifier there has exactly this text.
            let mut node = self.root.descendant_for_byte_range(range.start, range.end);
            while let Some(candidate) = node.filter(|n| n.byte_range() == range) {
                if candidate.kind() == "identifier" {
                    return true;
                }
                node = candidate.parent();
            }
            false
        })
    }
}

struct Candidate<'t, 's> {
    block: Block<'t>,
    signature: Signature<'s>,
    refusal: Option<Refusal>,
    /// The names the block reads; only for a safe block (`choose` needs them).
    reads: NameSet<'s>,
}

fn split<'s>(
    host: &Host<'_, 's>,
    lines: &Lines,
    text: &'s str,
    options: &Options,
    used: &mut UsedNames,
    frame_users: &BTreeSet<String>,
) -> FunctionReport {
    let length = host.length();
    let code_lines = code_lines(host, lines);
    let mut report = FunctionReport {
        qualname: host.qualname(),
        line: host.function.start_position().row + 1,
        name_range: host.function.child_by_field_id(field::NAME).map_or(
            host.function.start_byte()..host.function.start_byte(),
            |n| n.byte_range(),
        ),
        edits: Vec::new(),
        length,
        length_after: length,
        code_lines,
        code_lines_after: code_lines,
        extracted: Vec::new(),
        refused: Vec::new(),
        unsupported: host::unsupported(host),
    };
    if report.unsupported.is_some() {
        return report;
    }
    let limits = Limits {
        max_inputs: options.max_inputs,
        max_outputs: options.max_outputs,
        frame_users,
    };
    let movable: Vec<Block> =
        blocks::candidates(host.function, &host.body, lines, options.max_depth, 3)
            .into_iter()
            // Not most of the host: at most two thirds of its code.
            .filter(|b| {
                b.rows() >= options.min_lines
                    && b.rows() <= options.max_lines
                    && block_code_lines(b, lines) * 3 <= code_lines * 2
            })
            .collect();
    let facts = HostFacts::new(host, &movable, text);
    let candidates: Vec<Candidate> = movable
        .into_iter()
        .map(|block| {
            let (signature, refusal) = safety::analyse(host, &facts, &block, text, &limits);
            let reads = match refusal {
                None => facts.names_of(&block.statements, text).reads,
                Some(_) => NameSet::new(),
            };
            Candidate {
                block,
                signature,
                refusal,
                reads,
            }
        })
        .collect();
    let chosen = choose(host, &facts, &candidates, length, options.max_lines);
    let mut edits = Vec::new();
    let mut helpers = String::new();
    let separator = if host.class_name.is_some() {
        "\n"
    } else {
        "\n\n"
    };
    for (part, candidate) in chosen.iter().enumerate() {
        let name =
            render::helper_name(host, &candidate.block, &candidate.signature, part + 1, used);
        used.insert(name.clone());
        let block = &candidate.block;
        let indent = crate::source::line_indent(text, block.start_byte());
        let call = render::call_statement(host, &name, &candidate.signature);
        edits.push(Edit {
            start: lines.start(block.start_row),
            end: lines.start(block.end_row + 1),
            replacement: format!("{indent}{call}\n"),
        });
        helpers.push_str(separator);
        helpers.push_str(&render::helper(
            host,
            block,
            &name,
            &candidate.signature,
            lines,
            text,
        ));
        report.length_after -= block.rows() - 1;
        report.code_lines_after -= block_code_lines(block, lines) - 1;
        report.extracted.push(Extracted {
            helper: name,
            line: block.start_row + 1,
            lines: block.rows(),
            inputs: candidate
                .signature
                .inputs
                .iter()
                .map(|s| s.to_string())
                .collect(),
            outputs: candidate
                .signature
                .outputs
                .iter()
                .map(|s| s.to_string())
                .collect(),
        });
    }
    if !helpers.is_empty() {
        let end_row = host.outer.end_position().row;
        let at = lines.start(end_row + 1);
        let lead = if text[..at].ends_with('\n') { "" } else { "\n" };
        edits.push(Edit {
            start: at,
            end: at,
            replacement: format!("{lead}{helpers}"),
        });
    }
    if report.length_after > options.max_lines {
        report.refused = proposals(host, &candidates, &chosen, used);
    }
    report.edits = edits;
    report
}

/// Greedy: while the function is too long, take the safe block that brings
/// it under the limit with the least change, else the one that helps most.
fn choose<'a, 't, 's>(
    host: &Host<'t, 's>,
    facts: &HostFacts<'s>,
    candidates: &'a [Candidate<'t, 's>],
    length: usize,
    limit: usize,
) -> Vec<&'a Candidate<'t, 's>> {
    let mut chosen: Vec<&Candidate> = Vec::new();
    let mut remaining = length;
    while remaining > limit {
        let need = remaining - limit;
        let open = candidates
            .iter()
            .filter(|c| c.refusal.is_none() && chosen.iter().all(|o| !o.block.overlaps(&c.block)))
            // Each block alone leaves a read of a host variable outside it;
            // together they must too (else the host keeps a dead store).
            .filter(|c| {
                let mut together: Vec<(&Block, &Signature, &NameSet)> = chosen
                    .iter()
                    .map(|o| (&o.block, &o.signature, &o.reads))
                    .collect();
                together.push((&c.block, &c.signature, &c.reads));
                safety::leaves_reads_outside(host, facts, &together)
            });
        let enough = open
            .clone()
            .filter(|c| c.block.rows() > need)
            .min_by_key(|c| {
                (
                    c.block.groups,
                    c.block.comment.is_empty(),
                    c.block.rows(),
                    c.block.start_row,
                )
            });
        let pick = enough.or_else(|| {
            open.max_by_key(|c| {
                (
                    c.block.rows(),
                    std::cmp::Reverse(c.block.groups),
                    std::cmp::Reverse(c.block.start_row),
                )
            })
        });
        let Some(pick) = pick else { break };
        remaining -= pick.block.rows() - 1;
        chosen.push(pick);
    }
    chosen.sort_by_key(|c| c.block.start_row);
    chosen
}

/// The largest refused single groups that do not overlap what was extracted.
fn proposals(
    host: &Host,
    candidates: &[Candidate],
    chosen: &[&Candidate],
    used: &UsedNames,
) -> Vec<Proposal> {
    let mut refused: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.refusal.is_some() && c.block.groups == 1)
        .filter(|c| chosen.iter().all(|o| !o.block.overlaps(&c.block)))
        .collect();
    refused.sort_by_key(|c| (std::cmp::Reverse(c.block.rows()), c.block.start_row));
    let mut out: Vec<Proposal> = Vec::new();
    for candidate in refused {
        if out.len() == MAX_PROPOSALS {
            break;
        }
        let Some(refusal) = &candidate.refusal else {
            continue;
        };
        let name = render::helper_name(
            host,
            &candidate.block,
            &candidate.signature,
            out.len() + 1,
            used,
        );
        out.push(Proposal {
            line: candidate.block.start_row + 1,
            lines: candidate.block.rows(),
            rule: refusal.id(),
            reason: refusal.to_string(),
            signature: render::signature_text(host, &name, &candidate.signature),
        });
    }
    out.sort_by_key(|p| p.line);
    out
}

/// Lines with code: not blank, not only a comment, not the docstring.
fn code_lines(host: &Host, lines: &Lines) -> usize {
    let first = host.function.start_position().row;
    let last = crate::analysis::metrics::last_code_row(host.function);
    let docstring_rows = host
        .body
        .first()
        .filter(|s| {
            s.kind() == "expression_statement"
                && s.named_child(0).is_some_and(|c| c.kind() == "string")
        })
        .map(|s| s.start_position().row..=s.end_position().row);
    (first..=last)
        .filter(|row| docstring_rows.as_ref().is_none_or(|r| !r.contains(row)))
        .filter(|row| is_code(lines.get(*row)))
        .count()
}

fn block_code_lines(block: &Block, lines: &Lines) -> usize {
    (block.start_row..=block.end_row)
        .filter(|row| is_code(lines.get(*row)))
        .count()
}

fn is_code(line: &str) -> bool {
    let trimmed = line.trim();
    !trimmed.is_empty() && !trimmed.starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn used_names_are_the_identifiers_of_the_tree_and_the_names_taken() {
        let code = "import os.path as osp\n# _part in a comment\ndef f(a, *, key=1):\n    s = '_h and f_2'\n    return osp.join(a, key=key), obj.attr_x, print\nclass _h_2: pass\n( broken _e\n";
        let tree = crate::syntax::parse(code);
        let mut all = BTreeSet::new();
        crate::syntax::walk_pruned(
            tree.root_node(),
            |_| true,
            |node| {
                if node.kind() == "identifier" {
                    all.insert(&code[node.byte_range()]);
                }
            },
        );
        assert!(all.contains("attr_x") && all.contains("_e"), "{all:?}");
        let mut used = UsedNames::new(tree.root_node(), code);
        let asked = [
            "os", "path", "osp", "join", "f", "a", "key", "s", "obj", "attr_x", "attr", "print",
            "_h", "_h_2", "f_2", "_part", "broken", "_e", "e", "class", "def", "x",
        ];
        for name in asked {
            assert_eq!(used.contains(name), all.contains(name), "{name}");
        }
        assert!(!used.contains("_f_part_1"));
        used.insert("_f_part_1".into());
        assert!(used.contains("_f_part_1"));
    }
}
