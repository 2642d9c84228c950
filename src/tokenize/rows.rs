//! Rows (0-based lines, as Python counts them: `\n`, `\r\n` or a lone `\r`
//! ends a line) and indentation columns of byte offsets.

use super::lexer::line_break_len;

/// Maps increasing byte offsets to rows in one forward pass.
#[derive(Clone)]
pub struct RowCursor<'s> {
    bytes: &'s [u8],
    at: usize,
    row: usize,
}

impl<'s> RowCursor<'s> {
    pub fn new(source: &'s str) -> Self {
        RowCursor {
            bytes: source.as_bytes(),
            at: 0,
            row: 0,
        }
    }

    /// The row of `offset`; offsets must not decrease between calls.
    pub fn row(&mut self, offset: usize) -> usize {
        debug_assert!(offset >= self.at, "offsets must not decrease");
        while let Some(found) = memchr::memchr2(b'\n', b'\r', &self.bytes[self.at..offset]) {
            let at = self.at + found;
            self.row += 1;
            self.at = at + line_break_len(self.bytes, at);
            if self.at > offset {
                // `offset` is the `\n` of a `\r\n`: still the `\r`'s row.
                self.row -= 1;
                self.at = at;
                break;
            }
        }
        self.row
    }

    /// The row of `offset` without moving the cursor, so that an earlier
    /// offset can still be asked for next.
    pub fn peek(&self, offset: usize) -> usize {
        self.clone().row(offset)
    }
}

/// Indentation column of the line holding `offset`, where only whitespace
/// precedes `offset`: tabs advance to the next multiple of 8 and a form feed
/// resets the column, as in Python's tokenizer.
pub fn indent_column(bytes: &[u8], offset: usize) -> usize {
    let line_start = memchr::memrchr2(b'\n', b'\r', &bytes[..offset]).map_or(0, |n| n + 1);
    bytes[line_start..offset]
        .iter()
        .fold(0, |column, byte| match byte {
            b'\t' => (column / 8 + 1) * 8,
            b'\x0c' => 0,
            _ => column + 1,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_count_crlf_once_and_lone_cr_as_a_break() {
        let source = "a\r\nb\rc\nd";
        let mut rows = RowCursor::new(source);
        let found: Vec<_> = ["a", "\n", "b", "c", "d"]
            .iter()
            .map(|s| rows.row(source.find(s).unwrap()))
            .collect();
        assert_eq!(found, [0, 0, 1, 2, 3]);
    }

    #[test]
    fn indentation_counts_tabs_to_eight_and_resets_at_form_feed() {
        let source = "x\n  \tdef\n\x0c  y\n    z";
        let bytes = source.as_bytes();
        assert_eq!(indent_column(bytes, source.find("def").unwrap()), 8);
        assert_eq!(indent_column(bytes, source.find('y').unwrap()), 2);
        assert_eq!(indent_column(bytes, source.find('z').unwrap()), 4);
        assert_eq!(indent_column(bytes, 0), 0);
    }
}
