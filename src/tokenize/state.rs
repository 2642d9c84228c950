//! Shared mutable state read from tokens, as the audit's tree checks find
//! it: module-level assignments (`analysis::metrics::global_state`: the
//! audit adds the names rebound with `global` once the whole file is
//! read), and class-body containers, singletons and cached module
//! functions (`analysis::state::shared_state`). The wording is theirs.
//!
//! Exact where it answers: a statement whose value's shape the tokens do
//! not decide (`value::Shape::Undecided`), a hard keyword as a target,
//! the default manager's names (their allowance looks at the
//! tree's top-level functions), a singleton whose class-body text the
//! tree's block may or may not hold, or a decorator whose trailing comment
//! makes its node's text uncertain sets [`StateFacts::undecided`], and
//! the file is parsed.

use super::dataclass::{DataclassDefaults, DataclassScan};
use super::lexer::{Token, TokenKind};
use super::module::{Assignment, one_line_body, statements};
use super::value::{self, KEYWORDS, Shape};
use crate::analysis::metrics::{instance_why, is_exempt_name, is_instance_callee};
use crate::analysis::state::{
    CLASS_CONTAINER_CALLS, DEFAULT_MANAGER_NAMES, cached_function_message, class_container_message,
    is_cache_decorator_text, singleton_assignments, singleton_message,
};

/// Where a statement (or a decorator) is: bytes as its tree node spans
/// them, and its first row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeSpan {
    pub start: usize,
    pub end: usize,
    pub row: usize,
}

/// A module-level `name = value` the global-state check looks at (not an
/// exempt name, not a type alias).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleAssignment {
    pub name: String,
    pub span: NodeSpan,
    /// Why the value is mutable (`a dict`, `an instance (Foo)`), or `None`.
    pub mutable: Option<String>,
}

/// A class-level container, a singleton or a cached module function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedState {
    pub span: NodeSpan,
    pub message: String,
    /// A cache decorator: a warning, not an error.
    pub warning: bool,
    /// The class whose body holds it; `None` at module level.
    pub class: Option<String>,
}

/// What a file's statements say about shared state.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StateFacts {
    /// In source order.
    pub module: Vec<ModuleAssignment>,
    /// In source order of their classes' ends and functions.
    pub shared: Vec<SharedState>,
    /// `@dataclass` classes with field defaults, in order of their ends.
    pub dataclasses: Vec<DataclassDefaults>,
    /// Some statement needs the tree (see the module's doc and
    /// `dataclass.rs`).
    pub undecided: bool,
}

/// A top-level decorator waiting for its definition.
struct Decorator {
    span: NodeSpan,
}

/// The top-level class whose body is being read.
struct OpenClass {
    name: String,
    /// End of the header's `:`: the tree's block starts at or after it.
    header_end: usize,
    body_indent: Option<usize>,
    /// First and last token of the body.
    first_body: Option<usize>,
    last_end: usize,
    /// `name = None` statements, singletons if the body assigns them.
    nones: Vec<(String, NodeSpan)>,
    dataclass: bool,
}

/// The reading of one file, line by line.
#[derive(Default)]
pub struct StateScan {
    facts: StateFacts,
    decorators: Vec<Decorator>,
    class: Option<OpenClass>,
    dataclasses: DataclassScan,
}

/// One logical line and where it is.
pub struct Line<'a> {
    pub source: &'a str,
    pub tokens: &'a [Token],
    /// The row of each token's start.
    pub rows: &'a [usize],
    pub indent: usize,
    /// End of the last comment of the line, if any.
    pub comment_end: Option<usize>,
}

impl Line<'_> {
    /// The row of the token of this line that starts at `offset`.
    pub fn row(&self, offset: usize) -> usize {
        let index = self.tokens.partition_point(|t| t.start < offset);
        debug_assert_eq!(self.tokens.get(index).map(|t| t.start), Some(offset));
        self.rows.get(index).copied().unwrap_or_default()
    }

    fn text(&self, index: usize) -> Option<&str> {
        let token = self.tokens.get(index)?;
        Some(&self.source[token.start..token.end])
    }

    /// Where a decorator line's node ends (after its trailing comment, if
    /// any), and whether that end is uncertain: before `\r\n`, tree-sitter's
    /// comment may hold the `\r`.
    pub fn decorator_end(&self) -> (usize, bool) {
        let last_end = self.tokens[self.tokens.len() - 1].end;
        let end = self
            .comment_end
            .filter(|&end| end > last_end)
            .unwrap_or(last_end);
        let uncertain = end > last_end && self.source.as_bytes().get(end) == Some(&b'\r');
        (end, uncertain)
    }

    fn is_name(&self, index: usize, name: &str) -> bool {
        self.tokens
            .get(index)
            .is_some_and(|t| t.kind == TokenKind::Name)
            && self.text(index) == Some(name)
    }
}

impl StateScan {
    /// Reads a logical line; `direct_in_class`: the innermost open scope
    /// is the top-level class being read.
    pub fn line(&mut self, line: &Line, direct_in_class: bool) {
        let Some(first) = line.tokens.first() else {
            return;
        };
        self.dataclasses.line(line);
        if line.indent > 0 {
            self.class_line(line, direct_in_class);
            return;
        }
        self.close_class(line.source, first.start);
        if line.text(0) == Some("@") && first.kind == TokenKind::Operator {
            self.decorator(line);
            return;
        }
        let decorators = std::mem::take(&mut self.decorators);
        let def_at = if line.is_name(0, "async") { 1 } else { 0 };
        if line.is_name(def_at, "def") {
            self.cached_function(line, def_at + 1, &decorators);
        } else if line.is_name(0, "class") {
            self.open_class(line, &decorators);
        } else {
            for statement in statements(line.source, line.tokens) {
                if let Some(assignment) = statement.assignment() {
                    self.module_assignment(line, &assignment, statement.tokens);
                }
            }
        }
    }

    pub fn finish(mut self, source: &str) -> StateFacts {
        self.close_class(source, source.len());
        self.dataclasses.finish();
        self.facts.undecided |= !self.decorators.is_empty() || self.dataclasses.undecided;
        self.facts.dataclasses = std::mem::take(&mut self.dataclasses.found);
        self.facts
    }

    fn module_assignment(&mut self, line: &Line, assignment: &Assignment, tokens: &[Token]) {
        let source = line.source;
        let name = assignment.name;
        if is_keyword_like(name) {
            self.facts.undecided = true;
            return;
        }
        if is_exempt_name(name) || assignment.annotation.contains("TypeAlias") {
            return;
        }
        if DEFAULT_MANAGER_NAMES.contains(&name) {
            self.facts.undecided = true;
            return;
        }
        let value_text = |end: usize| &source[assignment.value[0].start..end];
        let mutable = match value::shape(source, assignment.value) {
            Shape::Undecided => {
                self.facts.undecided = true;
                return;
            }
            Shape::Display(kind) => Some(kind.to_string()),
            Shape::Call { function_end } => {
                let callee = value_text(function_end);
                let last = callee.rsplit('.').next().unwrap_or(callee);
                let shown = value_text(tokens[tokens.len() - 1].end);
                is_instance_callee(last).then(|| instance_why(shown))
            }
            Shape::NoneLiteral | Shape::Other => None,
        };
        self.facts.module.push(ModuleAssignment {
            name: name.to_string(),
            span: statement_span(tokens, line),
            mutable,
        });
    }

    /// A top-level decorator: its node runs from `@` to the end of the
    /// line's comment, if it has one.
    fn decorator(&mut self, line: &Line) {
        let (end, uncertain_end) = line.decorator_end();
        self.facts.undecided |= uncertain_end;
        let start = line.tokens[0].start;
        self.decorators.push(Decorator {
            span: NodeSpan {
                start,
                end,
                row: line.row(start),
            },
        });
    }

    /// A top-level `def` (its name at `name_at`) and its cache decorators.
    fn cached_function(&mut self, line: &Line, name_at: usize, decorators: &[Decorator]) {
        let Some(name) = line
            .text(name_at)
            .filter(|_| line.tokens[name_at].kind == TokenKind::Name)
        else {
            self.facts.undecided |= !decorators.is_empty();
            return;
        };
        for decorator in decorators {
            let text = &line.source[decorator.span.start..decorator.span.end];
            if is_cache_decorator_text(text) {
                self.facts.shared.push(SharedState {
                    span: decorator.span,
                    message: cached_function_message(name, text),
                    warning: true,
                    class: None,
                });
            }
        }
    }

    /// A top-level class; a dataclass (a decorator's text holds
    /// `dataclass`, as the tree asks) has fields, not shared containers.
    fn open_class(&mut self, line: &Line, decorators: &[Decorator]) {
        let dataclass = decorators
            .iter()
            .any(|d| line.source[d.span.start..d.span.end].contains("dataclass"));
        let named = line
            .tokens
            .get(1)
            .is_some_and(|t| t.kind == TokenKind::Name);
        let body = one_line_body(line.source, line.tokens);
        let colon = line.tokens.len() - body.len();
        let colon_token = colon
            .checked_sub(1)
            .and_then(|at| line.tokens.get(at))
            .filter(|t| &line.source[t.start..t.end] == ":");
        let (Some(name), true, Some(colon_token)) = (line.text(1), named, colon_token) else {
            self.facts.undecided = true;
            return;
        };
        self.class = Some(OpenClass {
            name: name.to_string(),
            header_end: colon_token.end,
            body_indent: None,
            first_body: None,
            last_end: colon_token.end,
            nones: Vec::new(),
            dataclass,
        });
        if !body.is_empty() {
            self.body_statements(line, body);
        }
    }

    fn class_line(&mut self, line: &Line, direct: bool) {
        let Some(class) = &mut self.class else {
            return;
        };
        let body_indent = *class.body_indent.get_or_insert(line.indent);
        class.last_end = line.tokens[line.tokens.len() - 1].end;
        if direct && line.indent == body_indent {
            self.body_statements(line, line.tokens);
        }
    }

    /// Statements directly in the open class's body.
    fn body_statements(&mut self, line: &Line, tokens: &[Token]) {
        let source = line.source;
        let Some(class) = &mut self.class else {
            return;
        };
        class.first_body.get_or_insert(tokens[0].start);
        class.last_end = tokens[tokens.len() - 1].end;
        for statement in statements(source, tokens) {
            let Some(assignment) = statement.assignment() else {
                continue;
            };
            if is_keyword_like(assignment.name) {
                self.facts.undecided = true;
                continue;
            }
            let span = statement_span(statement.tokens, line);
            let mutable = match value::shape(source, assignment.value) {
                Shape::Undecided => {
                    self.facts.undecided = true;
                    continue;
                }
                Shape::Display(_) => true,
                Shape::Call { function_end } => {
                    let callee = &source[assignment.value[0].start..function_end];
                    CLASS_CONTAINER_CALLS.contains(&callee)
                }
                Shape::NoneLiteral => {
                    class.nones.push((assignment.name.to_string(), span));
                    false
                }
                Shape::Other => false,
            };
            if mutable && !class.dataclass && !assignment.annotation.contains("ClassVar") {
                self.facts.shared.push(SharedState {
                    span,
                    message: class_container_message(&class.name, assignment.name),
                    warning: false,
                    class: Some(class.name.clone()),
                });
            }
        }
    }

    /// Ends the open class at `next` (the start of the next top-level
    /// line): its `name = None` statements are singletons where the body
    /// assigns them. The tree's block holds at least the body's tokens
    /// and at most everything up to `next`; where the two disagree, the
    /// tree decides.
    fn close_class(&mut self, source: &str, next: usize) {
        let Some(class) = self.class.take() else {
            return;
        };
        let inner = &source[class.first_body.unwrap_or(class.header_end)..class.last_end];
        let outer = &source[class.header_end..next];
        for (name, span) in class.nones {
            let assigned = singleton_assignments(&class.name, &name);
            let found_in = |text: &str| assigned.iter().any(|a| text.contains(a.as_str()));
            let (in_inner, in_outer) = (found_in(inner), found_in(outer));
            self.facts.undecided |= in_inner != in_outer;
            if in_inner && in_outer {
                self.facts.shared.push(SharedState {
                    span,
                    message: singleton_message(&class.name, &name),
                    warning: false,
                    class: Some(class.name.clone()),
                });
            }
        }
    }
}

/// A name a parser may not read as a plain assignment target: a hard
/// keyword. (A soft keyword, `match`, `type`, `print`, ..., followed by
/// `=` or `:` as `Statement::assignment` requires, is read as one: no
/// soft-keyword statement has that shape, and tree-sitter agrees, see
/// `tests/fixtures/tokenizer/state_soft_keywords.py`.)
fn is_keyword_like(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// A statement's node: its first token to its last.
fn statement_span(tokens: &[Token], line: &Line) -> NodeSpan {
    let start = tokens[0].start;
    NodeSpan {
        start,
        end: tokens[tokens.len() - 1].end,
        row: line.row(start),
    }
}

#[cfg(test)]
mod tests {
    use super::super::scan;

    fn module(source: &str) -> Vec<(String, Option<String>)> {
        let found = scan(source).state;
        assert!(!found.undecided, "{source:?}");
        found
            .module
            .into_iter()
            .map(|m| (m.name, m.mutable))
            .collect()
    }

    fn shared(source: &str) -> Vec<(String, bool)> {
        let found = scan(source).state;
        assert!(!found.undecided, "{source:?}");
        found
            .shared
            .into_iter()
            .map(|s| (source[s.span.start..s.span.end].to_string(), s.warning))
            .collect()
    }

    #[test]
    fn module_assignments_with_why_their_value_is_mutable() {
        let source = "_cache = {}\nitems = [x for x in y]\nsession = requests.Session()\n\
                      typed: Dict[str, int] = {}\nname = 'txo'\npair = (1, 2)\nodd = foo(1).Bar()\n\
                      LIMIT = {}\nlogger = logging.getLogger()\nAlias: TypeAlias = Dict[str, int]\n\
                      path = os.path.join(a, b)\nchain = a = []\nx.y = {}\nif x:\n    inner = {}\n";
        let owned = |name: &str, why: Option<&str>| (name.to_string(), why.map(String::from));
        assert_eq!(
            module(source),
            [
                owned("_cache", Some("a dict")),
                owned("items", Some("a list")),
                owned("session", Some("an instance (requests.Session)")),
                owned("typed", Some("a dict")),
                owned("name", None),
                owned("pair", None),
                owned("odd", Some("an instance (foo)")),
                owned("path", None),
                owned("chain", None),
            ]
        );
    }

    #[test]
    fn class_containers_singletons_and_cached_functions() {
        let source = [
            "class A:",
            "    _modules: Dict = {}",
            "    names: ClassVar[list] = []",
            "    _x = 1",
            "    made = dict()",
            "    other = collections.OrderedDict()",
            "    _instance = None",
            "    if x:",
            "        nested = {}",
            "    def get(cls):",
            "        cls._instance = cls()",
            "@functools.lru_cache(maxsize=None)",
            "def f():",
            "    pass",
            "@cache",
            "async def g(): pass",
            "class B: items = []",
            "",
        ]
        .join("\n");
        let source = source.as_str();
        assert_eq!(
            shared(source),
            [
                ("_modules: Dict = {}".to_string(), false),
                ("made = dict()".to_string(), false),
                ("_instance = None".to_string(), false),
                ("@functools.lru_cache(maxsize=None)".to_string(), true),
                ("@cache".to_string(), true),
                ("items = []".to_string(), false),
            ]
        );
    }

    #[test]
    fn what_the_tokens_cannot_decide_is_left_to_the_tree() {
        for source in [
            "x = {lambda: 1}\n",
            "_default_manager = None\n",
            "None = {}\n",
            "class A:\n    _x = None\n    # A._x = 1\n",
            "@lru_cache  # why\r\ndef f(): pass\r\n",
            "class A:\n    x = 'a' 'b'.join(y)\n",
        ] {
            assert!(scan(source).state.undecided, "{source:?}");
        }
    }
}
