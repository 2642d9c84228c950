//! The lexer's unit tests (beside it, in their own file so that
//! `lexer.rs` stays under the module size limit).

use super::*;

fn kinds_and_texts(source: &str) -> Vec<(TokenKind, &str)> {
    Lexer::new(source)
        .map(|t| (t.kind, &source[t.start..t.end]))
        .collect()
}

fn strings(source: &str) -> Vec<&str> {
    kinds_and_texts(source)
        .into_iter()
        .filter(|(kind, _)| *kind == TokenKind::String)
        .map(|(_, text)| text)
        .collect()
}

#[test]
fn prefixed_and_triple_quoted_strings_are_one_token() {
    let source = "a = rb'x\\'' + F\"\"\"one\n\"two\"\n\"\"\" + u'#not a comment'\n";
    assert_eq!(
        strings(source),
        [
            "rb'x\\''",
            "F\"\"\"one\n\"two\"\n\"\"\"",
            "u'#not a comment'"
        ]
    );
}

#[test]
fn nested_f_strings_with_the_same_quotes_are_one_token() {
    let source = "x = f\"{d[\"k\"]:{w}} {f'{a!r}'} {{literal}} \\N{DASH}\" + y\n";
    assert_eq!(
        kinds_and_texts(source),
        [
            (TokenKind::Name, "x"),
            (TokenKind::Operator, "="),
            (
                TokenKind::String,
                "f\"{d[\"k\"]:{w}} {f'{a!r}'} {{literal}} \\N{DASH}\""
            ),
            (TokenKind::Operator, "+"),
            (TokenKind::Name, "y"),
            (TokenKind::Newline, "\n"),
        ]
    );
}

#[test]
fn formatted_fields_are_the_expressions_of_each_field() {
    let source = "f'{a.get(1)!r:>{w}} {{x}} {g(\"}\")}' + b'{n}'\n";
    let fields = |token: &Token| -> Vec<&str> {
        formatted_fields(source, token)
            .into_iter()
            .map(|(start, end)| &source[start..end])
            .collect()
    };
    let tokens: Vec<Token> = Lexer::new(source).collect();
    assert_eq!(fields(&tokens[0]), ["a.get(1)!r", "w", "g(\"}\")"]);
    assert!(fields(&tokens[2]).is_empty());
}

#[test]
fn a_backslash_before_a_brace_does_not_hide_it() {
    let source = "a = fr'\\{{' + f'\\}}{1+1}'\ndef f(): pass\n";
    assert_eq!(strings(source), ["fr'\\{{'", "f'\\}}{1+1}'"]);
}

#[test]
fn names_that_are_not_prefixes_stay_names() {
    assert_eq!(strings("bar'x'\nrf'y' ur'z'\n"), ["'x'", "rf'y'", "'z'"]);
}

#[test]
fn newlines_inside_brackets_and_after_backslashes_do_not_end_a_line() {
    let source = "f(1,\r\n  2) \\\r\n + 3  # c\r\n\r\n# only a comment\nz\n";
    let newlines: Vec<_> = Lexer::new(source)
        .filter(|t| t.kind == TokenKind::Newline)
        .map(|t| t.start)
        .collect();
    assert_eq!(
        newlines,
        [source.find("  # c").unwrap() + 5, source.len() - 1]
    );
}

#[test]
fn a_file_without_final_newline_still_ends_its_line() {
    let tokens: Vec<_> = Lexer::new("x = 1").map(|t| t.kind).collect();
    assert_eq!(tokens.last(), Some(&TokenKind::Newline));
    assert_eq!(Lexer::new("# c").count(), 1);
    assert_eq!(Lexer::new("").count(), 0);
}

/// (text, first row, last row, line start) of each token.
fn rows(source: &str) -> Vec<(&str, usize, usize, usize)> {
    let mut lexer = Lexer::new(source);
    let mut found = Vec::new();
    while let Some(token) = lexer.next() {
        let (first, last) = lexer.token_rows();
        let text = &source[token.start..token.end];
        found.push((text, first, last, lexer.token_line_start()));
    }
    found
}

#[test]
fn rows_count_crlf_once_lone_cr_as_a_break_and_strings_across_rows() {
    let source = "a\r\nb\rc '''x\r\ny\n''' \\\n d\n";
    assert_eq!(
        rows(source),
        [
            ("a", 0, 0, 0),
            ("\r\n", 0, 0, 0),
            ("b", 1, 1, 3),
            ("\r", 1, 1, 3),
            ("c", 2, 2, 5),
            ("'''x\r\ny\n'''", 2, 4, 5),
            ("d", 5, 5, 21),
            ("\n", 5, 5, 21),
        ]
    );
}

#[test]
fn unterminated_strings_end_at_their_line() {
    assert_eq!(strings("x = 'oops\ny = 2\n"), ["'oops"]);
}

fn is_suspect(source: &str) -> bool {
    let mut lexer = Lexer::new(source);
    lexer.by_ref().for_each(drop);
    lexer.suspect()
}

#[test]
fn broken_brackets_strings_and_stray_characters_are_suspect() {
    let broken = ["f(1", "x)", "s = '''a", "s = 'a\n", "a $ b", "x = 1 \\ 2"];
    for source in broken {
        assert!(is_suspect(source), "{source:?}");
    }
    let fine = ["f(1,\n 2)", "s = '''a\n'''", "x = 1 + \\\n 2", "t = f'{a}'"];
    for source in fine {
        assert!(!is_suspect(source), "{source:?}");
    }
}

#[test]
fn numbers_take_exponent_signs_but_not_hex_additions() {
    let texts = kinds_and_texts("1.5e-3 0xE+1 .5j\n");
    let numbers: Vec<_> = texts
        .iter()
        .filter(|(kind, _)| *kind == TokenKind::Number)
        .map(|(_, text)| *text)
        .collect();
    assert_eq!(numbers, ["1.5e-3", "0xE", "1", ".5j"]);
}
