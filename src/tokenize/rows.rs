//! Indentation columns. Rows (0-based lines, as Python counts them: `\n`,
//! `\r\n` or a lone `\r` ends a line) are counted by the lexer as it reads
//! (`Lexer::token_rows`), so nothing here searches for line breaks.

/// Indentation column of `offset` on the line starting at `line_start`,
/// where only whitespace precedes `offset`: tabs advance to the next
/// multiple of 8 and a form feed resets the column, as in Python's
/// tokenizer.
pub fn indent_column(bytes: &[u8], line_start: usize, offset: usize) -> usize {
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
    fn indentation_counts_tabs_to_eight_and_resets_at_form_feed() {
        let source = "x\n  \tdef\n\x0c  y\n    z";
        let bytes = source.as_bytes();
        let column = |word: &str| {
            let offset = source.find(word).unwrap();
            let line_start = source[..offset].rfind('\n').map_or(0, |n| n + 1);
            indent_column(bytes, line_start, offset)
        };
        assert_eq!(column("def"), 8);
        assert_eq!(column("y"), 2);
        assert_eq!(column("z"), 4);
        assert_eq!(column("x"), 0);
    }
}
