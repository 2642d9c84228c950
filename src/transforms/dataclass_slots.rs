//! `dataclass-slots`: a `@dataclass` with field defaults becomes
//! `@dataclass(slots=True)`, or is refused with the reason when slots would
//! change what the program does.
//!
//! The plan's own form (a hand-written `__slots__` and `__init__` inside
//! `@dataclass`) yields a dataclass without fields; it is never generated.
//! [`candidates`] reads a file's tree into owned [`Candidate`]s; each
//! [`Candidate::decide`]s once the project's class facts are known.

use crate::syntax::field;
use tree_sitter::Node;

use super::class_facts::{ClassFacts, Layout, has_true_keyword, slots_statement};
use super::lines::{comment_lines_about, line_span, statements_of_kind};
use super::outcome::{ClassRefusal, Outcome, TextEdit};
use super::target::PythonVersion;

const SLOTS: PythonVersion = PythonVersion::new(3, 10);
const WEAKREF_SLOT: PythonVersion = PythonVersion::new(3, 11);
/// Zero-argument `super()` and `__class__` work in slotted dataclasses from here.
const SUPER_FIXED: PythonVersion = PythonVersion::new(3, 14);

/// Bases that add neither a `__dict__` nor a `__weakref__` slot.
const NEUTRAL_BASES: [&str; 4] = ["object", "ABC", "abc.ABC", "Protocol"];

/// What deciding needs besides the class.
pub struct Context<'a> {
    pub facts: &'a ClassFacts,
    /// `None` when neither `target-python` nor `requires-python` says.
    pub target: Option<PythonVersion>,
}

/// Every `@dataclass` class with field defaults not yet slotted, in source order.
pub fn candidates(root: Node, source: &str) -> Vec<Candidate> {
    statements_of_kind(root, "decorated_definition")
        .into_iter()
        .filter_map(|n| Candidate::of(n, source))
        .collect()
}

/// [`candidates`] decided at once (for tests and one-file uses).
pub fn transform(root: Node, source: &str, context: &Context) -> Vec<Outcome> {
    candidates(root, source)
        .iter()
        .map(|c| c.decide(context))
        .collect()
}

/// Whether a decorated class is one [`candidates`] would return.
pub fn is_candidate(decorated: Node, source: &str) -> bool {
    Candidate::of(decorated, source).is_some()
}

#[derive(Debug, Clone)]
struct Field {
    name: String,
    has_default: bool,
}

/// A hand-written `__slots__` statement.
#[derive(Debug, Clone)]
struct HandWrittenSlots {
    text: String,
    names: Vec<String>,
    literal: bool,
    /// Its whole lines, to delete.
    span: (usize, usize),
}

/// Where `slots=True` goes in the decorator: `insert_at`, between `before`
/// and `after` (`@dataclass` gains parentheses, a call a keyword).
#[derive(Debug, Clone)]
struct DecoratorInsert {
    insert_at: usize,
    before: &'static str,
    after: &'static str,
}

/// One dataclass, with everything deciding needs (owns no tree).
#[derive(Debug, Clone)]
pub struct Candidate {
    pub name: String,
    /// The class statement's start (after its decorators) and the end of its name.
    pub at: usize,
    pub name_end: usize,
    fields: Vec<Field>,
    decorator_below: Option<String>,
    /// Line and use of zero-argument `super()` or `__class__`.
    class_cell: Option<(usize, &'static str)>,
    cached_property: bool,
    slots: Option<HandWrittenSlots>,
    methods: Vec<String>,
    bases: Vec<String>,
    decorator: DecoratorInsert,
    stale_comments: Vec<(usize, usize)>,
}

fn is_dataclass_decorator(text: &str) -> bool {
    let expression = text.trim_start_matches('@').trim();
    let callee = expression.split('(').next().unwrap_or("").trim();
    callee == "dataclass" || callee == "dataclasses.dataclass"
}

fn text<'s>(node: Node, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

impl Candidate {
    fn of(decorated: Node, source: &str) -> Option<Self> {
        let class = decorated
            .child_by_field_id(field::DEFINITION)
            .filter(|d| d.kind() == "class_definition")?;
        let mut cursor = decorated.walk();
        let decorators: Vec<Node> = decorated
            .named_children(&mut cursor)
            .filter(|d| d.kind() == "decorator")
            .collect();
        let position = decorators
            .iter()
            .position(|d| is_dataclass_decorator(text(*d, source)))?;
        let decorator = decorators[position];
        if has_true_keyword(text(decorator, source), "slots") {
            return None;
        }
        let fields = fields(class, source);
        if !fields.iter().any(|f| f.has_default) {
            return None;
        }
        let name = class.child_by_field_id(field::NAME)?;
        let body = class.child_by_field_id(field::BODY)?;
        Some(Candidate {
            name: text(name, source).to_string(),
            at: class.start_byte(),
            name_end: name.end_byte(),
            fields,
            decorator_below: decorators
                .get(position + 1)
                .map(|d| text(*d, source).to_string()),
            class_cell: class_cell(body, source),
            cached_property: has_cached_property(body, source),
            slots: slots_statement(class, source).map(|s| HandWrittenSlots {
                text: text(s.statement, source).to_string(),
                names: s.names,
                literal: s.literal,
                span: line_span(source, s.statement),
            }),
            methods: methods(body, source),
            bases: super::class_facts::bases(class, source),
            decorator: decorator_insert(decorator, source),
            stale_comments: comment_lines_about(source, decorated, class, "slots"),
        })
    }

    fn refuse(&self, reason: String, proposal: &str) -> Outcome {
        Outcome::Refused(ClassRefusal {
            subject: self.name.clone(),
            at: self.at,
            reason,
            proposal: proposal.to_string(),
        })
    }

    pub fn decide(&self, context: &Context) -> Outcome {
        let Some(target) = context.target else {
            return self.refuse(
                "the target Python version is unknown (`slots=True` needs 3.10)".into(),
                "set `requires-python` in pyproject.toml, or the rule option `target-python`",
            );
        };
        if target < SLOTS {
            return self.refuse(
                format!("the project supports Python {target}; `slots=True` needs 3.10"),
                "keep the class as it is until the project requires Python 3.10",
            );
        }
        if let Some(below) = &self.decorator_below {
            return self.refuse(
                format!(
                    "`{below}` is applied before `@dataclass`, to the class `slots=True` replaces"
                ),
                "move the decorator above `@dataclass`, or keep the class without slots",
            );
        }
        if target < SUPER_FIXED
            && let Some((line, what)) = self.class_cell
        {
            return self.refuse(
                format!("line {line}: {what} refers to the class `slots=True` replaces, and fails before Python 3.14"),
                "write `super(ClassName, self)` / the class name explicitly, then migrate",
            );
        }
        if self.cached_property {
            return self.refuse(
                "`functools.cached_property` stores its value in the instance `__dict__`, which slots remove".into(),
                "keep the class without slots, or turn the property into a field computed in `__post_init__`",
            );
        }
        if let Some(outcome) = self.check_hand_written_slots() {
            return outcome;
        }
        if let Some(reason) = self.stores_outside_fields(context.facts) {
            return self.refuse(
                reason,
                "declare those attributes as fields (`field(init=False)`), or keep the class without slots",
            );
        }
        let weakref_slot = match self.weakref_slot_needed(context.facts) {
            Ok(needed) => needed,
            Err(reason) => {
                return self.refuse(
                    reason,
                    "keep the class without slots, or declare its bases' slots",
                );
            }
        };
        if weakref_slot && target < WEAKREF_SLOT {
            return self.refuse(
                format!("instances are weak-referenced, and `weakref_slot=True` needs Python 3.11 (the project supports {target})"),
                "keep the class without slots until the project requires Python 3.11",
            );
        }
        self.rewrite(weakref_slot)
    }

    /// A hand-written `__slots__` is removed only when it lists exactly the
    /// fields, in order (with it `slots=True` raises `TypeError`).
    fn check_hand_written_slots(&self) -> Option<Outcome> {
        let slots = self.slots.as_ref()?;
        let fields: Vec<&str> = self.fields.iter().map(|f| f.name.as_str()).collect();
        if slots.literal
            && slots
                .names
                .iter()
                .map(String::as_str)
                .eq(fields.iter().copied())
        {
            return None;
        }
        Some(self.refuse(
            format!(
                "the hand-written `__slots__` ({}) is not the fields in order ({})",
                slots.text,
                fields.join(", ")
            ),
            "make `__slots__` list the fields in order, or remove it by hand, then migrate",
        ))
    }

    /// Attributes stored on instances (in the class or anywhere in the
    /// project where the instance is known) that are not fields: slots
    /// would make each such store an `AttributeError`.
    fn stores_outside_fields(&self, facts: &ClassFacts) -> Option<String> {
        let stores = facts.attribute_stores.get(&self.name)?;
        let foreign: Vec<String> = stores
            .iter()
            .filter(|(attribute, _)| {
                !self.fields.iter().any(|f| &f.name == *attribute)
                    && !self.methods.contains(attribute)
            })
            .map(|(attribute, sites)| {
                let at: Vec<String> = sites
                    .iter()
                    .map(|s| format!("{}:{}", s.file, s.line))
                    .collect();
                format!("`{attribute}` ({})", at.join(", "))
            })
            .collect();
        (!foreign.is_empty()).then(|| {
            format!(
                "attributes that are not fields are assigned on instances: {}",
                foreign.join(", ")
            )
        })
    }

    /// Whether `weakref_slot=True` is needed to keep weak references working:
    /// only for a weak-referenced class whose bases have no `__weakref__`.
    fn weakref_slot_needed(&self, facts: &ClassFacts) -> Result<bool, String> {
        let bases: Vec<&String> = self.bases.iter().filter(|b| !is_neutral(b)).collect();
        let layouts: Vec<Option<&Layout>> = bases.iter().map(|b| facts.layout_of(b)).collect();
        let slotted = layouts
            .iter()
            .filter(|l| {
                matches!(
                    l,
                    Some(Layout::Slots { .. } | Layout::DataclassSlots { .. })
                )
            })
            .count();
        if slotted > 1 || (bases.len() > 1 && layouts.iter().any(Option::is_none)) {
            let names: Vec<&str> = bases.iter().map(|b| b.as_str()).collect();
            return Err(format!(
                "several bases ({}) may have slots; their layouts can conflict",
                names.join(", ")
            ));
        }
        if !facts.is_weak_referenced(&self.name) {
            return Ok(false);
        }
        match layouts.first() {
            None => Ok(true),
            Some(Some(Layout::Dict)) => Ok(false),
            Some(Some(Layout::Slots { weakref } | Layout::DataclassSlots { weakref })) => {
                Ok(!weakref)
            }
            Some(None) => Err(format!(
                "instances are weak-referenced and the base `{}` is not defined in the project, so whether it has `__weakref__` is unknown",
                bases[0]
            )),
        }
    }

    fn rewrite(&self, weakref_slot: bool) -> Outcome {
        let added = if weakref_slot {
            "slots=True, weakref_slot=True"
        } else {
            "slots=True"
        };
        let insert = &self.decorator;
        let mut edits = vec![TextEdit::insert(
            insert.insert_at,
            format!("{}{added}{}", insert.before, insert.after),
        )];
        if let Some(slots) = &self.slots {
            edits.push(TextEdit::delete(slots.span.0, slots.span.1));
        }
        for &(start, end) in &self.stale_comments {
            if !edits.iter().any(|e| e.start <= start && end <= e.end) {
                edits.push(TextEdit::delete(start, end));
            }
        }
        edits.sort_by_key(|e| e.start);
        let what = if weakref_slot {
            "`slots=True, weakref_slot=True` (its instances are weak-referenced)"
        } else {
            "`slots=True`"
        };
        Outcome::Rewrite {
            subject: self.name.clone(),
            at: self.at,
            edits,
            message: format!("dataclass `{}` gets {what}", self.name),
        }
    }
}

/// Zero-argument `super()` and `__class__` refer to the class object the
/// decorator replaces (fixed in Python 3.14).
fn class_cell(body: Node, source: &str) -> Option<(usize, &'static str)> {
    let mut stack = vec![body];
    let mut found = None;
    while let Some(node) = stack.pop() {
        let line = node.start_position().row + 1;
        let compact: String = text(node, source).split_whitespace().collect();
        let what = match node.kind() {
            "call" if compact == "super()" => Some("zero-argument `super()`"),
            "identifier" if compact == "__class__" => Some("`__class__`"),
            _ => None,
        };
        if let Some(what) = what
            && found.is_none_or(|(l, _)| line < l)
        {
            found = Some((line, what));
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    found
}

fn has_cached_property(body: Node, source: &str) -> bool {
    let mut cursor = body.walk();
    body.named_children(&mut cursor)
        .filter(|s| s.kind() == "decorated_definition")
        .any(|s| {
            text(s, source)
                .lines()
                .any(|l| l.trim_start().starts_with('@') && l.contains("cached_property"))
        })
}

/// Names of methods and properties (a property setter accepts stores).
fn methods(body: Node, source: &str) -> Vec<String> {
    let mut cursor = body.walk();
    body.named_children(&mut cursor)
        .filter_map(|s| match s.kind() {
            "function_definition" => Some(s),
            "decorated_definition" => s.child_by_field_id(field::DEFINITION),
            _ => None,
        })
        .filter_map(|f| f.child_by_field_id(field::NAME))
        .map(|n| text(n, source).to_string())
        .collect()
}

fn decorator_insert(decorator: Node, source: &str) -> DecoratorInsert {
    let expression = decorator.named_child(0).unwrap_or(decorator);
    let arguments = expression
        .child_by_field_id(field::ARGUMENTS)
        .filter(|_| expression.kind() == "call");
    let Some(arguments) = arguments else {
        return DecoratorInsert {
            insert_at: expression.end_byte(),
            before: "(",
            after: ")",
        };
    };
    let inside = &source[arguments.start_byte() + 1..arguments.end_byte() - 1];
    let trimmed = inside.trim_end();
    let after_last = arguments.start_byte() + 1 + trimmed.len();
    let (insert_at, before) = if trimmed.is_empty() {
        (arguments.end_byte() - 1, "")
    } else if trimmed.ends_with(',') {
        (after_last, " ")
    } else {
        (after_last, ", ")
    };
    DecoratorInsert {
        insert_at,
        before,
        after: "",
    }
}

fn is_neutral(base: &str) -> bool {
    NEUTRAL_BASES.contains(&base)
        || base.starts_with("Generic[")
        || base.starts_with("typing.Generic[")
}

/// Annotated class-body assignments, except `ClassVar`s.
fn fields(class: Node, source: &str) -> Vec<Field> {
    let Some(body) = class.child_by_field_id(field::BODY) else {
        return Vec::new();
    };
    let mut cursor = body.walk();
    body.named_children(&mut cursor)
        .filter_map(|statement| {
            statement
                .named_child(0)
                .filter(|a| a.kind() == "assignment")
        })
        .filter_map(|assignment| {
            let annotation = text(assignment.child_by_field_id(field::TYPE)?, source);
            let name = assignment
                .child_by_field_id(field::LEFT)
                .filter(|l| l.kind() == "identifier")?;
            (!annotation.contains("ClassVar")).then(|| Field {
                name: text(name, source).to_string(),
                has_default: assignment.child_by_field_id(field::RIGHT).is_some(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
