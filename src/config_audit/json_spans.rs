//! A JSON text's structure with byte offsets, for telling where a key is
//! (its line) and where a missing one can be inserted without
//! re-serialising the file. Values are skipped, never kept: secrets files
//! go through here too. The text is validated by `serde_json` first, so
//! this parser only has to be right on valid JSON.

/// One value of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Object(Object),
    /// A list: key paths do not go through it. `close` is the offset of
    /// `]`, `items` how many values it holds.
    Array {
        start: usize,
        close: usize,
        items: usize,
    },
    Scalar {
        start: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// Byte offset of `{` and of the closing `}`.
    pub open: usize,
    pub close: usize,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub key: String,
    pub key_start: usize,
    /// Byte offset just after the member's value.
    pub value_end: usize,
    pub value: Node,
}

/// The structure of a valid JSON text; `None` if it is not valid JSON.
pub fn parse(text: &str) -> Option<Node> {
    let mut parser = Parser {
        bytes: text.as_bytes(),
        text,
        at: 0,
    };
    let node = parser.value()?;
    parser.skip_space();
    (parser.at == parser.bytes.len()).then_some(node)
}

struct Parser<'t> {
    bytes: &'t [u8],
    text: &'t str,
    at: usize,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.skip_space();
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }

    fn value(&mut self) -> Option<Node> {
        self.skip_space();
        let start = self.at;
        match self.peek()? {
            b'{' => self.object().map(Node::Object),
            b'[' => {
                let items = self.array()?;
                Some(Node::Array {
                    start,
                    close: self.at - 1,
                    items,
                })
            }
            b'"' => {
                self.string()?;
                Some(Node::Scalar { start })
            }
            _ => {
                while self
                    .peek()
                    .is_some_and(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
                {
                    self.at += 1;
                }
                (self.at > start).then_some(Node::Scalar { start })
            }
        }
    }

    fn object(&mut self) -> Option<Object> {
        let open = self.at;
        self.at += 1;
        let mut members = Vec::new();
        self.skip_space();
        if self.peek() != Some(b'}') {
            loop {
                self.skip_space();
                let key_start = self.at;
                let key = self.string()?;
                self.eat(b':')?;
                let value = self.value()?;
                members.push(Member {
                    key,
                    key_start,
                    value_end: self.at,
                    value,
                });
                if self.eat(b',').is_none() {
                    break;
                }
            }
        }
        self.eat(b'}')?;
        Some(Object {
            open,
            close: self.at - 1,
            members,
        })
    }

    /// A list; returns how many values it holds.
    fn array(&mut self) -> Option<usize> {
        self.at += 1;
        self.skip_space();
        let mut items = 0;
        if self.peek() != Some(b']') {
            loop {
                self.value()?;
                items += 1;
                if self.eat(b',').is_none() {
                    break;
                }
            }
        }
        self.eat(b']')?;
        Some(items)
    }

    /// A string literal, decoded.
    fn string(&mut self) -> Option<String> {
        let start = self.at;
        (self.peek() == Some(b'"')).then_some(())?;
        self.at += 1;
        loop {
            match self.peek()? {
                b'\\' => self.at += 2,
                b'"' => break,
                _ => self.at += 1,
            }
        }
        self.at += 1;
        serde_json::from_str(self.text.get(start..self.at)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_keep_their_offsets() {
        let text = "{\n  \"a\": {\"b\": [1, {\"c\": 2}]},\n  \"d\\u0021\": \"x\"\n}\n";
        let Some(Node::Object(root)) = parse(text) else {
            panic!("not an object");
        };
        let keys: Vec<&str> = root.members.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["a", "d!"]);
        assert_eq!(&text[root.members[0].key_start..][..3], "\"a\"");
        assert_eq!(root.close, text.len() - 2);
        let Node::Object(a) = &root.members[0].value else {
            panic!("a is an object");
        };
        assert!(matches!(a.members[0].value, Node::Array { .. }));
        assert_eq!(&text[root.members[1].value_end..][..1], "\n");
    }

    #[test]
    fn invalid_text_is_refused() {
        assert_eq!(parse("{\"a\": 1"), None);
        assert_eq!(parse("{} x"), None);
    }
}
