//! `slots-weakref`: a class with `__slots__` but no `'__weakref__'` whose
//! instances the project weak-references (weak containers, `weakref.ref`)
//! raises `TypeError: cannot create weak reference` at each such use.
//! The fix adds `'__weakref__'` to its slots. [`candidates`] reads a file's
//! tree into owned [`Candidate`]s; each decides with the project's facts.

use crate::syntax::field;
use tree_sitter::Node;

use super::class_facts::{self, ClassFacts, Layout, slots_statement};
use super::lines::statements_of_kind;
use super::outcome::{ClassRefusal, Outcome, TextEdit};

/// A class with a `__slots__` that lacks `'__weakref__'` (owns no tree).
#[derive(Debug, Clone)]
pub struct Candidate {
    pub name: String,
    pub at: usize,
    pub name_end: usize,
    bases: Vec<String>,
    /// The edit adding the slot; `None` when `__slots__` is computed.
    fix: Option<TextEdit>,
}

/// Slotted classes without `'__weakref__'`, in source order. A dataclass
/// `dataclass-slots` handles (its `weakref_slot=True`) is left to it.
pub fn candidates(root: Node, source: &str) -> Vec<Candidate> {
    statements_of_kind(root, "class_definition")
        .into_iter()
        .filter_map(|n| Candidate::of(n, source))
        .collect()
}

/// [`candidates`] decided at once (for tests and one-file uses).
pub fn transform(root: Node, source: &str, facts: &ClassFacts) -> Vec<Outcome> {
    candidates(root, source)
        .iter()
        .filter_map(|c| c.decide(facts))
        .collect()
}

impl Candidate {
    fn of(class: Node, source: &str) -> Option<Self> {
        if class.parent().is_some_and(|p| {
            p.kind() == "decorated_definition" && super::dataclass_slots::is_candidate(p, source)
        }) {
            return None;
        }
        let slots = slots_statement(class, source)?;
        if slots.names.iter().any(|n| n == "__weakref__") {
            return None;
        }
        let name = class.child_by_field_id(field::NAME)?;
        let value = slots
            .statement
            .named_child(0)?
            .child_by_field_id(field::RIGHT)?;
        Some(Candidate {
            name: source[name.byte_range()].to_string(),
            at: class.start_byte(),
            name_end: name.end_byte(),
            bases: class_facts::bases(class, source),
            fix: slots.literal.then(|| add_weakref(value, source)),
        })
    }

    /// A rewrite when the class is weak-referenced without a base that
    /// provides `__weakref__`; a refusal when that cannot be told or done.
    pub fn decide(&self, facts: &ClassFacts) -> Option<Outcome> {
        let name = &self.name;
        let sites = facts.weak_referenced.get(name)?;
        let used = sites
            .iter()
            .map(|s| format!("{}:{}", s.file, s.line))
            .collect::<Vec<_>>()
            .join(", ");
        let refuse = |reason: String, proposal: &str| {
            Some(Outcome::Refused(ClassRefusal {
                subject: name.clone(),
                at: self.at,
                reason,
                proposal: proposal.to_string(),
            }))
        };
        match bases_weakref(&self.bases, facts) {
            BasesWeakref::Provided => return None,
            BasesWeakref::Unknown(base) => {
                return refuse(
                    format!(
                        "`{name}` is weak-referenced ({used}) and its base `{base}` is not defined in the project, so whether weak references work is unknown"
                    ),
                    "add '__weakref__' to `__slots__` unless a base already provides it",
                );
            }
            BasesWeakref::Missing => {}
        }
        let Some(fix) = &self.fix else {
            return refuse(
                format!(
                    "`{name}` is weak-referenced ({used}) without a `__weakref__` slot, and its `__slots__` is computed"
                ),
                "add '__weakref__' to `__slots__` by hand",
            );
        };
        Some(Outcome::Rewrite {
            subject: name.clone(),
            at: self.at,
            edits: vec![fix.clone()],
            message: format!(
                "`{name}` has `__slots__` without '__weakref__' but is weak-referenced ({used}): each of those raises `TypeError: cannot create weak reference`"
            ),
        })
    }
}

enum BasesWeakref {
    /// A base already gives instances a `__weakref__` slot (or a `__dict__` class).
    Provided,
    Missing,
    Unknown(String),
}

fn bases_weakref(bases: &[String], facts: &ClassFacts) -> BasesWeakref {
    let relevant = bases.iter().filter(|b| {
        !matches!(b.as_str(), "object" | "ABC" | "abc.ABC") && !b.starts_with("Generic[")
    });
    for base in relevant {
        match facts.layout_of(base) {
            Some(Layout::Dict)
            | Some(Layout::Slots { weakref: true })
            | Some(Layout::DataclassSlots { weakref: true }) => return BasesWeakref::Provided,
            Some(_) => {}
            None => return BasesWeakref::Unknown(base.clone()),
        }
    }
    BasesWeakref::Missing
}

/// `("a",)` → `("a", "__weakref__")`, `["a"]` → `["a", "__weakref__"]`,
/// `"a"` → `("a", "__weakref__")`, `()` → `("__weakref__",)`, in the
/// literal's own quote style.
fn add_weakref(value: Node, source: &str) -> TextEdit {
    let text = &source[value.byte_range()];
    let quote = if text.contains('\'') && !text.contains('"') {
        '\''
    } else {
        '"'
    };
    let slot = format!("{quote}__weakref__{quote}");
    if value.kind() == "string" {
        return TextEdit {
            start: value.start_byte(),
            end: value.end_byte(),
            replacement: format!("({text}, {slot})"),
        };
    }
    let close = value.end_byte() - 1;
    let inside = &source[value.start_byte() + 1..close];
    let trimmed = inside.trim_end();
    let after_last = value.start_byte() + 1 + trimmed.len();
    let (at, added) = if trimmed.trim().is_empty() {
        let tuple = value.kind() == "tuple";
        (close, if tuple { format!("{slot},") } else { slot })
    } else if trimmed.ends_with(',') {
        (after_last, format!(" {slot}"))
    } else {
        (after_last, format!(", {slot}"))
    };
    TextEdit::insert(at, added)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax;
    use crate::transforms::class_facts;
    use crate::transforms::outcome::apply;

    fn run(source: &str) -> (String, Vec<Outcome>) {
        let tree = syntax::parse(source);
        let facts = class_facts::collect(tree.root_node(), source, "m.py");
        let outcomes = transform(tree.root_node(), source, &facts);
        (apply(source, &outcomes), outcomes)
    }

    const USE: &str = "\nimport weakref\npool = weakref.WeakValueDictionary()\npool['k'] = S()\n";

    #[test]
    fn weakref_is_added_to_each_literal_form() {
        for (slots, fixed) in [
            ("('name',)", "('name', '__weakref__')"),
            ("['a', 'b']", "['a', 'b', '__weakref__']"),
            ("\"name\"", "(\"name\", \"__weakref__\")"),
            ("()", "(\"__weakref__\",)"),
            (
                "(\n        'a',\n    )",
                "(\n        'a', '__weakref__'\n    )",
            ),
        ] {
            let source = format!("class S:\n    __slots__ = {slots}\n{USE}");
            let (out, outcomes) = run(&source);
            assert_eq!(
                out,
                format!("class S:\n    __slots__ = {fixed}\n{USE}"),
                "{slots}"
            );
            assert!(
                matches!(&outcomes[0], Outcome::Rewrite { message, .. } if message.contains("weak-referenced (m.py:"))
            );
        }
    }

    #[test]
    fn nothing_to_do_when_weak_references_already_work_or_are_not_taken() {
        for source in [
            format!("class S:\n    __slots__ = ('a', '__weakref__')\n{USE}"),
            format!("class Base:\n    pass\nclass S(Base):\n    __slots__ = ('a',)\n{USE}"),
            "class S:\n    __slots__ = ('a',)\n".to_string(),
        ] {
            assert!(run(&source).1.is_empty(), "{source}");
        }
    }

    #[test]
    fn unknown_bases_and_computed_slots_are_reported() {
        let remote = format!("class S(Remote):\n    __slots__ = ('a',)\n{USE}");
        let computed = format!("class S:\n    __slots__ = tuple(NAMES)\n{USE}");
        for source in [remote, computed] {
            let (out, outcomes) = run(&source);
            assert_eq!(out, source);
            assert!(matches!(&outcomes[..], [Outcome::Refused(_)]), "{source}");
        }
    }
}
