//! `thread-local-cache` (report only): classes that cache sessions or
//! clients in `threading.local()`.
//!
//! The plan says such caches leak when threads die; on CPython they do not
//! (thread-local storage is freed with its thread;
//! `tests/fixtures/plan_claims/thread_local.py`). The real defects appear
//! when the per-thread cache sits in front of a shared LRU: the LRU's bound
//! does not count what the threads hold, and a session the LRU evicts and
//! closes is still handed out from a thread's cache. Those are reported with
//! their lines (`report: defects`); plain per-thread caches get a note
//! (`report: plain-caches`).

use crate::syntax::field;
use tree_sitter::Node;

use super::lines::{descendants, statements_of_kind};
use super::{FileInput, OptionSpec, Options, Pending, Refusal, Transform, TransformOutput};

pub struct ThreadLocalCache;

const REPORT: OptionSpec = OptionSpec {
    name: "report",
    values: &["defects", "plain-caches"],
    default: "defects",
    help: "defects: per-thread caches in front of a shared LRU; plain-caches: the others (a note)",
};

/// What one class does with thread-local storage and an LRU, by line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CacheShape {
    pub class: String,
    /// `self.X = threading.local()`: (attribute, line, byte range).
    pub local: Option<(String, usize, (usize, usize))>,
    /// Lines that store into the thread's cache.
    pub thread_stores: Vec<usize>,
    /// Lines that return from the thread's cache.
    pub thread_returns: Vec<usize>,
    /// `self.Y = OrderedDict()`: (attribute, line).
    pub lru: Option<(String, usize)>,
    /// `len(self.Y) > …` lines.
    pub bound: Vec<usize>,
    /// Lines closing what `popitem` evicted.
    pub closes: Vec<usize>,
}

impl CacheShape {
    fn is_defect(&self) -> bool {
        self.local.is_some()
            && !self.thread_stores.is_empty()
            && self.lru.is_some()
            && !self.closes.is_empty()
    }

    /// The finding for this class, if it has a thread-local cache at all.
    fn finding(&self, defects: bool) -> Option<(String, String)> {
        let (local, local_line, _) = self.local.as_ref()?;
        if self.thread_stores.is_empty() || self.is_defect() != defects {
            return None;
        }
        let lines = |l: &[usize]| {
            let numbers: Vec<String> = l.iter().map(usize::to_string).collect();
            let word = if l.len() == 1 { "line" } else { "lines" };
            format!("{word} {}", numbers.join(", "))
        };
        if !defects {
            return Some((
                format!("`{}` caches objects per thread in `self.{local}` (line {local_line})", self.class),
                "CPython frees thread-local storage when its thread ends, so this cache does not outlive its threads; change it only if the objects must be bounded across threads or closed explicitly".into(),
            ));
        }
        let (lru, lru_line) = self.lru.as_ref()?;
        let mut reason = format!(
            "the per-thread cache (stored at {}) is outside the shared LRU `self.{lru}` (line {lru_line})",
            lines(&self.thread_stores)
        );
        if !self.bound.is_empty() {
            reason.push_str(&format!(
                ": the LRU's bound ({}) does not count what the threads hold",
                lines(&self.bound)
            ));
        }
        reason.push_str(&format!(
            ", and an object the LRU evicts and closes ({}) is still handed out from a thread's cache",
            lines(&self.closes)
        ));
        if !self.thread_returns.is_empty() {
            reason.push_str(&format!(" ({})", lines(&self.thread_returns)));
        }
        reason.push_str("; keep one LRU keyed by (thread, key) under its lock, or look up the LRU on every call");
        Some((
            format!(
                "`{}` caches per thread in front of its shared LRU",
                self.class
            ),
            reason,
        ))
    }
}

impl Transform for ThreadLocalCache {
    fn name(&self) -> &'static str {
        "thread-local-cache"
    }

    fn summary(&self) -> &'static str {
        "reports per-thread caches that bypass a shared LRU (closed objects handed out, bound not counting them)"
    }

    fn options(&self) -> &'static [OptionSpec] {
        &[REPORT]
    }

    fn may_apply(&self, text: &str) -> bool {
        text.contains("local()")
    }

    /// Its findings come from the file alone.
    fn index_reads(&self, _options: &Options) -> Option<Vec<String>> {
        Some(Vec::new())
    }

    fn prepare(&self, file: &FileInput) -> Vec<Pending> {
        let defects = file.options.get(REPORT.name).is_none_or(|v| v == "defects");
        let shapes = shapes(file.tree.root_node(), file.text);
        let outputs: Vec<TransformOutput> = shapes
            .iter()
            .filter_map(|shape| {
                let (message, reason) = shape.finding(defects)?;
                let (_, _, range) = shape.local.as_ref()?;
                Some(TransformOutput::Refusal(Refusal::at(
                    file.file,
                    file.text,
                    range.0..range.1,
                    message,
                    reason,
                )))
            })
            .collect();
        if outputs.is_empty() {
            return Vec::new();
        }
        vec![Box::new(move |_| outputs)]
    }
}

/// The cache shape of every class in the file that uses `threading.local()`.
pub fn shapes(root: Node, source: &str) -> Vec<CacheShape> {
    statements_of_kind(root, "class_definition")
        .into_iter()
        .map(|n| class_shape(n, source))
        .filter(|shape| shape.local.is_some())
        .collect()
}

fn text<'s>(node: Node, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

fn line(node: Node) -> usize {
    node.start_position().row + 1
}

/// `self.attr` → `attr`.
fn self_attribute<'s>(node: Node, source: &'s str) -> Option<&'s str> {
    let t = text(node, source);
    let attr = t.strip_prefix("self.")?;
    attr.chars()
        .all(|c| c.is_alphanumeric() || c == '_')
        .then_some(attr)
}

fn callee<'s>(call: Node, source: &'s str) -> &'s str {
    call.child_by_field_id(field::FUNCTION)
        .map_or("", |f| text(f, source))
}

fn class_shape(class: Node, source: &str) -> CacheShape {
    let mut shape = CacheShape {
        class: class
            .child_by_field_id(field::NAME)
            .map_or(String::new(), |n| text(n, source).to_string()),
        ..CacheShape::default()
    };
    let Some(body) = class.child_by_field_id(field::BODY) else {
        return shape;
    };
    // Attributes first, then their uses in each method.
    let nodes = descendants(body);
    for node in &nodes {
        if node.kind() != "assignment" {
            continue;
        }
        let (Some(left), Some(right)) = (
            node.child_by_field_id(field::LEFT),
            node.child_by_field_id(field::RIGHT),
        ) else {
            continue;
        };
        let (Some(attr), true) = (self_attribute(left, source), right.kind() == "call") else {
            continue;
        };
        let called = callee(right, source);
        if called == "threading.local" || called == "local" {
            shape.local = Some((
                attr.to_string(),
                line(*node),
                (node.start_byte(), node.end_byte()),
            ));
        } else if called == "OrderedDict" || called == "collections.OrderedDict" {
            shape.lru = Some((attr.to_string(), line(*node)));
        }
    }
    if let Some((local, _, _)) = shape.local.clone() {
        let lru = shape.lru.as_ref().map(|l| l.0.clone());
        for method in nodes.iter().filter(|n| n.kind() == "function_definition") {
            method_uses(*method, source, &local, lru.as_deref(), &mut shape);
        }
    }
    shape.thread_stores.sort_unstable();
    shape.thread_stores.dedup();
    shape
}

/// In one method: names bound to the thread's cache, stores into it and
/// returns from it; the LRU's bound checks and evictions that close.
fn method_uses(method: Node, source: &str, local: &str, lru: Option<&str>, shape: &mut CacheShape) {
    let thread_cache = format!("self.{local}");
    let mut cache_names: Vec<String> = Vec::new();
    let mut evicted: Vec<String> = Vec::new();
    for node in descendants(method) {
        let t = text(node, source);
        match node.kind() {
            "assignment" => {
                let (Some(left), Some(right)) = (
                    node.child_by_field_id(field::LEFT),
                    node.child_by_field_id(field::RIGHT),
                ) else {
                    continue;
                };
                let right_text = text(right, source);
                let left_text = text(left, source);
                let reads_cache = right_text.starts_with(&format!("{thread_cache}."))
                    || (right.kind() == "call"
                        && callee(right, source) == "getattr"
                        && right_text.contains(&thread_cache));
                if left.kind() == "identifier" && reads_cache {
                    cache_names.push(left_text.to_string());
                }
                if left_text.starts_with(&format!("{thread_cache}.")) {
                    shape.thread_stores.push(line(node));
                    if right.kind() == "identifier" {
                        cache_names.push(right_text.to_string());
                    }
                }
                if left.kind() == "subscript"
                    && let Some(value) = left.child_by_field_id(field::VALUE)
                {
                    let target = text(value, source);
                    if cache_names.iter().any(|n| n == target)
                        || target.starts_with(&format!("{thread_cache}."))
                    {
                        shape.thread_stores.push(line(node));
                    }
                }
                if let Some(lru) = lru
                    && right_text.starts_with(&format!("self.{lru}.popitem("))
                {
                    evicted.extend(bound_names(left, source));
                }
            }
            "return_statement"
                if cache_names
                    .iter()
                    .any(|n| t.starts_with(&format!("return {n}["))) =>
            {
                shape.thread_returns.push(line(node));
            }
            "comparison_operator" => {
                if let Some(lru) = lru
                    && t.starts_with(&format!("len(self.{lru})"))
                {
                    shape.bound.push(line(node));
                }
            }
            "call" => {
                let called = callee(node, source);
                if let Some(object) = called.strip_suffix(".close")
                    && evicted.iter().any(|e| e == object)
                {
                    shape.closes.push(line(node));
                }
            }
            _ => {}
        }
    }
}

/// Names an assignment target binds (`_, evicted` → `_`, `evicted`).
fn bound_names(left: Node, source: &str) -> Vec<String> {
    if left.kind() == "identifier" {
        return vec![text(left, source).to_string()];
    }
    let mut cursor = left.walk();
    left.named_children(&mut cursor)
        .filter(|n| n.kind() == "identifier")
        .map(|n| text(n, source).to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax;

    const POOL: &str = include_str!("../../examples/txo-v21-sample/utils/client_pool.py");

    fn shapes_of(source: &str) -> Vec<CacheShape> {
        shapes(syntax::parse(source).root_node(), source)
    }

    #[test]
    fn the_sample_pool_is_a_defect_with_its_lines() {
        let shapes = shapes_of(POOL);
        assert_eq!(shapes.len(), 1);
        let pool = &shapes[0];
        assert_eq!(pool.class, "ClientPool");
        assert_eq!(pool.local.as_ref().map(|l| l.1), Some(33));
        assert_eq!(pool.lru, Some(("_lru".to_string(), 31)));
        assert_eq!(pool.thread_stores, [42, 55]);
        assert_eq!(pool.thread_returns, [44]);
        assert_eq!(pool.bound, [52]);
        assert_eq!(pool.closes, [54]);
        let (message, reason) = pool.finding(true).unwrap();
        assert!(message.contains("ClientPool"));
        assert!(
            reason.contains("bound (line 52)")
                && reason.contains("closes (line 54)")
                && reason.contains("stored at lines 42, 55")
                && reason.contains("(line 44)"),
            "{reason}"
        );
        assert!(!reason.contains("leak") && !message.contains("leak"));
        assert_eq!(pool.finding(false), None);
    }

    #[test]
    fn a_plain_per_thread_cache_gets_a_note_not_a_defect() {
        let source = "import threading\nclass M:\n    def __init__(self):\n        self._local = threading.local()\n    def get(self, key):\n        sessions = getattr(self._local, 'sessions', None)\n        if sessions is None:\n            sessions = {}\n            self._local.sessions = sessions\n        sessions[key] = object()\n        return sessions[key]\n";
        let shapes = shapes_of(source);
        assert_eq!(shapes[0].finding(true), None);
        let (_, reason) = shapes[0].finding(false).unwrap();
        assert!(
            reason.contains("freed") || reason.contains("frees"),
            "{reason}"
        );
        assert!(!reason.contains("leak"));
    }

    #[test]
    fn thread_locals_that_cache_nothing_are_not_reported() {
        let source = "import threading\nclass M:\n    def __init__(self):\n        self._local = threading.local()\n    def depth(self):\n        return getattr(self._local, 'depth', 0)\n";
        let shapes = shapes_of(source);
        assert_eq!(shapes[0].finding(true), None);
        assert_eq!(shapes[0].finding(false), None);
    }
}
