//! Compiles a Python code pattern with metavariables into a [`Pattern`]: the
//! pattern is made valid Python by turning `$X` into a reserved identifier,
//! parsed with the same grammar as the target, and stored as an owned tree.

use crate::syntax::field;
use tree_sitter::Node;

use crate::syntax::{self, KindTable};

const SINGLE_PREFIX: &str = "__txomv_";
const MULTI_PREFIX: &str = "__txomvs_";

/// A metavariable; `name` is `None` for `$_`-style wildcards that bind nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaVar {
    pub name: Option<String>,
}

impl MetaVar {
    fn from_name(name: &str) -> Self {
        let name = (!name.starts_with('_')).then(|| name.to_string());
        MetaVar { name }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternNode {
    /// `$NAME`: exactly one node.
    Single(MetaVar),
    /// `$$$NAME`: zero or more sibling nodes.
    Multi(MetaVar),
    /// A token compared by kind and text.
    Leaf { kind: u16, text: String },
    /// A node compared by kind and, in order, its significant children.
    Inner {
        kind: u16,
        children: Vec<PatternNode>,
    },
}

#[derive(Debug, Clone)]
pub struct Pattern {
    pub root: PatternNode,
    /// Identifiers every match must contain, with what must surround them:
    /// a file without all of them cannot match and need not be parsed.
    pub required_tokens: Vec<TokenSpec>,
    /// A token every match has at a fixed place, checked before the full
    /// structural match so that most candidates are rejected cheaply.
    pub anchor: Option<Anchor>,
}

/// An identifier a match contains, and what the source text around it must
/// look like for it to be that identifier of the pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSpec {
    pub text: String,
    /// Called (`exit` in `sys.exit(...)`): followed by `(`.
    pub called: bool,
    /// Called with nothing between the brackets (`getLogger` in
    /// `logging.getLogger()`): followed by `(` and `)`.
    pub empty_call: bool,
    /// The callee itself (`exit` in `exit(...)`): not preceded by `.`.
    pub unqualified: bool,
    /// Right after a statement keyword (`SystemExit` in `raise SystemExit`):
    /// preceded by that keyword on the same logical line.
    pub after_keyword: Option<&'static str>,
    /// No identifier byte on either side (else it may be part of a word).
    pub whole_word: bool,
    /// Where in the file's tokens the text must be.
    pub place: TokenPlace,
}

/// Where a required token must occur for a match to contain it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPlace {
    /// In code: not inside a comment or a string (an f-string's
    /// replacement fields are code).
    Code,
    /// Inside a string literal.
    String,
    /// Inside a string literal that is a statement's own expression (a
    /// docstring, or an element of a bare tuple), not an operand.
    StatementString,
    /// Anywhere in the text.
    Anywhere,
}

impl TokenSpec {
    /// A whole identifier in code, whatever surrounds it.
    pub fn word(text: &str) -> Self {
        TokenSpec {
            text: text.to_string(),
            called: false,
            empty_call: false,
            unqualified: false,
            after_keyword: None,
            whole_word: true,
            place: TokenPlace::Code,
        }
    }

    /// A plain string literal of a pattern: the matcher compares strings by
    /// their text, so the same text must lie inside a string of the file.
    pub fn string_literal(text: &str) -> Self {
        TokenSpec {
            whole_word: false,
            place: TokenPlace::String,
            ..TokenSpec::word(text)
        }
    }
}

/// Keywords that start a simple statement: nothing but spaces and line
/// continuations can separate them from the expression that follows.
const STATEMENT_KEYWORDS: &[&str] = &["raise", "return", "del", "assert"];

/// A leaf at a fixed path of significant-child indices from the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub path: Vec<usize>,
    pub kind: u16,
    pub text: String,
}

/// A pattern that is not valid Python, with the offending byte range in the
/// pattern as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub message: String,
    pub offset: usize,
    pub len: usize,
}

impl Pattern {
    /// The canonical kind of the root node, or `None` when the root is a
    /// metavariable and any node may match.
    pub fn root_kind(&self) -> Option<u16> {
        match &self.root {
            PatternNode::Leaf { kind, .. } | PatternNode::Inner { kind, .. } => Some(*kind),
            PatternNode::Single(_) | PatternNode::Multi(_) => None,
        }
    }

    /// Names of all metavariables the pattern binds.
    pub fn bound_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        collect_names(&self.root, &mut names);
        names
    }
}

fn collect_names(node: &PatternNode, names: &mut Vec<String>) {
    match node {
        PatternNode::Single(var) | PatternNode::Multi(var) => {
            if let Some(name) = &var.name
                && !names.contains(name)
            {
                names.push(name.clone());
            }
        }
        PatternNode::Inner { children, .. } => children
            .iter()
            .for_each(|child| collect_names(child, names)),
        PatternNode::Leaf { .. } => {}
    }
}

/// Rewrites `$X`/`$$$X` to identifiers, remembering how offsets shift so that
/// errors can point into the pattern as the user wrote it.
struct Substituted {
    text: String,
    /// (start in `text`, length there, start in the original, length there)
    /// of each substitution.
    anchors: Vec<(usize, usize, usize, usize)>,
}

impl Substituted {
    fn new(pattern: &str) -> Self {
        let bytes = pattern.as_bytes();
        let mut text = String::with_capacity(pattern.len() + 16);
        let mut anchors = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'$' {
                let (dollars, prefix) = if pattern[i..].starts_with("$$$") {
                    (3, MULTI_PREFIX)
                } else {
                    (1, SINGLE_PREFIX)
                };
                let name_len = metavar_name_len(&pattern[i + dollars..]);
                if name_len > 0 {
                    let start = text.len();
                    text.push_str(prefix);
                    text.push_str(&pattern[i + dollars..i + dollars + name_len]);
                    anchors.push((start, text.len() - start, i, dollars + name_len));
                    i += dollars + name_len;
                    continue;
                }
            }
            let ch = pattern[i..].chars().next().unwrap_or('\0');
            text.push(ch);
            i += ch.len_utf8().max(1);
        }
        Substituted { text, anchors }
    }

    fn original_offset(&self, offset: usize) -> usize {
        let anchor = self
            .anchors
            .iter()
            .rev()
            .find(|(start, ..)| *start <= offset);
        match anchor {
            // Inside a substituted name: point at its `$`.
            Some((start, len, original, _)) if offset < start + len => *original,
            Some((start, len, original, original_len)) => {
                original + original_len + (offset - start - len)
            }
            None => offset,
        }
    }
}

/// Length of a metavariable name (`[A-Z_][A-Z0-9_]*`) at the start of `rest`.
pub fn metavar_name_len(rest: &str) -> usize {
    let mut len = 0;
    for (index, ch) in rest.char_indices() {
        let ok = ch.is_ascii_uppercase() || ch == '_' || (index > 0 && ch.is_ascii_digit());
        if !ok {
            break;
        }
        len = index + 1;
    }
    len
}

pub fn compile(pattern: &str, kinds: &KindTable) -> Result<Pattern, PatternError> {
    let substituted = Substituted::new(pattern.trim_end());
    let tree = syntax::parse(&substituted.text);
    if let Some(error) = syntax::first_error(&tree) {
        let offset = substituted.original_offset(error.start_byte());
        let len = (error.end_byte() - error.start_byte()).max(1);
        return Err(PatternError {
            message: "the pattern is not valid Python".into(),
            offset: offset.min(pattern.len().saturating_sub(1)),
            len: len.min(pattern.len().saturating_sub(offset).max(1)),
        });
    }
    let root_node = pattern_root(tree.root_node()).ok_or_else(|| PatternError {
        message: "a pattern must be exactly one statement or expression".into(),
        offset: 0,
        len: pattern.len().max(1),
    })?;
    let root = convert(root_node, &substituted.text, kinds);
    let required_tokens = required_tokens(root_node, &substituted.text);
    let anchor = find_anchor(&root, kinds);
    Ok(Pattern {
        root,
        required_tokens,
        anchor,
    })
}

/// The most telling leaf below the root whose position does not depend on
/// how many nodes a `$$$` run takes: an identifier if there is one, then a
/// literal, then a keyword or operator. The root itself is already checked
/// by kind dispatch, so a leaf root needs no anchor.
fn find_anchor(root: &PatternNode, kinds: &KindTable) -> Option<Anchor> {
    let identifier = kinds.id_of_name("identifier");
    let literals: Vec<u16> = ["string", "integer", "float", "true", "false", "none"]
        .iter()
        .filter_map(|name| kinds.id_of_name(name))
        .collect();
    let score = |kind: u16| match kind {
        _ if Some(kind) == identifier => 2,
        _ if literals.contains(&kind) => 1,
        _ => 0,
    };
    let mut best: Option<(u8, Anchor)> = None;
    let mut stack = vec![(root, Vec::new())];
    while let Some((node, path)) = stack.pop() {
        match node {
            PatternNode::Leaf { kind, text } if !path.is_empty() => {
                // Best score first, then the shallowest (cheapest to reach).
                let better = best.as_ref().is_none_or(|(s, a)| {
                    (score(*kind), std::cmp::Reverse(path.len()))
                        > (*s, std::cmp::Reverse(a.path.len()))
                });
                if better {
                    let anchor = Anchor {
                        path,
                        kind: *kind,
                        text: text.clone(),
                    };
                    best = Some((score(*kind), anchor));
                }
            }
            PatternNode::Inner { children, .. } => {
                let fixed: Vec<_> = children
                    .iter()
                    .take_while(|child| !matches!(child, PatternNode::Multi(_)))
                    .enumerate()
                    .collect();
                // Reversed so that the stack pops them in source order.
                for (index, child) in fixed.into_iter().rev() {
                    let mut child_path = path.clone();
                    child_path.push(index);
                    stack.push((child, child_path));
                }
            }
            _ => {}
        }
    }
    best.map(|(_, anchor)| anchor)
}

/// The identifiers of the pattern (not metavariables), each with its
/// surroundings, and its plain string literals, in order and without
/// duplicates.
fn required_tokens(root: Node, text: &str) -> Vec<TokenSpec> {
    let mut found: Vec<TokenSpec> = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let name = &text[node.byte_range()];
        let spec = if node.kind() == "identifier" && !name.starts_with("__txomv") {
            Some(TokenSpec {
                called: is_called(node),
                empty_call: called_by(node).is_some_and(has_no_arguments),
                unqualified: is_callee(node),
                after_keyword: keyword_before(node),
                ..TokenSpec::word(name)
            })
        } else if is_plain_string(node) {
            Some(TokenSpec::string_literal(&restore_dollars(name)))
        } else {
            None
        };
        if let Some(spec) = spec
            && !found.contains(&spec)
        {
            found.push(spec);
        }
        let mut cursor = node.walk();
        let children: Vec<_> = node.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    found
}

/// `f` in `f(...)`.
fn is_callee(node: Node) -> bool {
    node.parent().is_some_and(|parent| {
        parent.kind() == "call" && parent.child_by_field_id(field::FUNCTION) == Some(node)
    })
}

/// `f` in `f(...)` or `exit` in `sys.exit(...)`.
fn is_called(node: Node) -> bool {
    called_by(node).is_some()
}

/// The call whose callee `node` is, or whose callee's attribute it is.
fn called_by(node: Node) -> Option<Node> {
    let callee = if is_callee(node) {
        node
    } else {
        node.parent().filter(|parent| {
            parent.kind() == "attribute"
                && parent.child_by_field_id(field::ATTRIBUTE) == Some(node)
                && is_callee(*parent)
        })?
    };
    callee.parent()
}

/// `f()`: an argument list with nothing in it (not even a metavariable).
fn has_no_arguments(call: Node) -> bool {
    call.child_by_field_id(field::ARGUMENTS)
        .is_some_and(|list| list.kind() == "argument_list" && list.named_child_count() == 0)
}

/// A string literal without replacement fields (compared by its text).
fn is_plain_string(node: Node) -> bool {
    let mut cursor = node.walk();
    node.kind() == "string"
        && !node
            .children(&mut cursor)
            .any(|child| child.kind() == "interpolation")
}

/// The statement keyword right before `node`, if `node` starts the
/// expression that follows it (`SystemExit` in `raise SystemExit(1)`).
fn keyword_before(node: Node) -> Option<&'static str> {
    let mut current = node;
    loop {
        if let Some(previous) = current.prev_sibling() {
            let statement = current.parent()?;
            return STATEMENT_KEYWORDS
                .iter()
                .find(|k| previous.kind() == **k && statement.kind() == format!("{k}_statement"))
                .copied();
        }
        current = current
            .parent()
            .filter(|p| p.start_byte() == node.start_byte())?;
    }
}

/// The node a pattern stands for: its single statement, or the expression of
/// a single expression statement.
fn pattern_root(module: Node) -> Option<Node> {
    let statements = syntax::significant_children(module);
    let [statement] = statements.as_slice() else {
        return None;
    };
    Some(unwrap_expression_statement(*statement))
}

fn unwrap_expression_statement(node: Node) -> Node {
    match syntax::significant_children(node).as_slice() {
        [only] if node.kind() == "expression_statement" => *only,
        _ => node,
    }
}

fn convert(node: Node, text: &str, kinds: &KindTable) -> PatternNode {
    // A statement that is only a metavariable stands for any statement;
    // other expression statements match expression statements.
    let inner = unwrap_expression_statement(node);
    let is_metavariable =
        inner.kind() == "identifier" && text[inner.byte_range()].starts_with("__txomv");
    let node = if is_metavariable { inner } else { node };
    let node_text = &text[node.byte_range()];
    if node.kind() == "identifier" {
        if let Some(name) = node_text.strip_prefix(MULTI_PREFIX) {
            return PatternNode::Multi(MetaVar::from_name(name));
        }
        if let Some(name) = node_text.strip_prefix(SINGLE_PREFIX) {
            return PatternNode::Single(MetaVar::from_name(name));
        }
    }
    let children = syntax::significant_children(node);
    let is_plain_string =
        node.kind() == "string" && !children.iter().any(|c| c.kind() == "interpolation");
    if children.is_empty() || is_plain_string {
        return PatternNode::Leaf {
            kind: kinds.of(node),
            text: restore_dollars(node_text),
        };
    }
    PatternNode::Inner {
        kind: kinds.of(node),
        children: children
            .into_iter()
            .map(|child| convert(child, text, kinds))
            .collect(),
    }
}

/// Undoes the metavariable substitution inside literal text (e.g. a `$` in a
/// string of the pattern stays a `$`).
fn restore_dollars(text: &str) -> String {
    text.replace(MULTI_PREFIX, "$$$")
        .replace(SINGLE_PREFIX, "$")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled(pattern: &str) -> Pattern {
        compile(pattern, &KindTable::new()).unwrap()
    }

    #[test]
    fn metavariables_become_captures() {
        let pattern = compiled("$X.get($K, $$$REST)");
        assert_eq!(pattern.bound_names(), ["X", "K", "REST"]);
        let texts: Vec<_> = pattern.required_tokens.iter().map(|t| &t.text).collect();
        assert_eq!(texts, ["get"]);
        assert!(pattern.required_tokens[0].called && !pattern.required_tokens[0].unqualified);
        assert!(pattern.root_kind().is_some());
    }

    #[test]
    fn underscore_metavariables_bind_nothing() {
        let pattern = compiled("sys.exit($_)");
        assert!(pattern.bound_names().is_empty());
        let texts: Vec<_> = pattern.required_tokens.iter().map(|t| &t.text).collect();
        assert_eq!(texts, ["sys", "exit"]);
    }

    #[test]
    fn tokens_know_their_surroundings() {
        let tokens = compiled("exit($CODE)").required_tokens;
        assert!(tokens[0].called && tokens[0].unqualified);
        let tokens = compiled("raise SystemExit($CODE)").required_tokens;
        assert_eq!(tokens[0].after_keyword, Some("raise"));
        assert!(tokens[0].called && tokens[0].unqualified);
        let tokens = compiled("raise SystemExit").required_tokens;
        assert_eq!(tokens[0].after_keyword, Some("raise"));
        assert!(!tokens[0].called);
        let tokens = compiled("raise $E from SystemExit").required_tokens;
        assert_eq!(tokens[0].after_keyword, None);
        let tokens = compiled("return x.y").required_tokens;
        assert_eq!(tokens[0].after_keyword, Some("return"));
        assert_eq!(tokens[1].after_keyword, None);
    }

    #[test]
    fn an_empty_call_is_known() {
        let tokens = compiled("logging.getLogger().$M($$$ARGS)").required_tokens;
        let get_logger = tokens.iter().find(|t| t.text == "getLogger").unwrap();
        assert!(get_logger.called && get_logger.empty_call);
        let tokens = compiled("logging.getLogger($$$ARGS)").required_tokens;
        assert!(tokens.iter().all(|t| !t.empty_call));
        let tokens = compiled("exit()").required_tokens;
        assert!(tokens[0].empty_call && tokens[0].unqualified);
        assert!(!compiled("exit(0)").required_tokens[0].empty_call);
    }

    #[test]
    fn plain_string_literals_are_required_in_strings() {
        let tokens = compiled("$P.add_argument(\"--no-validation\", $$$ARGS)").required_tokens;
        let texts: Vec<_> = tokens.iter().map(|t| (t.text.as_str(), t.place)).collect();
        assert_eq!(
            texts,
            [
                ("add_argument", TokenPlace::Code),
                ("\"--no-validation\"", TokenPlace::String)
            ]
        );
        assert!(!tokens[1].whole_word);
        // A `$` in a literal is literal; an f-string's fields are code.
        let tokens = compiled("f('$X')").required_tokens;
        assert_eq!(tokens[1].text, "'$X'");
        let tokens = compiled("f(f'{a}')").required_tokens;
        assert!(tokens.iter().all(|t| t.place == TokenPlace::Code));
    }

    #[test]
    fn anchors_are_identifiers_at_fixed_places() {
        let text_at = |pattern: &str| compiled(pattern).anchor.map(|a| (a.text, a.path));
        assert_eq!(text_at("$X.get($K, $D)"), Some(("get".into(), vec![0, 2])));
        assert_eq!(text_at("exit($CODE)"), Some(("exit".into(), vec![0])));
        assert_eq!(
            text_at("raise SystemExit"),
            Some(("SystemExit".into(), vec![1]))
        );
        // Nothing after a `$$$` run has a fixed place.
        assert_eq!(text_at("f($$$A, 'x')"), Some(("f".into(), vec![0])));
        assert_eq!(text_at("[$$$A, 'x']"), None);
        assert_eq!(text_at("$X"), None);
    }

    #[test]
    fn statement_metavariable_is_a_capture() {
        let pattern = compiled("$X");
        assert_eq!(pattern.root_kind(), None);
    }

    #[test]
    fn invalid_python_points_into_the_pattern() {
        let error = compile("$X.get($K,, )", &KindTable::new()).unwrap_err();
        assert_eq!(error.message, "the pattern is not valid Python");
        assert!(error.offset >= 6 && error.offset <= 11, "{error:?}");
        let error = compile("print($MESSAGE,, file)", &KindTable::new()).unwrap_err();
        assert_eq!(
            &"print($MESSAGE,, file)"[error.offset..error.offset + 1],
            ",",
            "{error:?}"
        );
    }

    #[test]
    fn several_statements_are_rejected() {
        let error = compile("a = 1\nb = 2", &KindTable::new()).unwrap_err();
        assert!(error.message.contains("exactly one"));
    }

    #[test]
    fn dollar_inside_string_is_literal() {
        let pattern = compiled("print(\"$HOME\")");
        let PatternNode::Inner { children, .. } = &pattern.root else {
            panic!("call expected");
        };
        let PatternNode::Inner { children: args, .. } = &children[1] else {
            panic!("argument list expected");
        };
        assert!(matches!(&args[0], PatternNode::Leaf { text, .. } if text == "\"$HOME\""));
    }
}
