//! Diagnostics for rule files: every problem points at a file, line and
//! column, and says how to fix it.

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(txo_codemod::rule_file))]
pub struct RuleFileError {
    pub message: String,
    #[source_code]
    pub source_code: NamedSource<String>,
    #[label("{label}")]
    pub span: SourceSpan,
    pub label: String,
    #[help]
    pub help: Option<String>,
}

impl RuleFileError {
    pub fn new(
        file: &str,
        text: &str,
        offset: usize,
        len: usize,
        message: impl Into<String>,
    ) -> Self {
        let offset = offset.min(text.len());
        let len = len.min(text.len() - offset);
        RuleFileError {
            message: message.into(),
            source_code: NamedSource::new(file, text.to_string()).with_language("yaml"),
            span: SourceSpan::new(offset.into(), len),
            label: "here".into(),
            help: None,
        }
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// 1-based line and column of the span start, for plain-text output.
    pub fn line_col(&self) -> (usize, usize) {
        let text = self.source_code.inner();
        crate::source::line_col(text, self.span.offset())
    }
}

/// Finds where a YAML key's value starts inside a document, searching from
/// `from`. Returns the offset of the value (or of the key when the value is on
/// the next lines) and the length of the first line of the value.
pub fn locate_key(doc: &str, key: &str, from: usize) -> Option<(usize, usize)> {
    let mut search = from;
    while let Some(pos) = doc[search..].find(key) {
        let start = search + pos;
        let line_start = doc[..start].rfind('\n').map_or(0, |i| i + 1);
        let before = &doc[line_start..start];
        let after = &doc[start + key.len()..];
        let is_key = before.trim_start_matches([' ', '-']).is_empty() && after.starts_with(':');
        if is_key {
            let value_start = start + key.len() + 1;
            let line_end = doc[value_start..]
                .find('\n')
                .map_or(doc.len(), |i| value_start + i);
            let value = doc[value_start..line_end].trim();
            if value.is_empty() || value == "|" || value == ">" || value.starts_with("|-") {
                return Some((start, key.len()));
            }
            let offset = value_start + doc[value_start..line_end].find(value).unwrap_or(0);
            return Some((offset, value.len()));
        }
        search = start + key.len();
    }
    None
}

/// Finds the offset of `offset_in_value` inside a (possibly block-scalar)
/// value that starts after `key_offset`, by locating its lines in the doc.
pub fn locate_in_value(
    doc: &str,
    key_offset: usize,
    value: &str,
    offset_in_value: usize,
) -> Option<usize> {
    let before = &value[..offset_in_value.min(value.len())];
    let line_index = before.matches('\n').count();
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1);
    let mut cursor = key_offset;
    for (index, line) in value.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let found = cursor + doc[cursor..].find(line)?;
        if index == line_index {
            return Some(found + column);
        }
        cursor = found + line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_inline_and_block_values() {
        let doc = "id: x\nmatch:\n  pattern: $X.get($K)\nfix: |\n  $X[$K]\n";
        let (offset, len) = locate_key(doc, "pattern", 0).unwrap();
        assert_eq!(&doc[offset..offset + len], "$X.get($K)");
        let (offset, _) = locate_key(doc, "fix", 0).unwrap();
        assert_eq!(&doc[offset..offset + 3], "fix");
        let inner = locate_in_value(doc, offset, "$X[$K]\n", 3).unwrap();
        assert_eq!(&doc[inner..inner + 2], "$K");
    }

    #[test]
    fn keys_inside_values_are_not_keys() {
        let doc = "message: use pattern: here\npattern: real\n";
        let (offset, len) = locate_key(doc, "pattern", 0).unwrap();
        assert_eq!(&doc[offset..offset + len], "real");
    }
}
