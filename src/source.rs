//! A Python source file as bytes on disk: BOM and newline style are remembered
//! so that everything outside an edit is written back byte for byte.

use std::path::{Path, PathBuf};

const UTF8_BOM: &str = "\u{feff}";

/// Which line terminator a file mostly uses; fix templates are written in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewlineStyle {
    Lf,
    CrLf,
}

impl NewlineStyle {
    pub fn detect(text: &str) -> Self {
        // Most files have no `\r` at all: one fast scan settles it.
        if memchr::memchr(b'\r', text.as_bytes()).is_none() {
            return NewlineStyle::Lf;
        }
        let crlf = text.matches("\r\n").count();
        let lf = text.matches('\n').count();
        if crlf > 0 && crlf * 2 >= lf {
            NewlineStyle::CrLf
        } else {
            NewlineStyle::Lf
        }
    }

    /// Converts the `\n` line ends of generated text to this style.
    pub fn apply(self, generated: &str) -> String {
        match self {
            NewlineStyle::Lf => generated.to_string(),
            NewlineStyle::CrLf => generated.replace("\r\n", "\n").replace('\n', "\r\n"),
        }
    }
}

/// The decoded text of a file plus what is needed to write it back unchanged.
#[derive(Debug, Clone)]
pub struct SourceText {
    /// Text without the BOM: what the parser sees and edits refer to.
    pub text: String,
    pub has_bom: bool,
    pub newline: NewlineStyle,
}

/// Why a file could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotUtf8 {
    /// Byte offset of the first invalid byte.
    pub offset: usize,
    pub line: usize,
}

impl SourceText {
    pub fn decode(bytes: Vec<u8>) -> Result<Self, NotUtf8> {
        let text = String::from_utf8(bytes).map_err(|err| {
            let offset = err.utf8_error().valid_up_to();
            let line = 1 + err.as_bytes()[..offset]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            NotUtf8 { offset, line }
        })?;
        let (text, has_bom) = match text.strip_prefix(UTF8_BOM) {
            Some(rest) => (rest.to_string(), true),
            None => (text, false),
        };
        let newline = NewlineStyle::detect(&text);
        Ok(SourceText {
            text,
            has_bom,
            newline,
        })
    }

    /// The bytes to write for `new_text`, restoring the BOM if there was one.
    pub fn encode(&self, new_text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(new_text.len() + 3);
        if self.has_bom {
            out.extend_from_slice(UTF8_BOM.as_bytes());
        }
        out.extend_from_slice(new_text.as_bytes());
        out
    }
}

/// A 1-based line and column (in characters) in a source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    pub fn of(text: &str, offset: usize) -> Self {
        let (line, column) = line_col(text, offset);
        Position { line, column }
    }

    /// From a tree-sitter point (0-based row, column in bytes) and its
    /// byte offset: counts only the characters of that line.
    pub fn of_point(text: &str, row: usize, byte_column: usize, offset: usize) -> Self {
        let line_start = offset.saturating_sub(byte_column);
        let column = 1 + text
            .get(line_start..offset)
            .map_or(0, |s| s.chars().count());
        Position {
            line: row + 1,
            column,
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = 1 + before.bytes().filter(|b| *b == b'\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = 1 + before[line_start..].chars().count();
    (line, column)
}

/// The leading whitespace of the line that contains `offset`.
pub fn line_indent(text: &str, offset: usize) -> &str {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let rest = &text[line_start..];
    let width = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    &rest[..width]
}

/// A path shown to users: relative to where it was found, with `/` separators.
pub fn display_path(path: &Path) -> String {
    let shown: PathBuf = path.strip_prefix("./").unwrap_or(path).to_path_buf();
    let text = shown.to_string_lossy();
    // A backslash separates components only on Windows; elsewhere it is
    // part of a file name (`back\\slash.py`).
    let text = if cfg!(windows) {
        text.replace('\\', "/")
    } else {
        text.into_owned()
    };
    if text.is_empty() {
        ".".to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_is_stripped_and_restored() {
        let src = SourceText::decode(b"\xef\xbb\xbfx = 1\n".to_vec()).unwrap();
        assert!(src.has_bom);
        assert_eq!(src.text, "x = 1\n");
        assert_eq!(src.encode("y = 2\n"), b"\xef\xbb\xbfy = 2\n");
    }

    #[test]
    fn invalid_utf8_reports_line() {
        let err = SourceText::decode(b"a = 1\nb = '\xff'\n".to_vec()).unwrap_err();
        assert_eq!(err.line, 2);
        assert_eq!(err.offset, 11);
    }

    #[test]
    fn crlf_detected_and_applied() {
        let src = SourceText::decode(b"a = 1\r\nb = 2\r\n".to_vec()).unwrap();
        assert_eq!(src.newline, NewlineStyle::CrLf);
        assert_eq!(src.newline.apply("x\ny"), "x\r\ny");
        assert_eq!(NewlineStyle::detect("a\nb\n"), NewlineStyle::Lf);
    }

    #[test]
    fn positions_from_points_agree_with_line_col() {
        let text = "x = 1\nnamé = 'ü' + y\n";
        let offset = text.find('y').unwrap();
        let tree = crate::syntax::parse(text);
        let node = tree
            .root_node()
            .descendant_for_byte_range(offset, offset + 1)
            .unwrap();
        let point = node.start_position();
        let from_point = Position::of_point(text, point.row, point.column, offset);
        assert_eq!(from_point, Position::of(text, offset));
        assert_eq!(
            from_point,
            Position {
                line: 2,
                column: 14
            }
        );
    }

    #[test]
    fn line_col_counts_characters() {
        let text = "ä = 1\nbb = é.get(1)\n";
        let offset = text.find("get").unwrap();
        assert_eq!(line_col(text, offset), (2, 8));
        assert_eq!(line_indent("def f():\n\tx = 1\n", 12), "\t");
    }
}
