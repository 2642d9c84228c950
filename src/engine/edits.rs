//! Text edits: overlap resolution within a pass, application, and the
//! composition of successive passes into edits on the original text.

/// A replacement of `start..end` in some text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub replacement: String,
    /// Index of the rule that produced it (in the engine's rule list).
    pub rule: usize,
    pub message: String,
}

/// An edit expressed on the original file, possibly the composition of
/// several rule edits (e.g. each `.get` of a chain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    pub start: usize,
    pub end: usize,
    pub after: String,
    pub rules: Vec<usize>,
    pub messages: Vec<String>,
}

/// Where `range` of the original text is after `edits` (sorted, disjoint,
/// on the original): `None` when an edit straddles one of its ends.
pub fn map_range(
    edits: &[FileEdit],
    range: std::ops::Range<usize>,
) -> Option<std::ops::Range<usize>> {
    let (mut start, mut end) = (range.start as isize, range.end as isize);
    for edit in edits {
        let delta = edit.after.len() as isize - (edit.end - edit.start) as isize;
        if edit.end <= range.start {
            start += delta;
            end += delta;
        } else if edit.start >= range.start && edit.end <= range.end {
            end += delta;
        } else if edit.start < range.end {
            return None;
        }
    }
    Some(usize::try_from(start).ok()?..usize::try_from(end).ok()?)
}

/// Keeps a non-overlapping subset: sorted by start, the outer edit wins over
/// edits nested in or overlapping it; those are returned to retry later.
pub fn resolve_overlaps(mut edits: Vec<Edit>) -> (Vec<Edit>, Vec<Edit>) {
    edits.sort_by(|a, b| {
        (a.start, std::cmp::Reverse(a.end), a.rule).cmp(&(
            b.start,
            std::cmp::Reverse(b.end),
            b.rule,
        ))
    });
    let mut kept: Vec<Edit> = Vec::with_capacity(edits.len());
    let mut deferred = Vec::new();
    for edit in edits {
        let overlaps = kept.last().is_some_and(|last| {
            edit.start < last.end || (edit.start == last.start && edit.end == last.end)
        });
        if overlaps {
            deferred.push(edit)
        } else {
            kept.push(edit)
        }
    }
    (kept, deferred)
}

/// Applies sorted, non-overlapping edits.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut cursor = 0;
    for edit in edits {
        out.push_str(&text[cursor..edit.start]);
        out.push_str(&edit.replacement);
        cursor = edit.end;
    }
    out.push_str(&text[cursor..]);
    out
}

/// Tells `tree`, a tree of `text`, about `edits` (sorted, disjoint, on
/// `text`), so that a parse of the edited text handed it re-parses only
/// what they change.
pub fn edit_tree(tree: &mut tree_sitter::Tree, text: &str, edits: &[Edit]) {
    use tree_sitter::{InputEdit, Point};
    let newlines: Vec<usize> = memchr::memchr_iter(b'\n', text.as_bytes()).collect();
    let point = |offset: usize| {
        let row = newlines.partition_point(|&at| at < offset);
        let start = if row == 0 { 0 } else { newlines[row - 1] + 1 };
        Point::new(row, offset - start)
    };
    // From the last edit back: each one's offsets are still those of `text`.
    for edit in edits.iter().rev() {
        let start = point(edit.start);
        let end = edit.end.min(text.len());
        let inserted = edit.replacement.as_bytes();
        let new_end = match memchr::memrchr(b'\n', inserted) {
            Some(last) => Point::new(
                start.row + memchr::memchr_iter(b'\n', inserted).count(),
                inserted.len() - last - 1,
            ),
            None => Point::new(start.row, start.column + inserted.len()),
        };
        tree.edit(&InputEdit {
            start_byte: edit.start,
            old_end_byte: end,
            new_end_byte: edit.start + inserted.len(),
            start_position: start,
            old_end_position: point(end),
            new_end_position: new_end,
        });
    }
}

/// A stretch of the intermediate text: unchanged original text, or the
/// replacement written by an earlier file edit.
struct Segment {
    inter: (usize, usize),
    orig: (usize, usize),
    replaced: Option<usize>,
}

fn segments(original_len: usize, earlier: &[FileEdit]) -> Vec<Segment> {
    let mut out = Vec::new();
    let (mut orig, mut inter) = (0, 0);
    for (index, edit) in earlier.iter().enumerate() {
        let plain = edit.start - orig;
        out.push(Segment {
            inter: (inter, inter + plain),
            orig: (orig, edit.start),
            replaced: None,
        });
        inter += plain;
        out.push(Segment {
            inter: (inter, inter + edit.after.len()),
            orig: (edit.start, edit.end),
            replaced: Some(index),
        });
        inter += edit.after.len();
        orig = edit.end;
    }
    out.push(Segment {
        inter: (inter, inter + original_len - orig),
        orig: (orig, original_len),
        replaced: None,
    });
    out
}

/// Maps an intermediate offset that lies in an unchanged stretch back to the original.
fn to_original(segments: &[Segment], offset: usize) -> usize {
    segments
        .iter()
        .find(|s| s.replaced.is_none() && s.inter.0 <= offset && offset <= s.inter.1)
        .map_or(offset, |s| s.orig.0 + (offset - s.inter.0))
}

/// New edits that touch each other or the same earlier replacement, with
/// the intermediate range they cover: they become one composed edit.
struct Cluster<'e> {
    start: usize,
    end: usize,
    /// Indices of the earlier edits whose replacements it covers.
    merged: Vec<usize>,
    edits: Vec<&'e Edit>,
}

/// Groups `new` into clusters; a new edit grows to cover every earlier
/// replacement it touches.
fn clusters<'e>(segs: &[Segment], new: &'e [Edit]) -> Vec<Cluster<'e>> {
    let mut clusters: Vec<Cluster> = Vec::new();
    for edit in new {
        let (mut start, mut end) = (edit.start, edit.end);
        let mut merged = Vec::new();
        for seg in segs.iter().filter(|s| s.replaced.is_some()) {
            let touches = edit.start < seg.inter.1 && edit.end > seg.inter.0
                || (edit.start == edit.end && seg.inter.0 < edit.start && edit.start < seg.inter.1);
            if touches {
                start = start.min(seg.inter.0);
                end = end.max(seg.inter.1);
                merged.extend(seg.replaced);
            }
        }
        match clusters.last_mut() {
            Some(last) if start < last.end => {
                last.end = last.end.max(end);
                last.merged.extend(merged);
                last.edits.push(edit);
            }
            _ => clusters.push(Cluster {
                start,
                end,
                merged,
                edits: vec![edit],
            }),
        }
    }
    clusters
}

impl Cluster<'_> {
    /// The cluster as one edit on the original text, crediting the rules
    /// and messages of the earlier edits it absorbs.
    fn compose(&self, segs: &[Segment], earlier: &[FileEdit], intermediate: &str) -> FileEdit {
        let (start, end) = (to_original(segs, self.start), to_original(segs, self.end));
        let (start, end) = match (self.merged.first(), self.merged.last()) {
            (Some(first), Some(last)) => (
                earlier[*first].start.min(start),
                earlier[*last].end.max(end),
            ),
            _ => (start, end),
        };
        let absorbed = self.merged.iter().map(|index| &earlier[*index]);
        let mut rules: Vec<usize> = absorbed.clone().flat_map(|e| e.rules.clone()).collect();
        let mut messages: Vec<String> = absorbed.flat_map(|e| e.messages.clone()).collect();
        let local: Vec<Edit> = self
            .edits
            .iter()
            .map(|e| Edit {
                start: e.start - self.start,
                end: e.end - self.start,
                ..(*e).clone()
            })
            .collect();
        rules.extend(local.iter().map(|e| e.rule));
        messages.extend(local.iter().map(|e| e.message.clone()));
        FileEdit {
            start,
            end,
            after: apply(&intermediate[self.start..self.end], &local),
            rules,
            messages,
        }
    }
}

/// Folds `new` (edits on `intermediate`, the result of applying `earlier` to
/// `original`) into `earlier`, giving edits on the original text that produce
/// the text after `new`. Edits touching an earlier replacement merge with it.
pub fn compose(
    original: &str,
    intermediate: &str,
    earlier: Vec<FileEdit>,
    new: &[Edit],
) -> Vec<FileEdit> {
    let segs = segments(original.len(), &earlier);
    let clusters = clusters(&segs, new);
    let mut out: Vec<FileEdit> = clusters
        .iter()
        .map(|cluster| cluster.compose(&segs, &earlier, intermediate))
        .collect();
    let mut absorbed = vec![false; earlier.len()];
    for index in clusters.iter().flat_map(|c| &c.merged) {
        absorbed[*index] = true;
    }
    out.extend(
        earlier
            .into_iter()
            .zip(absorbed)
            .filter(|(_, gone)| !gone)
            .map(|(edit, _)| edit),
    );
    out.sort_by_key(|edit| (edit.start, edit.end));
    out
}

/// Applies composed file edits to the original text.
pub fn apply_file_edits(original: &str, edits: &[FileEdit]) -> String {
    let mut out = String::with_capacity(original.len() + 64);
    let mut cursor = 0;
    for edit in edits {
        out.push_str(&original[cursor..edit.start]);
        out.push_str(&edit.after);
        cursor = edit.end;
    }
    out.push_str(&original[cursor..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every node's kind and byte and point ranges, in walk order.
    fn nodes(tree: &tree_sitter::Tree) -> Vec<String> {
        let mut out = Vec::new();
        let mut cursor = tree.walk();
        loop {
            let node = cursor.node();
            let (from, to) = (node.start_position(), node.end_position());
            out.push(format!(
                "{} {:?} {from:?} {to:?}",
                node.kind(),
                node.byte_range()
            ));
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    return out;
                }
            }
        }
    }

    #[test]
    fn an_edited_tree_reparses_to_the_tree_of_the_edited_text() {
        let text = "import os\n\ndef f(config):\n    x = config.get('a', {})\n    return os.sep\n\n\ny = 1\n";
        let edit = |start: usize, end: usize, replacement: &str| Edit {
            start,
            end,
            replacement: replacement.into(),
            rule: 0,
            message: String::new(),
        };
        let get = text.find("config.get").unwrap();
        let edits = [
            edit(0, 0, "from a import (\n    b,\n)\n"),
            edit(get, get + 23, "config['a']"),
            edit(text.len() - 6, text.len() - 6, "if y:\n    pass\n"),
        ];
        let mut tree = crate::syntax::parse(text);
        edit_tree(&mut tree, text, &edits);
        let edited = apply(text, &edits);
        let mut parser = crate::syntax::new_parser();
        let again = parser.parse(&edited, Some(&tree)).unwrap();
        assert_eq!(nodes(&again), nodes(&crate::syntax::parse(&edited)));
    }

    #[test]
    fn ranges_map_through_edits_inside_and_before_them() {
        let file_edit = |start, end, after: &str| FileEdit {
            start,
            end,
            after: after.into(),
            rules: vec![0],
            messages: Vec::new(),
        };
        // "x = config.get('a', {}).get('b')" with the inner get rewritten.
        let original = "x = config.get('a', {}).get('b')";
        let edits = [
            file_edit(0, 0, "import y\n"),
            file_edit(4, 23, "config['a']"),
        ];
        let fixed = "import y\nx = config['a'].get('b')";
        let mapped = map_range(&edits, 4..27).unwrap();
        assert_eq!(&fixed[mapped], "config['a'].get");
        assert_eq!(&original[4..27], "config.get('a', {}).get");
        assert_eq!(map_range(&edits, 0..1), Some(9..10));
        assert_eq!(
            map_range(&edits, 10..30),
            None,
            "an edit straddles the start"
        );
    }

    fn edit(start: usize, end: usize, replacement: &str) -> Edit {
        Edit {
            start,
            end,
            replacement: replacement.into(),
            rule: 0,
            message: String::new(),
        }
    }

    #[test]
    fn outer_edit_wins_and_inner_is_deferred() {
        let (kept, deferred) =
            resolve_overlaps(vec![edit(4, 6, "x"), edit(0, 10, "y"), edit(12, 14, "z")]);
        assert_eq!(kept.iter().map(|e| e.start).collect::<Vec<_>>(), [0, 12]);
        assert_eq!(deferred.len(), 1);
        assert_eq!(deferred[0].start, 4);
    }

    #[test]
    fn partial_overlap_is_deferred_deterministically() {
        let (kept, deferred) = resolve_overlaps(vec![edit(3, 8, "b"), edit(0, 5, "a")]);
        assert_eq!(kept[0].replacement, "a");
        assert_eq!(deferred[0].replacement, "b");
    }

    #[test]
    fn composition_maps_later_passes_to_original_offsets() {
        let original = "a = f(g(1)) + h(2)";
        // Pass 1 rewrites the outer call, pass 2 the inner one and h(2).
        let pass1 = vec![edit(4, 11, "F(g(1))")];
        let inter = apply(original, &pass1);
        let composed = compose(original, original, Vec::new(), &pass1);
        let pass2 = vec![edit(6, 10, "G(1)"), edit(14, 18, "H(2)")];
        let composed = compose(original, &inter, composed, &pass2);
        assert_eq!(composed.len(), 2);
        assert_eq!(
            (
                composed[0].start,
                composed[0].end,
                composed[0].after.as_str()
            ),
            (4, 11, "F(G(1))")
        );
        assert_eq!(
            (
                composed[1].start,
                composed[1].end,
                composed[1].after.as_str()
            ),
            (14, 18, "H(2)")
        );
        assert_eq!(apply_file_edits(original, &composed), "a = F(G(1)) + H(2)");
    }

    #[test]
    fn composition_after_length_change() {
        let original = "xx = 1; y = 2";
        let pass1 = vec![edit(0, 2, "x")];
        let inter = apply(original, &pass1);
        let composed = compose(original, original, Vec::new(), &pass1);
        let composed = compose(original, &inter, composed, &[edit(7, 8, "z")]);
        assert_eq!(apply_file_edits(original, &composed), "x = 1; z = 2");
        assert_eq!((composed[1].start, composed[1].end), (8, 9));
    }
}
