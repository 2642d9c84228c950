//! A Python lexer that knows only what line extents need: where strings,
//! comments and names start and end, bracket depth (newlines inside
//! brackets do not end a line), backslash continuations, and where logical
//! lines end. It never fails: broken input still yields tokens.

/// What a token is, as far as the audit cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Identifiers and keywords.
    Name,
    Number,
    /// A whole string literal, prefix and f-string fields included.
    String,
    /// One punctuation byte (`->` is two tokens; no caller needs more).
    Operator,
    Comment,
    /// The end of a logical line (Python's NEWLINE, not NL).
    Newline,
}

/// A token's kind and byte range in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

/// Length of the line break at `at` (`\n`, `\r\n` or a lone `\r`), or 0.
pub fn line_break_len(bytes: &[u8], at: usize) -> usize {
    match bytes.get(at) {
        Some(b'\n') => 1,
        Some(b'\r') if bytes.get(at + 1) == Some(&b'\n') => 2,
        Some(b'\r') => 1,
        _ => 0,
    }
}

/// Byte classes, looked up instead of compared: the lexer asks for each
/// byte of a name and of the whitespace between tokens.
const NAME_START: u8 = 1;
const NAME_CONTINUE: u8 = 2;

const fn byte_classes() -> [u8; 256] {
    let mut classes = [0u8; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 {
            classes[byte] = NAME_START | NAME_CONTINUE;
        } else if b.is_ascii_digit() {
            classes[byte] = NAME_CONTINUE;
        }
        byte += 1;
    }
    classes
}

static BYTE_CLASSES: [u8; 256] = byte_classes();

fn is_name_start(byte: u8) -> bool {
    BYTE_CLASSES[usize::from(byte)] & NAME_START != 0
}

fn name_end(bytes: &[u8], start: usize) -> usize {
    let rest = &bytes[start..];
    let length = rest
        .iter()
        .position(|&byte| BYTE_CLASSES[usize::from(byte)] & NAME_CONTINUE == 0)
        .unwrap_or(rest.len());
    start + length
}

fn is_quote(byte: Option<&u8>) -> bool {
    matches!(byte, Some(b'"' | b'\''))
}

/// How a string literal's body is read, from its prefix.
#[derive(Debug, Clone, Copy, Default)]
struct StringFlags {
    raw: bool,
    /// f- and t-strings: `{...}` holds expressions (which may hold strings).
    formatted: bool,
}

/// The flags of a string prefix (`rb`, `F`, `tr`, ...), or `None` when the
/// name is not a prefix.
fn string_prefix(name: &[u8]) -> Option<StringFlags> {
    if name.len() > 2 {
        return None;
    }
    let mut flags = StringFlags::default();
    let mut kinds = 0;
    for byte in name.iter().map(u8::to_ascii_lowercase) {
        match byte {
            b'r' if !flags.raw => flags.raw = true,
            b'f' | b't' | b'b' | b'u' => {
                flags.formatted |= byte == b'f' || byte == b't';
                kinds += 1;
            }
            _ => return None,
        }
    }
    (kinds <= 1 && !(name.eq_ignore_ascii_case(b"ur") || name.eq_ignore_ascii_case(b"ru")))
        .then_some(flags)
}

/// Byte ranges of the expressions in an f-string's replacement fields
/// (those in format specs included, nested strings' own fields not: lex
/// the ranges to find those), or none for another token.
pub fn formatted_fields(source: &str, token: &Token) -> Vec<(usize, usize)> {
    let bytes = &source.as_bytes()[..token.end];
    let mut fields = Vec::new();
    if token.kind != TokenKind::String {
        return fields;
    }
    let Some(open) = memchr::memchr2(b'"', b'\'', &bytes[token.start..]).map(|n| token.start + n)
    else {
        return fields;
    };
    let flags = string_prefix(&bytes[token.start..open]).unwrap_or_default();
    if flags.formatted {
        string_end_with(bytes, open, flags, &mut |start, end| {
            fields.push((start, end))
        });
    }
    fields
}

/// Receives each replacement field's expression range.
type FieldSink<'a> = &'a mut dyn FnMut(usize, usize);

/// Where a string literal ends.
#[derive(Debug, Clone, Copy)]
struct StringEnd {
    end: usize,
    /// Whether its closing quote was found.
    closed: bool,
    /// False when the literal cannot hold a line break: a one-line string
    /// without a backslash or a replacement field.
    may_span_lines: bool,
}

/// End of the string literal whose opening quote is at `open`.
fn string_end(bytes: &[u8], open: usize, flags: StringFlags) -> StringEnd {
    string_end_with(bytes, open, flags, &mut |_, _| {})
}

fn string_end_with(bytes: &[u8], open: usize, flags: StringFlags, fields: FieldSink) -> StringEnd {
    let quote = bytes[open];
    let triple = bytes.get(open + 1) == Some(&quote) && bytes.get(open + 2) == Some(&quote);
    let mut at = open + if triple { 3 } else { 1 };
    let mut may_span_lines = triple;
    let ended = |end, closed, may_span_lines| StringEnd {
        end,
        closed,
        may_span_lines,
    };
    loop {
        at = next_special(bytes, at, quote, triple, flags.formatted);
        let Some(&byte) = bytes.get(at) else {
            return ended(bytes.len(), false, may_span_lines);
        };
        match byte {
            b'\\' => {
                may_span_lines = true;
                at = after_escape(bytes, at, flags);
            }
            b'{' => {
                may_span_lines = true;
                at = if bytes.get(at + 1) == Some(&b'{') {
                    at + 2
                } else {
                    replacement_field_end(bytes, at + 1, fields)
                };
            }
            // An unterminated one-line string ends at its line (Python
            // reports it; the tree has an error there too).
            b'\n' | b'\r' => return ended(at, false, may_span_lines),
            _ if !triple => return ended(at + 1, true, may_span_lines),
            _ if bytes.get(at + 1) == Some(&quote) && bytes.get(at + 2) == Some(&quote) => {
                return ended(at + 3, true, may_span_lines);
            }
            _ => at += 1,
        }
    }
}

/// The first byte from `at` that can end a string body or change how it
/// is read: its quote, a backslash, a field's `{` (f-strings), a line
/// break (one-line strings); the length of `bytes` if there is none.
fn next_special(bytes: &[u8], at: usize, quote: u8, triple: bool, formatted: bool) -> usize {
    let Some(rest) = bytes.get(at..) else {
        return bytes.len();
    };
    let found = match (triple, formatted) {
        (true, false) => memchr::memchr2(quote, b'\\', rest),
        (true, true) => memchr::memchr3(quote, b'\\', b'{', rest),
        (false, _) => rest.iter().position(|&byte| {
            byte == quote || matches!(byte, b'\\' | b'\n' | b'\r') || (formatted && byte == b'{')
        }),
    };
    found.map_or(bytes.len(), |n| at + n)
}

/// After a backslash in a string body: the escaped byte (a whole `\r\n`)
/// is skipped, and so is `\N{NAME}` outside raw strings (its braces are not
/// an f-string field).
fn after_escape(bytes: &[u8], backslash: usize, flags: StringFlags) -> usize {
    let next = backslash + 1;
    if !flags.raw && bytes.get(next) == Some(&b'N') && bytes.get(next + 1) == Some(&b'{') {
        return memchr::memchr(b'}', &bytes[next..]).map_or(bytes.len(), |n| next + n + 1);
    }
    // A brace after a backslash still opens or closes a field (`\{{` is a
    // backslash and an escaped brace).
    if flags.formatted && matches!(bytes.get(next), Some(b'{' | b'}')) {
        return next;
    }
    next + line_break_len(bytes, next).max(1)
}

/// End (after the closing `}`) of an f-string replacement field whose
/// expression starts at `start`. Strings inside are read whole, with any
/// quotes (Python 3.12 allows the enclosing one); a `:` outside brackets
/// starts the format spec, which may hold fields of its own.
fn replacement_field_end(bytes: &[u8], start: usize, fields: FieldSink) -> usize {
    let mut depth = 0usize;
    let mut at = start;
    while at < bytes.len() {
        let byte = bytes[at];
        match byte {
            b'"' | b'\'' => at = string_end(bytes, at, StringFlags::default()).end,
            b'(' | b'[' | b'{' => {
                depth += 1;
                at += 1;
            }
            b')' | b']' => {
                depth = depth.saturating_sub(1);
                at += 1;
            }
            b'}' if depth > 0 => {
                depth -= 1;
                at += 1;
            }
            b'}' => {
                fields(start, at);
                return at + 1;
            }
            b':' if depth == 0 => {
                fields(start, at);
                return format_spec_end(bytes, at + 1, fields);
            }
            _ if is_name_start(byte) => {
                let end = name_end(bytes, at);
                at = match string_prefix(&bytes[at..end]) {
                    Some(flags) if is_quote(bytes.get(end)) => string_end(bytes, end, flags).end,
                    _ => end,
                };
            }
            _ => at += 1,
        }
    }
    fields(start, bytes.len());
    bytes.len()
}

fn format_spec_end(bytes: &[u8], start: usize, fields: FieldSink) -> usize {
    let mut at = start;
    while at < bytes.len() {
        match bytes[at] {
            b'{' => at = replacement_field_end(bytes, at + 1, fields),
            b'}' => return at + 1,
            _ => at += 1,
        }
    }
    bytes.len()
}

/// The first byte from `at` that is not a space, tab or form feed.
fn skip_blanks(bytes: &[u8], mut at: usize) -> usize {
    while bytes
        .get(at)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\x0c'))
    {
        at += 1;
    }
    at
}

fn number_end(bytes: &[u8], start: usize) -> usize {
    let hex = bytes[start] == b'0' && matches!(bytes.get(start + 1), Some(b'x' | b'X'));
    let mut end = start;
    while end < bytes.len() {
        let byte = bytes[end];
        let exponent_sign = matches!(byte, b'+' | b'-')
            && !hex
            && matches!(bytes.get(end.wrapping_sub(1)), Some(b'e' | b'E'));
        if !(byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'.' || exponent_sign) {
            break;
        }
        end += 1;
    }
    end
}

/// Tokens of a source text, with a `Newline` at the end of each logical
/// line that holds any (comment-only and blank lines yield none). It also
/// counts rows as it goes (see [`Lexer::token_rows`]), so callers need not
/// search the text for line breaks again.
#[derive(Clone)]
pub struct Lexer<'s> {
    bytes: &'s [u8],
    at: usize,
    depth: usize,
    line_has_tokens: bool,
    suspect: bool,
    /// Rows (as Python counts them) before `at`, and where `at`'s line starts.
    row: usize,
    line_start: usize,
    /// The last token's rows (of its first and last byte) and line start.
    token_row: usize,
    token_last_row: usize,
    token_line_start: usize,
}

impl<'s> Lexer<'s> {
    pub fn new(source: &'s str) -> Self {
        let bom = "\u{feff}";
        let start = if source.starts_with(bom) {
            bom.len()
        } else {
            0
        };
        // The BOM stays part of the first line: its indentation counts it,
        // as it always has (such a file reads as suspect, and is parsed).
        Lexer {
            line_start: 0,
            ..Self::within(source, start, source.len())
        }
    }

    /// Tokens of `source[start..end]` (an f-string field), with offsets in
    /// `source` (rows count from `start`).
    pub fn within(source: &'s str, start: usize, end: usize) -> Self {
        Lexer {
            bytes: &source.as_bytes()[..end],
            at: start,
            depth: 0,
            line_has_tokens: false,
            suspect: false,
            row: 0,
            line_start: start,
            token_row: 0,
            token_last_row: 0,
            token_line_start: start,
        }
    }

    /// Its tokens other than comments and line ends: the code a line holds.
    pub fn code(self) -> impl Iterator<Item = Token> + Clone + use<'s> {
        self.filter(|t| !matches!(t.kind, TokenKind::Comment | TokenKind::Newline))
    }

    /// Whether the text read so far is likely not valid Python: a bracket
    /// closed that was not open or left open, an unterminated string, a
    /// stray backslash. A parser's error recovery decides what such a file
    /// holds, so callers should not trust token facts about it.
    pub fn suspect(&self) -> bool {
        self.suspect
    }

    /// The 0-based rows of the first and the last byte of the token last
    /// returned (`\n`, `\r\n` or a lone `\r` ends a row); only strings span
    /// rows. For a `Newline` token, its row.
    pub fn token_rows(&self) -> (usize, usize) {
        (self.token_row, self.token_last_row)
    }

    /// Where the line holding the start of the token last returned starts.
    pub fn token_line_start(&self) -> usize {
        self.token_line_start
    }

    fn string(&mut self, start: usize, open: usize, flags: StringFlags) -> Option<Token> {
        let found = string_end(self.bytes, open, flags);
        self.suspect |= !found.closed;
        let token = self.token(TokenKind::String, start, found.end);
        if found.may_span_lines {
            self.count_rows_within(start, found.end);
        }
        token
    }

    /// Counts the line breaks inside a token: a break counts towards the
    /// row after the token when it ends in it, and towards the token's
    /// last row when it ends before its last byte.
    fn count_rows_within(&mut self, start: usize, end: usize) {
        let bytes = self.bytes;
        for found in memchr::memchr2_iter(b'\n', b'\r', &bytes[start..end]) {
            let at = start + found;
            let second_of_crlf = bytes[at] == b'\n' && at > start && bytes[at - 1] == b'\r';
            let after = at + line_break_len(bytes, at);
            if second_of_crlf || after > end {
                continue;
            }
            self.row += 1;
            self.line_start = after;
            if after < end {
                self.token_last_row += 1;
            }
        }
    }

    fn token(&mut self, kind: TokenKind, start: usize, end: usize) -> Option<Token> {
        self.at = end;
        self.line_has_tokens = true;
        self.token_row = self.row;
        self.token_last_row = self.row;
        self.token_line_start = self.line_start;
        Some(Token { kind, start, end })
    }

    fn newline(&mut self, start: usize, end: usize) -> Option<Token> {
        self.at = end;
        self.token_row = self.row;
        self.token_last_row = self.row;
        self.token_line_start = self.line_start;
        if end > start {
            self.row += 1;
            self.line_start = end;
        }
        if self.depth == 0 && self.line_has_tokens {
            self.line_has_tokens = false;
            return Some(Token {
                kind: TokenKind::Newline,
                start,
                end,
            });
        }
        None
    }

    fn operator(&mut self, at: usize) -> Option<Token> {
        match self.bytes[at] {
            b'(' | b'[' | b'{' => self.depth += 1,
            b')' | b']' | b'}' => {
                self.suspect |= self.depth == 0;
                self.depth = self.depth.saturating_sub(1);
            }
            b'\\' | b'$' | b'?' | b'`' => self.suspect = true,
            _ => {}
        }
        self.token(TokenKind::Operator, at, at + 1)
    }

    fn name_or_string(&mut self, start: usize) -> Option<Token> {
        let end = name_end(self.bytes, start);
        if is_quote(self.bytes.get(end))
            && let Some(flags) = string_prefix(&self.bytes[start..end])
        {
            return self.string(start, end, flags);
        }
        self.token(TokenKind::Name, start, end)
    }

    fn comment(&mut self, start: usize) -> Token {
        let bytes = self.bytes;
        let end = memchr::memchr2(b'\n', b'\r', &bytes[start..]).map_or(bytes.len(), |n| start + n);
        self.at = end;
        self.token_row = self.row;
        self.token_last_row = self.row;
        self.token_line_start = self.line_start;
        Token {
            kind: TokenKind::Comment,
            start,
            end,
        }
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let bytes = self.bytes;
        loop {
            let at = skip_blanks(bytes, self.at);
            self.at = at;
            let Some(&byte) = bytes.get(at) else {
                let len = bytes.len();
                self.suspect |= self.depth > 0;
                self.depth = 0;
                return self.newline(len, len);
            };
            let found = match byte {
                b'\n' | b'\r' => self.newline(at, at + line_break_len(bytes, at)),
                b'\\' if line_break_len(bytes, at + 1) > 0 => {
                    self.at = at + 1 + line_break_len(bytes, at + 1);
                    self.row += 1;
                    self.line_start = self.at;
                    None
                }
                b'#' => return Some(self.comment(at)),
                b'"' | b'\'' => self.string(at, at, StringFlags::default()),
                _ if is_name_start(byte) => self.name_or_string(at),
                _ if byte.is_ascii_digit()
                    || byte == b'.' && bytes.get(at + 1).is_some_and(u8::is_ascii_digit) =>
                {
                    self.token(TokenKind::Number, at, number_end(bytes, at))
                }
                _ => self.operator(at),
            };
            if found.is_some() {
                return found;
            }
        }
    }
}

#[cfg(test)]
mod tests;
