//! `config-chain-to-require` (opt-in, phase 6): nested subscripts on
//! configuration (`config["a"]["b"]`, by provenance) become
//! `ConfigProxy(config).require("a", "b")`, and the one-assignment
//! `try`/`except KeyError` default form becomes `optional(…, default=D)`
//! where `D` is a literal (it is now evaluated eagerly, so nothing else may
//! be). Store and `del` targets, computed keys and handlers that use the
//! exception are left alone; computed keys are reported. Where the project
//! has no ConfigProxy module yet, the change set that imports it also
//! creates it (the scaffold's module), so it is applied whole or not at all.

use crate::syntax::field;
use tree_sitter::Node;

use super::lines::descendants;
use super::{
    ChangeSet, FileChange, FileInput, NewFile, OptionSpec, Options, Pending, ProjectIndex, Refusal,
    Transform, TransformOutput,
};
use crate::analysis::imports::{self, ImportChange};
use crate::analysis::{FileFacts, NameMatcher, Provenance};
use crate::syntax::KindTable;

pub struct ConfigChainToRequire;

const MODULE: OptionSpec = OptionSpec {
    name: "module",
    values: &[],
    default: "utils.config_proxy",
    help: "the module ConfigProxy is imported from",
};

fn text<'s>(node: Node, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

/// `X[k1]…[kn]` (n ≥ 2): the receiver and the keys, outermost last.
struct Chain<'t> {
    receiver: Node<'t>,
    keys: Vec<Node<'t>>,
}

fn chain_of(node: Node) -> Option<Chain> {
    let mut keys = Vec::new();
    let mut current = node;
    while current.kind() == "subscript" {
        let mut cursor = current.walk();
        let subscripts: Vec<Node> =
            field::children(current, field::SUBSCRIPT, &mut cursor).collect();
        let [key] = subscripts[..] else { return None };
        keys.push(key);
        current = current.child_by_field_id(field::VALUE)?;
    }
    keys.reverse();
    (keys.len() >= 2).then_some(Chain {
        receiver: current,
        keys,
    })
}

/// A plain string literal key (no f-string, no concatenation).
fn is_literal_key(key: Node, source: &str) -> bool {
    let mut cursor = key.walk();
    let interpolated = key
        .named_children(&mut cursor)
        .any(|c| c.kind() == "interpolation");
    key.kind() == "string" && !interpolated && !text(key, source).starts_with(['f', 'F', 'b', 'B'])
}

/// A literal default: numbers, strings, `True`/`False`/`None`, empty containers.
fn is_literal(node: Node, source: &str) -> bool {
    match node.kind() {
        "integer" | "float" | "true" | "false" | "none" => true,
        "string" => !text(node, source).contains('{'),
        "unary_operator" => node
            .named_child(0)
            .is_some_and(|n| matches!(n.kind(), "integer" | "float")),
        "list" | "dictionary" | "tuple" => node.named_child_count() == 0,
        _ => false,
    }
}

/// Loaded, not stored or deleted, and not itself the inner part of a chain.
fn is_outermost_load(node: Node) -> bool {
    let Some(parent) = node.parent() else {
        return true;
    };
    let is_target = |field: u16| {
        parent
            .child_by_field_id(field)
            .is_some_and(|t| t.id() == node.id())
    };
    match parent.kind() {
        "subscript" => !is_target(field::VALUE),
        "assignment" | "augmented_assignment" => !is_target(field::LEFT),
        "delete_statement" | "pattern_list" | "tuple_pattern" => false,
        _ => true,
    }
}

impl Transform for ConfigChainToRequire {
    fn name(&self) -> &'static str {
        "config-chain-to-require"
    }

    fn summary(&self) -> &'static str {
        "config[\"a\"][\"b\"] → ConfigProxy(config).require(\"a\", \"b\"); the try/except KeyError default form → optional(…, default=D)"
    }

    fn options(&self) -> &'static [OptionSpec] {
        &[MODULE]
    }

    fn may_apply(&self, text: &str) -> bool {
        text.contains("][")
    }

    /// The proxy module, where the project does not define it.
    fn creates(&self, options: &Options) -> Vec<String> {
        let module = options
            .get(MODULE.name)
            .map_or(MODULE.default, String::as_str);
        vec![format!("{}.py", module.replace('.', "/"))]
    }

    /// Its deferred work reads only the proxy module's top-level names.
    fn index_reads(&self, options: &Options) -> Option<Vec<String>> {
        let module = options
            .get(MODULE.name)
            .map_or(MODULE.default, String::as_str);
        Some(vec![module.to_string()])
    }

    fn prepare(&self, file: &FileInput) -> Vec<Pending> {
        let Ok(names) = NameMatcher::new(&file.settings.config_names) else {
            return Vec::new();
        };
        let facts = FileFacts::analyze(file.tree, file.text, &names, &KindTable::new());
        let module = file
            .options
            .get(MODULE.name)
            .map_or(MODULE.default, String::as_str);
        let mut outputs = rewrite_file(file, &facts, module);
        if outputs.is_empty() {
            return Vec::new();
        }
        let module = module.to_string();
        let proxy = NewFile {
            path: format!("{}.py", module.replace('.', "/")),
            text: super::scaffold::CONFIG_PROXY.module_text(&file.settings.helpful_error_module),
        };
        vec![Box::new(move |index: &ProjectIndex| {
            // The edits import ConfigProxy: where the project does not define
            // it there, the change creates the module too, so it is applied
            // whole or not at all (a different file in the way refuses it).
            let defined = index
                .module(&module)
                .map(|m| m.top_level.iter().any(|n| n == "ConfigProxy"));
            if defined != Some(true) {
                for output in &mut outputs {
                    if let TransformOutput::Change(change) = output {
                        change.new_files.push(proxy.clone());
                    }
                }
            }
            outputs
        })]
    }
}

fn rewrite_file(file: &FileInput, facts: &FileFacts, module: &str) -> Vec<TransformOutput> {
    let source = file.text;
    let root = file.tree.root_node();
    let mut edits: Vec<FileChange> = Vec::new();
    let mut outputs = Vec::new();
    let mut handled_try: Vec<(usize, usize)> = Vec::new();
    for node in descendants(root) {
        if node.kind() == "try_statement"
            && let Some(edit) = optional_form(node, source, facts)
        {
            handled_try.push((node.start_byte(), node.end_byte()));
            edits.push(FileChange {
                file: file.file,
                ..edit
            });
            continue;
        }
        if node.kind() != "subscript" || !is_outermost_load(node) {
            continue;
        }
        if handled_try
            .iter()
            .any(|(s, e)| *s <= node.start_byte() && node.end_byte() <= *e)
        {
            continue;
        }
        let Some(chain) = chain_of(node) else {
            continue;
        };
        if facts.provenance_of(chain.receiver) != Some(Provenance::Config) {
            continue;
        }
        if let Some(handler) = binding_handler(node, source) {
            outputs.push(TransformOutput::Refusal(Refusal::at(
                file.file,
                source,
                node.byte_range(),
                format!("`{}` left as it is", text(node, source)),
                format!("`{handler}` uses the exception, whose message and arguments would change"),
            )));
            continue;
        }
        if !chain.keys.iter().all(|k| is_literal_key(*k, source)) {
            outputs.push(TransformOutput::Refusal(Refusal::at(
                file.file,
                source,
                node.byte_range(),
                format!("`{}` left as it is", text(node, source)),
                "a key is computed, so the path is not known before it runs; use `require(...)` by hand if every key is a string".into(),
            )));
            continue;
        }
        edits.push(FileChange {
            file: file.file,
            start: node.start_byte(),
            end: node.end_byte(),
            replacement: call(&chain, source, "require", None),
        });
    }
    if edits.is_empty() {
        return outputs;
    }
    let newline = if file.newline == crate::source::NewlineStyle::CrLf {
        "\r\n"
    } else {
        "\n"
    };
    if let Some(ImportChange::Insert { at, text }) =
        imports::add_from_import(root, source, module, "ConfigProxy", newline)
    {
        edits.push(FileChange {
            file: file.file,
            start: at,
            end: at,
            replacement: text,
        });
    }
    edits.sort_by_key(|e| (e.start, e.end));
    outputs.push(TransformOutput::Change(ChangeSet {
        message: "configuration chains read through ConfigProxy".into(),
        edits,
        new_files: Vec::new(),
    }));
    outputs
}

fn call(chain: &Chain, source: &str, method: &str, default: Option<&str>) -> String {
    let mut arguments: Vec<&str> = chain.keys.iter().map(|k| text(*k, source)).collect();
    let default = default.map(|d| format!("default={d}"));
    arguments.extend(default.as_deref());
    format!(
        "ConfigProxy({}).{method}({})",
        text(chain.receiver, source),
        arguments.join(", ")
    )
}

/// `try: V = CHAIN` / `except KeyError: V = LITERAL` (nothing else, no
/// `as e`) → `V = ConfigProxy(X).optional(keys…, default=LITERAL)`.
fn optional_form(statement: Node, source: &str, facts: &FileFacts) -> Option<FileChange> {
    let mut cursor = statement.walk();
    let parts: Vec<Node> = statement
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .collect();
    let [body, handler] = parts[..] else {
        return None;
    };
    if body.kind() != "block" || handler.kind() != "except_clause" {
        return None;
    }
    let handler_text = text(handler, source);
    let header = handler_text.split(':').next()?.trim();
    if header != "except KeyError" {
        return None;
    }
    let (target, value) = single_assignment(body)?;
    let handler_block = handler
        .named_children(&mut handler.walk())
        .find(|n| n.kind() == "block")?;
    let (fallback_target, default) = single_assignment(handler_block)?;
    if text(target, source) != text(fallback_target, source) || target.kind() != "identifier" {
        return None;
    }
    let chain = chain_of(value)?;
    let literal =
        chain.keys.iter().all(|k| is_literal_key(*k, source)) && is_literal(default, source);
    if !literal || facts.provenance_of(chain.receiver) != Some(Provenance::Config) {
        return None;
    }
    let call = call(&chain, source, "optional", Some(text(default, source)));
    Some(FileChange {
        file: 0,
        start: statement.start_byte(),
        end: statement.end_byte(),
        replacement: format!("{} = {call}", text(target, source)),
    })
}

/// The header of an `except … as e:` that would catch a lookup error raised
/// at `node` (inside the `try` body, not a handler).
fn binding_handler(node: Node, source: &str) -> Option<String> {
    let mut child = node;
    while let Some(parent) = child.parent() {
        if parent.kind() == "try_statement"
            && parent
                .child_by_field_id(field::BODY)
                .is_some_and(|b| b.id() == child.id())
        {
            let mut cursor = parent.walk();
            let bound = parent
                .named_children(&mut cursor)
                .filter(|h| h.kind() == "except_clause")
                .filter_map(|h| text(h, source).split(':').next().map(str::trim))
                .find(|header| header.contains(" as "));
            if let Some(header) = bound {
                return Some(header.to_string());
            }
        }
        child = parent;
    }
    None
}

/// The block's only statement, when it is `NAME = VALUE`.
fn single_assignment(block: Node) -> Option<(Node, Node)> {
    let mut cursor = block.walk();
    let statements: Vec<Node> = block
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .collect();
    let [statement] = statements[..] else {
        return None;
    };
    let assignment = statement
        .named_child(0)
        .filter(|a| a.kind() == "assignment")?;
    if assignment.child_by_field_id(field::TYPE).is_some() {
        return None;
    }
    Some((
        assignment.child_by_field_id(field::LEFT)?,
        assignment.child_by_field_id(field::RIGHT)?,
    ))
}
