//! Project-wide facts about classes that phase 5 needs before rewriting one:
//! which classes declare slots, which are weak-referenced, and which
//! attributes are stored on their instances (`self.x = …` in methods,
//! `obj.x = …` where `obj` is known to be an instance). Collected per file
//! from its tree, then merged for the project.

use crate::syntax::field;
use std::collections::{BTreeMap, BTreeSet};

use tree_sitter::Node;

/// Where something was seen: a file (as shown to the user) and a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Site {
    pub file: String,
    pub line: usize,
}

/// How a class lays out its instances, as far as its own code says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// No `__slots__` and no `slots=True`: instances have a `__dict__`.
    Dict,
    /// Hand-written `__slots__`; whether it lists `'__weakref__'`.
    Slots { weakref: bool },
    /// `@dataclass(slots=True)`; whether `weakref_slot=True` too.
    DataclassSlots { weakref: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassInfo {
    pub layout: Layout,
    /// Base class expressions as written (`Base`, `mod.Base`).
    pub bases: Vec<String>,
    pub site: Site,
}

/// What the project says about its classes, by class name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassFacts {
    /// Every definition of a class name (several modules may reuse a name).
    pub classes: BTreeMap<String, Vec<ClassInfo>>,
    /// Classes whose instances are put in a weak container or `weakref.ref`.
    pub weak_referenced: BTreeMap<String, BTreeSet<Site>>,
    /// Attribute name → where it is stored on an instance, per class name.
    pub attribute_stores: BTreeMap<String, BTreeMap<String, BTreeSet<Site>>>,
}

impl ClassFacts {
    pub fn merge(&mut self, other: ClassFacts) {
        for (name, infos) in other.classes {
            self.classes.entry(name).or_default().extend(infos);
        }
        for (name, sites) in other.weak_referenced {
            self.weak_referenced.entry(name).or_default().extend(sites);
        }
        for (class, stores) in other.attribute_stores {
            let mine = self.attribute_stores.entry(class).or_default();
            for (attribute, sites) in stores {
                mine.entry(attribute).or_default().extend(sites);
            }
        }
    }

    /// The one layout a class name has in the project; `None` when it is
    /// not defined here or defined more than once with different layouts.
    pub fn layout_of(&self, class: &str) -> Option<&Layout> {
        let infos = self.classes.get(class)?;
        let first = &infos.first()?.layout;
        infos.iter().all(|i| &i.layout == first).then_some(first)
    }

    pub fn is_weak_referenced(&self, class: &str) -> bool {
        self.weak_referenced.contains_key(class)
    }
}

/// The facts one file contributes.
pub fn collect(root: Node, source: &str, file: &str) -> ClassFacts {
    collect_walking(root, source, file, false)
}

/// [`collect`]; `whole`: visit every node (what the pruned walk must equal).
fn collect_walking(root: Node, source: &str, file: &str, whole: bool) -> ClassFacts {
    let mut collector = Collector {
        source,
        file,
        facts: ClassFacts::default(),
        containers: BTreeMap::new(),
        calls: None,
    };
    // A tree with errors may hold anything anywhere: it is walked whole.
    let whole = whole || root.has_error();
    // Weak containers are named `Weak…` (`weak_kind`): only assignments
    // holding the word can make one.
    let weak = positions(source, ["Weak"]);
    collector.find_containers(root, (!whole).then_some(&weak));
    // Calls give facts only as `weakref.…(x)` or on a weak container (its
    // name is in the call's text); elsewhere only statements do (classes,
    // `self`, assignments), so an expression is entered only where its
    // text holds one of those.
    let names = collector.containers.keys().map(String::as_str);
    collector.calls = (!whole).then(|| positions(source, names.chain(["weakref"])));
    collector.visit(root, &mut Scope::default());
    collector.facts
}

/// Where the words occur in `source`, sorted.
fn positions<'w>(source: &str, words: impl IntoIterator<Item = &'w str>) -> Vec<usize> {
    let mut at: Vec<usize> = words
        .into_iter()
        .flat_map(|word| memchr::memmem::find_iter(source.as_bytes(), word.as_bytes()))
        .collect();
    at.sort_unstable();
    at.dedup();
    at
}

/// Beyond the statement containers (`syntax::STATEMENT_CONTAINERS`), the
/// node kinds that may hold a class, a function or an assignment
/// (tree-sitter-python's node types, closed under "may contain"): a walk
/// for those enters nothing else.
const OTHER_DEFINITION_HOLDERS: &[&str] =
    &["expression_statement", "assignment", "augmented_assignment"];

/// Whether a node of `kind` may hold a class, a function or an assignment.
fn may_hold_definitions(kind: &str) -> bool {
    crate::syntax::STATEMENT_CONTAINERS.contains(&kind) || OTHER_DEFINITION_HOLDERS.contains(&kind)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Weak {
    /// `WeakValueDictionary`: values are weak.
    Values,
    /// `WeakKeyDictionary`: keys are weak.
    Keys,
    /// `WeakSet`: elements are weak.
    Elements,
}

fn weak_kind(callee: &str) -> Option<Weak> {
    let last = callee.rsplit('.').next().unwrap_or(callee);
    match last {
        "WeakValueDictionary" => Some(Weak::Values),
        "WeakKeyDictionary" => Some(Weak::Keys),
        "WeakSet" => Some(Weak::Elements),
        _ => None,
    }
}

/// Names bound to instances of classes in one function (or the module),
/// plus the class whose method it is (`self`).
#[derive(Debug, Clone, Default)]
struct Scope {
    instances: BTreeMap<String, String>,
    class: Option<String>,
}

struct Collector<'s> {
    source: &'s str,
    file: &'s str,
    facts: ClassFacts,
    /// Weak containers by the text that names them (`cache`, `self._pool`).
    containers: BTreeMap<String, Weak>,
    /// Where calls may give facts (sorted offsets): a node outside
    /// [`may_hold_definitions`] is entered only if it spans one. `None`:
    /// every node is.
    calls: Option<Vec<usize>>,
}

impl<'s> Collector<'s> {
    fn text(&self, node: Node) -> &'s str {
        &self.source[node.byte_range()]
    }

    fn site(&self, node: Node) -> Site {
        Site {
            file: self.file.to_string(),
            line: node.start_position().row + 1,
        }
    }

    /// Weak containers are found first so uses before the assignment (in
    /// another method) still count. An annotation naming the element class
    /// (`WeakValueDictionary[str, Session]`) marks that class directly.
    /// `weak`: where `Weak` occurs (only assignments spanning one are
    /// looked at), or `None` to look at every assignment.
    fn find_containers(&mut self, root: Node, weak: Option<&Vec<usize>>) {
        let holds = |node: Node| weak.is_none_or(|at| crate::syntax::spans_any(node, at));
        let mut assignments = Vec::new();
        crate::syntax::walk_pruned(root, holds, |node| {
            if node.kind() == "assignment" && holds(node) {
                assignments.push(node);
            }
        });
        for node in assignments {
            if let (Some(left), Some(right)) = (
                node.child_by_field_id(field::LEFT),
                node.child_by_field_id(field::RIGHT),
            ) && right.kind() == "call"
            {
                let callee = right
                    .child_by_field_id(field::FUNCTION)
                    .map(|f| self.text(f));
                if let Some(kind) = callee.and_then(weak_kind) {
                    self.containers.insert(self.text(left).to_string(), kind);
                }
            }
            if let Some(annotation) = node.child_by_field_id(field::TYPE) {
                self.weak_annotation(annotation);
            }
        }
    }

    fn weak_annotation(&mut self, annotation: Node) {
        let text = self.text(annotation);
        let Some(open) = text.find('[') else { return };
        let Some(kind) = weak_kind(text[..open].trim()) else {
            return;
        };
        let arguments: Vec<&str> = text[open + 1..text.len().saturating_sub(1)]
            .split(',')
            .map(str::trim)
            .collect();
        let weak = match kind {
            Weak::Values => arguments.get(1),
            Weak::Keys | Weak::Elements => arguments.first(),
        };
        if let Some(class) = weak.map(|c| c.trim_matches('"').trim_matches('\''))
            && is_class_name(class)
        {
            let site = self.site(annotation);
            self.facts
                .weak_referenced
                .entry(class.to_string())
                .or_default()
                .insert(site);
        }
    }

    fn visit(&mut self, node: Node, scope: &mut Scope) {
        match node.kind() {
            "class_definition" => return self.visit_class(node),
            "function_definition" => return self.visit_function(node, scope),
            "assignment" => self.visit_assignment(node, scope),
            "call" => self.visit_call(node, scope),
            _ => {}
        }
        if let Some(calls) = &self.calls
            && !may_hold_definitions(node.kind())
            && !crate::syntax::spans_any(node, calls)
        {
            return;
        }
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            self.visit(child, scope);
        }
    }

    fn visit_class(&mut self, class: Node) {
        let Some(name) = class
            .child_by_field_id(field::NAME)
            .map(|n| self.text(n).to_string())
        else {
            return;
        };
        let info = ClassInfo {
            layout: self.layout(class),
            bases: bases(class, self.source),
            site: self.site(class),
        };
        self.facts
            .classes
            .entry(name.clone())
            .or_default()
            .push(info);
        let mut scope = Scope {
            class: Some(name),
            ..Scope::default()
        };
        if let Some(body) = class.child_by_field_id(field::BODY) {
            let mut cursor = body.walk();
            for child in body.named_children(&mut cursor) {
                self.visit(child, &mut scope);
            }
        }
    }

    fn layout(&self, class: Node) -> Layout {
        if let Some(decorators) = class
            .parent()
            .filter(|p| p.kind() == "decorated_definition")
        {
            let mut cursor = decorators.walk();
            for decorator in decorators
                .named_children(&mut cursor)
                .filter(|d| d.kind() == "decorator")
            {
                let text = self.text(decorator);
                if text.contains("dataclass") && has_true_keyword(text, "slots") {
                    return Layout::DataclassSlots {
                        weakref: has_true_keyword(text, "weakref_slot"),
                    };
                }
            }
        }
        match slots_statement(class, self.source) {
            Some(slots) => Layout::Slots {
                weakref: slots.names.iter().any(|n| n == "__weakref__"),
            },
            None => Layout::Dict,
        }
    }

    fn visit_function(&mut self, function: Node, outer: &Scope) {
        let mut scope = Scope {
            instances: outer.instances.clone(),
            class: None,
        };
        if let Some(parameters) = function.child_by_field_id(field::PARAMETERS) {
            let mut cursor = parameters.walk();
            let all: Vec<Node> = parameters.named_children(&mut cursor).collect();
            for (index, parameter) in all.iter().enumerate() {
                self.bind_parameter(*parameter, index, outer, &mut scope);
            }
        }
        if let Some(body) = function.child_by_field_id(field::BODY) {
            self.visit(body, &mut scope);
        }
    }

    /// `self` (the first parameter of a method) is an instance of its class;
    /// an annotated parameter of the class it names.
    fn bind_parameter(&self, parameter: Node, index: usize, outer: &Scope, scope: &mut Scope) {
        match parameter.kind() {
            "identifier" if index == 0 => {
                if let Some(class) = &outer.class {
                    scope
                        .instances
                        .insert(self.text(parameter).to_string(), class.clone());
                }
            }
            "typed_parameter" | "typed_default_parameter" => {
                let name = parameter
                    .child_by_field_id(field::NAME)
                    .or_else(|| parameter.named_child(0))
                    .map(|n| self.text(n).to_string());
                let class = parameter
                    .child_by_field_id(field::TYPE)
                    .map(|t| self.text(t).trim_matches('"').to_string());
                if let (Some(name), Some(class)) = (name, class)
                    && is_class_name(&class)
                {
                    scope.instances.insert(name, class);
                }
            }
            _ => {}
        }
    }

    /// The class of an expression's value, when the code says it plainly.
    fn instance_class(&self, value: Node, scope: &Scope) -> Option<String> {
        match value.kind() {
            "call" => {
                let callee = self.text(value.child_by_field_id(field::FUNCTION)?);
                let class = callee.rsplit('.').next().unwrap_or(callee);
                is_class_name(class).then(|| class.to_string())
            }
            "identifier" => scope.instances.get(self.text(value)).cloned(),
            _ => None,
        }
    }

    fn visit_assignment(&mut self, assignment: Node, scope: &mut Scope) {
        let (Some(left), right) = (
            assignment.child_by_field_id(field::LEFT),
            assignment.child_by_field_id(field::RIGHT),
        ) else {
            return;
        };
        match left.kind() {
            "identifier" => {
                let annotated = assignment
                    .child_by_field_id(field::TYPE)
                    .map(|t| self.text(t).to_string());
                let class = annotated
                    .filter(|c| is_class_name(c))
                    .or_else(|| right.and_then(|r| self.instance_class(r, scope)));
                let name = self.text(left).to_string();
                match class {
                    Some(class) => scope.instances.insert(name, class),
                    None => scope.instances.remove(&name),
                };
            }
            "attribute" => self.attribute_store(left, scope),
            "subscript" => self.container_store(left, right, scope),
            _ => {}
        }
    }

    fn attribute_store(&mut self, target: Node, scope: &Scope) {
        let (Some(object), Some(attribute)) = (
            target.child_by_field_id(field::OBJECT),
            target.child_by_field_id(field::ATTRIBUTE),
        ) else {
            return;
        };
        if let Some(class) = self
            .instance_class(object, scope)
            .filter(|_| object.kind() == "identifier")
        {
            let site = self.site(target);
            let name = self.text(attribute).to_string();
            self.facts
                .attribute_stores
                .entry(class)
                .or_default()
                .entry(name)
                .or_default()
                .insert(site);
        }
    }

    /// `container[key] = value` on a weak dictionary.
    fn container_store(&mut self, target: Node, value: Option<Node>, scope: &Scope) {
        let Some(container) = target.child_by_field_id(field::VALUE) else {
            return;
        };
        let weak = match self.containers.get(self.text(container)) {
            Some(Weak::Values) => value,
            Some(Weak::Keys) => target.child_by_field_id(field::SUBSCRIPT),
            _ => None,
        };
        if let Some(weak) = weak {
            self.mark_weak(weak, scope);
        }
    }

    /// `weakref.ref(x)`, `weakref.proxy(x)`, `weakref.finalize(x, …)`,
    /// `pool.setdefault(k, x)`, `seen.add(x)`.
    fn visit_call(&mut self, call: Node, scope: &Scope) {
        let (Some(function), Some(arguments)) = (
            call.child_by_field_id(field::FUNCTION),
            call.child_by_field_id(field::ARGUMENTS),
        ) else {
            return;
        };
        let mut cursor = arguments.walk();
        let positional: Vec<Node> = arguments
            .named_children(&mut cursor)
            .filter(|a| a.kind() != "keyword_argument" && a.kind() != "comment")
            .collect();
        let callee = self.text(function);
        let weak_argument = match callee {
            "weakref.ref" | "weakref.proxy" | "weakref.finalize" | "weakref.WeakMethod" => {
                positional.first()
            }
            _ => self.container_method(function, &positional),
        };
        if let Some(argument) = weak_argument.copied() {
            self.mark_weak(argument, scope);
        }
    }

    fn container_method<'t>(
        &self,
        function: Node<'t>,
        positional: &'t [Node<'t>],
    ) -> Option<&'t Node<'t>> {
        if function.kind() != "attribute" {
            return None;
        }
        let container = self
            .containers
            .get(self.text(function.child_by_field_id(field::OBJECT)?))?;
        let method = self.text(function.child_by_field_id(field::ATTRIBUTE)?);
        match (container, method) {
            (Weak::Values, "setdefault") => positional.get(1),
            (Weak::Keys, "setdefault") => positional.first(),
            (Weak::Elements, "add") => positional.first(),
            _ => None,
        }
    }

    fn mark_weak(&mut self, value: Node, scope: &Scope) {
        if let Some(class) = self.instance_class(value, scope) {
            let site = self.site(value);
            self.facts
                .weak_referenced
                .entry(class)
                .or_default()
                .insert(site);
        }
    }
}

/// A class name by convention (`Session`, `_Entry`): calls of lower-case
/// names are functions as far as these facts go.
fn is_class_name(text: &str) -> bool {
    let name = text.trim_start_matches('_');
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && text.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// A class's base expressions as written (keyword arguments such as
/// `metaclass=` left out).
pub fn bases(class: Node, source: &str) -> Vec<String> {
    let Some(list) = class.child_by_field_id(field::SUPERCLASSES) else {
        return Vec::new();
    };
    let mut cursor = list.walk();
    list.named_children(&mut cursor)
        .filter(|b| b.kind() != "keyword_argument" && b.kind() != "comment")
        .map(|b| source[b.byte_range()].to_string())
        .collect()
}

/// `name=True` among a decorator's keyword arguments.
pub fn has_true_keyword(decorator: &str, name: &str) -> bool {
    let compact: String = decorator.chars().filter(|c| !c.is_whitespace()).collect();
    compact.contains(&format!("({name}=True")) || compact.contains(&format!(",{name}=True"))
}

/// A class body's `__slots__ = …` statement and the names it lists.
#[derive(Debug, Clone)]
pub struct SlotsStatement<'t> {
    pub statement: Node<'t>,
    /// The names, when the value is a literal tuple, list or string.
    pub names: Vec<String>,
    /// Whether the value is such a literal (else the names are unknown).
    pub literal: bool,
}

pub fn slots_statement<'t>(class: Node<'t>, source: &str) -> Option<SlotsStatement<'t>> {
    let body = class.child_by_field_id(field::BODY)?;
    let mut cursor = body.walk();
    let statements: Vec<Node<'t>> = body.named_children(&mut cursor).collect();
    statements.into_iter().find_map(|statement| {
        let assignment = statement
            .named_child(0)
            .filter(|a| a.kind() == "assignment")?;
        let left = assignment.child_by_field_id(field::LEFT)?;
        if &source[left.byte_range()] != "__slots__" {
            return None;
        }
        let value = assignment.child_by_field_id(field::RIGHT)?;
        let (names, literal) = literal_strings(value, source);
        Some(SlotsStatement {
            statement,
            names,
            literal,
        })
    })
}

fn literal_strings(value: Node, source: &str) -> (Vec<String>, bool) {
    let items: Vec<Node> = match value.kind() {
        "string" => vec![value],
        "tuple" | "list" | "parenthesized_expression" => {
            let mut cursor = value.walk();
            value
                .named_children(&mut cursor)
                .filter(|n| n.kind() != "comment")
                .collect()
        }
        _ => return (Vec::new(), false),
    };
    let mut names = Vec::new();
    for item in items {
        let text = &source[item.byte_range()];
        let simple = item.kind() == "string" && !text.contains(['\\', '{']) && text.len() >= 2;
        let quoted = text.trim_start_matches(['r', 'u', 'R', 'U']);
        if !simple || !(quoted.starts_with('"') || quoted.starts_with('\'')) {
            return (names, false);
        }
        names.push(quoted[1..quoted.len() - 1].to_string());
    }
    (names, true)
}

#[cfg(test)]
mod tests;
