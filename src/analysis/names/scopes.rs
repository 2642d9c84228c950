//! The nested scopes of `names`: functions, classes, lambdas and
//! comprehensions contribute their free names (and captures) to the
//! enclosing scope, and only the hazards that concern it.

use crate::syntax::field;
use tree_sitter::Node;

use super::{Collector, Hazard, NameSet, Names, parameter_name, target};

impl<'s> Collector<'s> {
    fn visit_parameters(
        &mut self,
        parameters: Node,
        scope: &mut Vec<&'s str>,
        outer: &mut Names<'s>,
    ) {
        let mut cursor = parameters.walk();
        for parameter in parameters.named_children(&mut cursor) {
            // Defaults and annotations are evaluated where the function is defined.
            for field in [field::VALUE, field::TYPE] {
                if let Some(part) = parameter.child_by_field_id(field) {
                    if part.kind() == "type" {
                        self.visit_children(part, outer);
                    } else {
                        self.visit(part, outer);
                    }
                }
            }
            if let Some(name) = parameter_name(parameter) {
                scope.push(self.text_of(name));
            }
        }
    }

    /// A nested scope that runs later: its free names are read and captured.
    fn nested_scope(
        &mut self,
        owner: Node,
        locals: &[&'s str],
        inner: Names<'s>,
        outer: &mut Names<'s>,
    ) {
        let bound: NameSet = inner
            .writes
            .iter()
            .map(|(n, _)| *n)
            .chain(locals.iter().copied())
            .collect();
        let declared_nonlocal: NameSet = inner
            .hazards
            .iter()
            .filter_map(|(h, _)| match h {
                Hazard::Global(n) | Hazard::Nonlocal(n) => Some(*n),
                _ => None,
            })
            .collect();
        for name in inner
            .reads
            .iter()
            .chain(inner.captures.iter().map(|(n, _)| n))
        {
            if !bound.contains(name) || declared_nonlocal.contains(name) {
                outer.reads.insert(name);
                outer.read_sites.push((name, owner.start_byte()));
                outer.captures.push((name, owner.start_byte()));
            }
        }
        for (hazard, at) in inner.hazards {
            if matches!(
                hazard,
                Hazard::Nonlocal(_) | Hazard::ClassCell | Hazard::Dynamic(_)
            ) {
                outer.hazards.push((hazard, at));
            }
        }
    }

    pub(super) fn visit_function(&mut self, node: Node, outer: &mut Names<'s>) {
        if let Some(name) = node.child_by_field_id(field::NAME) {
            outer.writes.push((self.text_of(name), name.start_byte()));
            outer
                .plain_binds
                .push((self.text_of(name), name.start_byte()));
        }
        let mut locals = Vec::new();
        if let Some(parameters) = node.child_by_field_id(field::PARAMETERS) {
            self.visit_parameters(parameters, &mut locals, outer);
        }
        if let Some(returns) = node.child_by_field_id(field::RETURN_TYPE) {
            self.nested().visit_children(returns, outer);
        }
        let mut inner = Names::default();
        if let Some(body) = node.child_by_field_id(field::BODY) {
            self.nested().visit(body, &mut inner);
        }
        self.nested_scope(node, &locals, inner, outer);
    }

    pub(super) fn visit_class(&mut self, node: Node, outer: &mut Names<'s>) {
        if let Some(name) = node.child_by_field_id(field::NAME) {
            outer.writes.push((self.text_of(name), name.start_byte()));
            outer
                .plain_binds
                .push((self.text_of(name), name.start_byte()));
        }
        self.visit_field(node, field::SUPERCLASSES, outer);
        let mut inner = Names::default();
        if let Some(body) = node.child_by_field_id(field::BODY) {
            self.nested().visit(body, &mut inner);
        }
        // Methods' `super()` refers to this class, not the enclosing one.
        inner.hazards.retain(|(h, _)| *h != Hazard::ClassCell);
        self.nested_scope(node, &[], inner, outer);
    }

    pub(super) fn visit_lambda(&mut self, node: Node, outer: &mut Names<'s>) {
        let mut locals = Vec::new();
        if let Some(parameters) = node.child_by_field_id(field::PARAMETERS) {
            self.visit_parameters(parameters, &mut locals, outer);
        }
        let mut inner = Names::default();
        self.visit_field_into(node, field::BODY, &mut inner);
        self.nested_scope(node, &locals, inner, outer);
    }

    fn visit_field_into(&self, node: Node, field: u16, into: &mut Names<'s>) {
        if let Some(child) = node.child_by_field_id(field) {
            self.nested().visit(child, into);
        }
    }

    pub(super) fn visit_comprehension(&mut self, node: Node, outer: &mut Names<'s>) {
        self.visit_comprehension_eager(node, outer, node.kind() != "generator_expression");
    }

    /// A comprehension runs its first iterable here and the rest in its own
    /// scope; walrus targets bind here. A lazy generator captures its names.
    pub(super) fn visit_comprehension_eager(
        &mut self,
        node: Node,
        outer: &mut Names<'s>,
        eager: bool,
    ) {
        let mut inner = Names::default();
        let mut locals = Vec::new();
        let mut first = true;
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if child.kind() == "for_in_clause" {
                if let Some(right) = child.child_by_field_id(field::RIGHT) {
                    if first {
                        self.visit(right, outer);
                    } else {
                        self.nested().visit(right, &mut inner);
                    }
                }
                first = false;
                if let Some(left) = child.child_by_field_id(field::LEFT) {
                    let bound = target(left, self.text);
                    locals.extend(bound.writes.iter().map(|(n, _)| *n));
                    inner.reads.extend(bound.reads);
                }
            } else {
                self.nested().visit(child, &mut inner);
            }
        }
        // Walrus targets inside a comprehension bind in the enclosing scope.
        outer
            .writes
            .extend(inner.writes.iter().filter(|(n, _)| !locals.contains(n)));
        for name in inner
            .reads
            .iter()
            .chain(inner.captures.iter().map(|(n, _)| n))
        {
            if !locals.contains(name) {
                outer.reads.insert(name);
                outer.read_sites.push((name, node.start_byte()));
                if !eager {
                    outer.captures.push((name, node.start_byte()));
                }
            }
        }
        outer
            .captures
            .extend(inner.captures.iter().filter(|(n, _)| !locals.contains(n)));
        outer.hazards.extend(inner.hazards);
    }
}
