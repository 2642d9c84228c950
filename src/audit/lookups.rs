//! Which bytes of a file a partial parse for provenance needs
//! (`TreeNeed::Lookups`): the top-level statements of the `.get(`s
//! provenance may flag, every statement that is not a definition, and the
//! sites' statements (`ranges.rs`).
//!
//! Why provenance on that tree equals provenance on the whole file's, for
//! every `.get(` it holds (the others are on lines whose receivers hold no
//! name provenance can call configuration: `tokenize::config_get_lines`).
//! `FileFacts::analyze` learns per scope; a `.get(`'s verdict reads
//! - its own function's facts, its class's `self` attributes (learned in
//!   the class's methods) and parameters: all in its top-level statement;
//! - the module scope's facts: its assignments and loops, all in statements
//!   that are not definitions (class bodies and lambdas bind in no scope;
//!   a function's defaults and annotations bind in its own), except
//!   comprehensions in a definition's decorators, whose statement is then
//!   not a definition;
//! - the file's classes and annotated functions (`LocalTypes`), looked up
//!   by names cut out of the parsed text: a definition left out whose name
//!   the parsed text holds as a word joins the parse.
//!
//! No fact of a statement left out feeds one of those, so each learning
//! round changes the statements kept exactly as on the whole file, and
//! the rounds stop at the same facts (a round that changes none of them
//! leaves them fixed).

use memchr::memmem;

use super::ranges::{
    module_wide_facts, ranges_of, statement_of, top_level_statements, tree_sites, want_sites,
};
use crate::tokenize::{FileTokens, TokenKind};

/// The byte ranges (sorted, disjoint) to parse for provenance and the
/// sites, or `None` when the whole file should be parsed.
/// `gets`: where the lines start that hold the `.get(`s provenance must
/// decide (`tokenize::config_get_lines`).
pub(super) fn lookup_ranges(
    source: &str,
    tokens: &FileTokens,
    gets: &[usize],
) -> Option<Vec<(usize, usize)>> {
    let statements = top_level_statements(source, usize::MAX);
    let mut wanted: Vec<bool> = statements.iter().map(|s| !s.definition).collect();
    for &offset in gets {
        wanted[statement_of(&statements, offset)?] = true;
    }
    let sites = tree_sites(tokens);
    let module_wide = module_wide_facts(source, &sites);
    want_sites(&statements, &sites, &module_wide, &mut wanted)?;
    // A definition left out that the parsed text names joins it, until the
    // parsed text names none left out.
    let types = local_types(source, tokens);
    loop {
        let ranges = ranges_of(source, &statements, &wanted)?;
        let named: Vec<usize> = types
            .iter()
            .filter_map(|&(offset, name)| {
                let index = statement_of(&statements, offset)?;
                let parsed = ranges.iter().any(|&(a, b)| mentions(&source[a..b], name));
                (!wanted[index] && parsed).then_some(index)
            })
            .collect();
        if named.is_empty() {
            return Some(ranges);
        }
        for index in named {
            wanted[index] = true;
        }
    }
}

/// Whether `text` holds `name` as a word (not inside a longer ASCII name;
/// any other byte around it counts as a boundary, so this errs towards yes).
/// `LocalTypes` is asked about names cut out of the text at ASCII
/// punctuation or whitespace only.
fn mentions(text: &str, name: &str) -> bool {
    let bytes = text.as_bytes();
    let word = |at: Option<&u8>| at.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
    memmem::find_iter(bytes, name.as_bytes()).any(|at| {
        let before = at.checked_sub(1).and_then(|i| bytes.get(i));
        !word(before) && !word(bytes.get(at + name.len()))
    })
}

/// (offset, name) of every class and every function with a return
/// annotation, as `LocalTypes` learns them (a superset: any `class` or
/// `def` token followed by a name; for a `def`, a `->` in its line).
fn local_types<'s>(source: &'s str, tokens: &FileTokens) -> Vec<(usize, &'s str)> {
    let bytes = source.as_bytes();
    let mut found = Vec::new();
    for line in tokens.code.lines() {
        let (Some(first), Some(last)) = (line.first(), line.last()) else {
            continue;
        };
        let annotated = memmem::find(&bytes[first.start..last.end], b"->").is_some();
        for pair in line.windows(2) {
            let keyword = &source[pair[0].start..pair[0].end];
            let wanted = match keyword {
                "class" => true,
                "def" => annotated,
                _ => false,
            };
            if wanted && pair[0].kind == TokenKind::Name && pair[1].kind == TokenKind::Name {
                found.push((pair[0].start, &source[pair[1].start..pair[1].end]));
            }
        }
    }
    found
}
