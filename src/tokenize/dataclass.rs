//! `@dataclass` classes with field defaults (the audit's `dataclass-slots`
//! fact, `analysis::metrics`'s `is_dataclass_with_defaults`), read from
//! tokens at any depth: a class whose decorators' text (as the tree's
//! decorator nodes hold it: `@` to the end of the line's comment) contains
//! `dataclass`, and one of whose body statements assigns with a plain `=`.
//! Undecided (the file is parsed) where a decorator's trailing comment
//! may end differently in the tree, or a body statement starts with a soft
//! keyword not followed by `=` or `:` (a `match` or `type` statement).

use super::lexer::{Token, TokenKind};
use super::module::statements;
use super::state::{Line, NodeSpan};
use super::value::{KEYWORDS, SOFT_KEYWORDS};

/// A decorated class with field defaults: its decorated definition's start
/// (the first decorator) and the end of the class header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataclassDefaults {
    pub span: NodeSpan,
    pub class: String,
}

/// A decorator waiting for its definition.
struct Decorator {
    indent: usize,
    start: usize,
    row: usize,
    dataclass: bool,
}

/// A `@dataclass` class whose body is being read.
struct OpenDataclass {
    indent: usize,
    body_indent: Option<usize>,
    span: NodeSpan,
    class: String,
    has_default: bool,
}

#[derive(Default)]
pub struct DataclassScan {
    pending: Vec<Decorator>,
    open: Vec<OpenDataclass>,
    pub found: Vec<DataclassDefaults>,
    pub undecided: bool,
}

impl DataclassScan {
    pub fn line(&mut self, line: &Line) {
        let Some(first) = line.tokens.first() else {
            return;
        };
        self.close(line.indent);
        if let Some(open) = self.open.last_mut() {
            let body_indent = *open.body_indent.get_or_insert(line.indent);
            if line.indent == body_indent {
                self.body_statements(line.source, line.tokens);
            }
        }
        let is = |index: usize, text: &str| {
            line.tokens
                .get(index)
                .is_some_and(|t| &line.source[t.start..t.end] == text)
        };
        if first.kind == TokenKind::Operator && is(0, "@") {
            self.decorator(line);
            return;
        }
        if self.pending.is_empty() {
            return;
        }
        let decorators = std::mem::take(&mut self.pending);
        let is_class = first.kind == TokenKind::Name && is(0, "class");
        if is_class && decorators.iter().any(|d| d.dataclass) {
            self.open_class(line, &decorators);
        }
    }

    pub fn finish(&mut self) {
        self.close(0);
        self.undecided |= self.pending.iter().any(|d| d.dataclass);
    }

    fn decorator(&mut self, line: &Line) {
        let tokens = line.tokens;
        let (end, uncertain_end) = line.decorator_end();
        let dataclass = line.source[tokens[0].start..end].contains("dataclass");
        self.undecided |= dataclass && uncertain_end;
        self.pending.push(Decorator {
            indent: line.indent,
            start: tokens[0].start,
            row: line.row(tokens[0].start),
            dataclass,
        });
    }

    fn open_class(&mut self, line: &Line, decorators: &[Decorator]) {
        let name = line
            .tokens
            .get(1)
            .filter(|t| t.kind == TokenKind::Name)
            .map(|t| &line.source[t.start..t.end]);
        let (Some(name), Some(first)) = (name, decorators.first()) else {
            self.undecided = true;
            return;
        };
        if decorators.iter().any(|d| d.indent != line.indent) {
            self.undecided = true;
            return;
        }
        self.open.push(OpenDataclass {
            indent: line.indent,
            body_indent: None,
            span: NodeSpan {
                start: first.start,
                end: line.tokens[line.tokens.len() - 1].end,
                row: first.row,
            },
            class: name.to_string(),
            has_default: false,
        });
        let body = super::module::one_line_body(line.source, line.tokens);
        if !body.is_empty() {
            self.body_statements(line.source, body);
        }
    }

    /// Statements directly in the innermost open dataclass's body.
    fn body_statements(&mut self, source: &str, tokens: &[Token]) {
        for statement in statements(source, tokens) {
            let Some(first) = statement.tokens.first() else {
                continue;
            };
            let text = &source[first.start..first.end];
            let target_first = match first.kind {
                // `match x:`, `type X = ...`, `print x`: the tree decides;
                // `match: str`, `type = 1` are plain assignments.
                TokenKind::Name
                    if SOFT_KEYWORDS.contains(&text) && !statement.starts_assignment() =>
                {
                    self.undecided = true;
                    continue;
                }
                TokenKind::Name => !KEYWORDS.contains(&text),
                TokenKind::Operator => matches!(text, "(" | "[" | "*"),
                _ => false,
            };
            if target_first
                && statement.has_plain_equals()
                && let Some(open) = self.open.last_mut()
            {
                open.has_default = true;
            }
        }
    }

    /// Ends the dataclasses a line at `indent` is outside of.
    fn close(&mut self, indent: usize) {
        while self.open.last().is_some_and(|open| open.indent >= indent) {
            if let Some(open) = self.open.pop().filter(|open| open.has_default) {
                self.found.push(DataclassDefaults {
                    span: open.span,
                    class: open.class,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scan;

    fn found(source: &str) -> Vec<String> {
        let tokens = scan(source);
        assert!(!tokens.state.undecided, "{source:?}");
        tokens
            .state
            .dataclasses
            .into_iter()
            .map(|d| d.class)
            .collect()
    }

    #[test]
    fn dataclasses_with_a_default_at_any_depth() {
        let source = [
            "@dataclass",
            "class A:",
            "    x: int = 0",
            "@dataclasses.dataclass(frozen=True)",
            "class B:",
            "    x: int",
            "    def f(self):",
            "        y = 1",
            "def outer():",
            "    @dataclass",
            "    class C: x: int = 1",
            "    @dataclass",
            "    class D:",
            "        a, b = 1, 2",
            "@dataclass",
            "def not_a_class(): x = 1",
            "@register  # a dataclass, says the comment",
            "class E:",
            "    x = 1",
            "",
        ]
        .join("\n");
        assert_eq!(found(&source), ["A", "C", "D", "E"]);
    }

    #[test]
    fn soft_keywords_as_targets_are_fields() {
        let source = "@dataclass\nclass A:\n    match: str\n    type: int = 0\n\
                      @dataclass\nclass B:\n    _: KW_ONLY\n    print: bool\n";
        assert_eq!(found(source), ["A"]);
    }

    #[test]
    fn a_soft_keyword_statement_is_left_to_the_tree() {
        assert!(
            scan("@dataclass\nclass A:\n    type X = int\n")
                .state
                .undecided
        );
    }
}
