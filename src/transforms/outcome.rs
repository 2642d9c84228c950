//! What the phase-5 cores return for one class: edits that make one
//! complete change, or a refusal saying why and what to do instead (a
//! refused class is left unchanged). The transform impls turn these into
//! the layer's change sets and refusals.

/// A replacement of `start..end` in the file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    pub start: usize,
    pub end: usize,
    pub replacement: String,
}

impl TextEdit {
    pub fn insert(at: usize, text: String) -> Self {
        TextEdit {
            start: at,
            end: at,
            replacement: text,
        }
    }

    pub fn delete(start: usize, end: usize) -> Self {
        TextEdit {
            start,
            end,
            replacement: String::new(),
        }
    }
}

/// Why a transform left something alone, and what would let it proceed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassRefusal {
    /// What was refused (a class name).
    pub subject: String,
    /// Byte offset the finding points at.
    pub at: usize,
    pub reason: String,
    pub proposal: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Edits that together make one complete change (sorted, disjoint).
    Rewrite {
        subject: String,
        at: usize,
        edits: Vec<TextEdit>,
        message: String,
    },
    Refused(ClassRefusal),
}

impl Outcome {
    pub fn at(&self) -> usize {
        match self {
            Outcome::Rewrite { at, .. } => *at,
            Outcome::Refused(refusal) => refusal.at,
        }
    }
}

/// The text with every rewrite of `outcomes` applied (refusals change nothing).
pub fn apply(source: &str, outcomes: &[Outcome]) -> String {
    let mut edits: Vec<&TextEdit> = outcomes
        .iter()
        .flat_map(|o| match o {
            Outcome::Rewrite { edits, .. } => edits.iter().collect(),
            Outcome::Refused(_) => Vec::new(),
        })
        .collect();
    edits.sort_by_key(|e| (e.start, e.end));
    let mut out = String::with_capacity(source.len());
    let mut cursor = 0;
    for edit in edits {
        if edit.start < cursor {
            continue;
        }
        out.push_str(&source[cursor..edit.start]);
        out.push_str(&edit.replacement);
        cursor = edit.end;
    }
    out.push_str(&source[cursor..]);
    out
}
