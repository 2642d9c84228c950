//! The collector's walk: what each kind of node reads, binds and risks.

use crate::syntax::field;
use tree_sitter::Node;

use super::{Collector, DYNAMIC_CALLS, EAGER_CONSUMERS, FRAME_ATTRIBUTES, Hazard, Names, is_async};

impl<'s> Collector<'s> {
    pub(super) fn visit_kind(&mut self, node: Node, names: &mut Names<'s>) {
        match node.kind() {
            "identifier" => {
                let name = self.text_of(node);
                if name == "__class__" {
                    self.hazard(names, Hazard::ClassCell, node);
                }
                names.reads.insert(name);
                names.read_sites.push((name, node.start_byte()));
            }
            "attribute" => {
                if let Some(attribute) = node.child_by_field_id(field::ATTRIBUTE)
                    && FRAME_ATTRIBUTES.contains(&self.text_of(attribute))
                {
                    self.hazard(names, Hazard::Dynamic(self.text_of(attribute)), node);
                }
                self.visit_field(node, field::OBJECT, names);
            }
            "keyword_argument" => self.visit_field(node, field::VALUE, names),
            "assignment" => self.visit_assignment(node, names),
            "augmented_assignment" => {
                self.visit_field(node, field::RIGHT, names);
                if let Some(left) = node.child_by_field_id(field::LEFT) {
                    self.visit(left, names);
                    self.bind(left, names);
                }
            }
            "named_expression" => {
                self.visit_field(node, field::VALUE, names);
                if let Some(name) = node.child_by_field_id(field::NAME) {
                    names.writes.push((self.text_of(name), name.start_byte()));
                }
            }
            "for_statement" => self.visit_for(node, names),
            "while_statement" => {
                self.visit_field(node, field::CONDITION, names);
                self.in_loop(node.child_by_field_id(field::BODY), names);
                self.visit_field(node, field::ALTERNATIVE, names);
            }
            "with_statement" => {
                if is_async(node) {
                    self.hazard(names, Hazard::Await, node);
                }
                self.visit_children(node, names);
            }
            "as_pattern" => {
                if let Some(value) = node.named_child(0) {
                    self.visit(value, names);
                }
                if let Some(alias) = node.child_by_field_id(field::ALIAS) {
                    let single = alias
                        .named_child(0)
                        .filter(|_| alias.named_child_count() == 1);
                    if let Some(name) = single.filter(|n| n.kind() == "identifier") {
                        names
                            .plain_binds
                            .push((self.text_of(name), name.start_byte()));
                    }
                    self.bind(alias, names);
                }
            }
            "except_clause" | "except_group_clause" => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    if node.child_by_field_id(field::ALIAS) == Some(child) {
                        self.bind(child, names);
                    } else {
                        self.visit(child, names);
                    }
                }
            }
            "decorated_definition" => self.visit_children(node, names),
            "function_definition" => self.visit_function(node, names),
            "class_definition" => self.visit_class(node, names),
            "lambda" => self.visit_lambda(node, names),
            "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "generator_expression" => self.visit_comprehension(node, names),
            "yield" => {
                self.hazard(names, Hazard::Yield, node);
                self.visit_children(node, names);
            }
            "await" => {
                self.hazard(names, Hazard::Await, node);
                self.visit_children(node, names);
            }
            "return_statement" => {
                self.hazard(names, Hazard::Return, node);
                self.visit_children(node, names);
            }
            "break_statement" | "continue_statement" => {
                if self.loops == 0 {
                    let word = if node.kind() == "break_statement" {
                        "break"
                    } else {
                        "continue"
                    };
                    self.hazard(names, Hazard::EscapingJump(word), node);
                }
            }
            "global_statement" | "nonlocal_statement" => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    let name = self.text_of(child);
                    let hazard = if node.kind() == "global_statement" {
                        Hazard::Global(name)
                    } else {
                        Hazard::Nonlocal(name)
                    };
                    self.hazard(names, hazard, child);
                }
            }
            "delete_statement" => self.visit_delete(node, names),
            "call" => self.visit_call(node, names),
            "import_statement" | "import_from_statement" | "future_import_statement" => {
                self.visit_import(node, names)
            }
            "match_statement" => {
                self.hazard(names, Hazard::Match, node);
                self.visit_children(node, names);
            }
            "string" | "format_specifier" => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    if matches!(child.kind(), "interpolation" | "format_expression") {
                        self.visit_field(child, field::EXPRESSION, names);
                        // `f"{x:{width}d}"`: the spec has expressions too.
                        self.visit_field(child, field::FORMAT_SPECIFIER, names);
                    }
                }
            }
            "concatenated_string" => self.visit_children(node, names),
            "comment" | "type" | "string_content" | "escape_sequence" | "dotted_name" => {}
            "exec_statement" => {
                self.hazard(names, Hazard::Dynamic("exec"), node);
                self.visit_children(node, names);
            }
            _ => self.visit_children(node, names),
        }
    }

    /// `a = b = value`: a chain (800 long in CPython's tests) walked in a loop.
    fn visit_assignment(&mut self, node: Node, names: &mut Names<'s>) {
        let mut targets = Vec::new();
        let mut current = node;
        while let Some(right) = current.child_by_field_id(field::RIGHT) {
            if let Some(left) = current.child_by_field_id(field::LEFT) {
                targets.push(left);
            }
            if right.kind() != "assignment" {
                self.visit(right, names);
                break;
            }
            current = right;
        }
        for target in targets {
            if target.kind() == "identifier" {
                names
                    .plain_binds
                    .push((self.text_of(target), target.start_byte()));
            }
            self.bind(target, names);
        }
    }

    fn in_loop(&mut self, body: Option<Node>, names: &mut Names<'s>) {
        if let Some(body) = body {
            self.loops += 1;
            self.visit(body, names);
            self.loops -= 1;
        }
    }

    fn visit_for(&mut self, node: Node, names: &mut Names<'s>) {
        if is_async(node) {
            self.hazard(names, Hazard::Await, node);
        }
        self.visit_field(node, field::RIGHT, names);
        if let Some(left) = node.child_by_field_id(field::LEFT) {
            self.bind(left, names);
        }
        self.in_loop(node.child_by_field_id(field::BODY), names);
        self.visit_field(node, field::ALTERNATIVE, names);
    }

    fn visit_delete(&mut self, node: Node, names: &mut Names<'s>) {
        let mut targets = Vec::new();
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if child.kind() == "expression_list" {
                let mut inner = child.walk();
                targets.extend(child.named_children(&mut inner));
            } else {
                targets.push(child);
            }
        }
        for target in targets {
            if target.kind() == "identifier" {
                let name = self.text_of(target);
                self.hazard(names, Hazard::Del(name), target);
                // `del x` needs `x` bound, then unbinds it.
                names.reads.insert(name);
                names.read_sites.push((name, target.start_byte()));
                names.writes.push((name, target.start_byte()));
            } else {
                self.visit(target, names);
            }
        }
    }

    fn visit_call(&mut self, node: Node, names: &mut Names<'s>) {
        let function = node.child_by_field_id(field::FUNCTION);
        let arguments = node.child_by_field_id(field::ARGUMENTS);
        if let Some(function) = function.filter(|f| f.kind() == "identifier") {
            let name = self.text_of(function);
            let no_arguments = arguments.is_some_and(|a| a.named_child_count() == 0);
            if DYNAMIC_CALLS.contains(&name) && (name != "dir" || no_arguments) {
                self.hazard(names, Hazard::Dynamic(name), node);
            }
            if name == "super" && no_arguments {
                self.hazard(names, Hazard::ClassCell, node);
            }
        }
        if let Some(function) = function {
            self.visit(function, names);
        }
        if let Some(arguments) = arguments {
            if arguments.kind() == "generator_expression" && self.consumes_eagerly(function) {
                self.visit_comprehension_eager(arguments, names, true);
            } else {
                self.visit(arguments, names);
            }
        }
    }

    fn consumes_eagerly(&self, function: Option<Node>) -> bool {
        let Some(function) = function else {
            return false;
        };
        let name = match function.kind() {
            "identifier" => self.text_of(function),
            "attribute" => function
                .child_by_field_id(field::ATTRIBUTE)
                .map_or("", |a| self.text_of(a)),
            _ => "",
        };
        EAGER_CONSUMERS.contains(&name)
    }

    fn visit_import(&mut self, node: Node, names: &mut Names<'s>) {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if node.kind() == "import_from_statement"
                && node.child_by_field_id(field::MODULE_NAME) == Some(child)
            {
                continue;
            }
            match child.kind() {
                "wildcard_import" => self.hazard(names, Hazard::StarImport, child),
                "aliased_import" => {
                    if let Some(alias) = child.child_by_field_id(field::ALIAS) {
                        names.writes.push((self.text_of(alias), alias.start_byte()));
                        names
                            .plain_binds
                            .push((self.text_of(alias), alias.start_byte()));
                    }
                }
                "dotted_name" => {
                    if let Some(first) = child.named_child(0) {
                        names.writes.push((self.text_of(first), first.start_byte()));
                        names
                            .plain_binds
                            .push((self.text_of(first), first.start_byte()));
                    }
                }
                _ => {}
            }
        }
    }

    /// Binds an assignment target: names are written, the parts of
    /// attribute and subscript targets are read.
    pub(super) fn bind(&mut self, node: Node, names: &mut Names<'s>) {
        match node.kind() {
            "identifier" => names.writes.push((self.text_of(node), node.start_byte())),
            "pattern_list"
            | "tuple_pattern"
            | "list_pattern"
            | "tuple"
            | "list"
            | "parenthesized_expression"
            | "expression_list"
            | "list_splat_pattern"
            | "list_splat"
            | "as_pattern_target" => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    self.bind(child, names);
                }
            }
            _ => self.visit(node, names),
        }
    }
}
