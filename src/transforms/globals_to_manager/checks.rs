//! The preconditions `globals-to-manager` checks on the tree; each failed
//! one is a refusal with its reason, located where the problem is.

use crate::syntax::field;
use std::collections::BTreeSet;

use tree_sitter::Node;

use super::names;
use super::plan::{ReadingClass, State, attribute_name};
use crate::transforms::summary;
use crate::transforms::{FileInput, Refusal};

pub struct Checker<'a> {
    pub file: &'a FileInput<'a>,
    pub message: String,
    pub refusals: Vec<Refusal>,
}

impl<'a> Checker<'a> {
    fn refuse(&mut self, node: Node, reason: String) {
        self.refusals.push(Refusal::at(
            self.file.file,
            self.file.text,
            node.byte_range(),
            self.message.clone(),
            format!("not rewritten: {reason}"),
        ));
    }

    fn text(&self, node: Node) -> &'a str {
        &self.file.text[node.byte_range()]
    }

    /// New names must be free; attributes distinct; `__all__` must not
    /// export the state; each state is assigned once.
    pub fn names(&mut self, states: &[State], top_level: &[String], new: &[&str], root: Node) {
        for name in new.iter().filter(|n| top_level.iter().any(|t| t == *n)) {
            self.refuse(
                states[0].statement,
                format!("the module already defines `{name}`, a name this rewrite adds"),
            );
        }
        let mut attrs = BTreeSet::new();
        for state in states {
            let keyword = matches!(
                state.attr.as_str(),
                "" | "self"
                    | "None"
                    | "True"
                    | "False"
                    | "class"
                    | "def"
                    | "lambda"
                    | "from"
                    | "import"
                    | "global"
            );
            if keyword || !attrs.insert(state.attr.clone()) {
                self.refuse(
                    state.statement,
                    format!(
                        "`{}` cannot become the attribute `{}`",
                        state.name, state.attr
                    ),
                );
            }
        }
        if let Some(all) = summary::dunder_all(root, self.file.text) {
            for state in states.iter().filter(|s| all.contains(&s.name)) {
                self.refuse(
                    state.statement,
                    format!("`__all__` exports `{}`", state.name),
                );
            }
        }
        let mut cursor = root.walk();
        for statement in root
            .named_children(&mut cursor)
            .filter(|s| s.kind() == "expression_statement")
        {
            for name in summary::assigned_names(statement, self.file.text) {
                if let Some(state) = states
                    .iter()
                    .find(|s| s.name == name && s.statement.id() != statement.id())
                {
                    self.refuse(
                        statement,
                        format!(
                            "`{}` is assigned more than once at module level",
                            state.name
                        ),
                    );
                }
            }
        }
    }

    /// A state's attribute must not be named like a method: the instance
    /// attribute would hide it (`_seen` and `def seen()`).
    pub fn attributes_and_methods(&mut self, states: &[State], functions: &[(Node, String)]) {
        for state in states {
            if let Some((function, _)) = functions.iter().find(|(_, name)| *name == state.attr) {
                self.refuse(
                    *function,
                    format!(
                        "`{}` would become the attribute `{}`, the name of this function's method",
                        state.name, state.attr
                    ),
                );
            }
        }
    }

    /// A string that is exactly a state's name (`all_feature_names` in
    /// `__future__.py` lists its features so that `getattr(__future__, name)`
    /// finds them) says code may reach the state by name, which the
    /// rewrite cannot follow.
    pub fn names_in_strings(&mut self, states: &[State]) {
        let text = self.file.text;
        for state in states {
            let found = [format!("'{}'", state.name), format!("\"{}\"", state.name)]
                .iter()
                .filter_map(|quoted| text.find(quoted.as_str()))
                .min();
            if let Some(at) = found {
                self.refusals.push(Refusal::at(
                    self.file.file,
                    text,
                    at..at + state.name.len() + 2,
                    self.message.clone(),
                    format!(
                        "not rewritten: the string {} names `{}`, so code may reach it by name (`getattr`), which the rewrite cannot follow",
                        &text[at..at + state.name.len() + 2],
                        state.name
                    ),
                ));
            }
        }
    }

    pub fn escape_hatches(&mut self, root: Node) {
        let mut calls = Vec::new();
        let text = self.file.text;
        // The walk enters only subtrees holding one of the words.
        let mut spots: Vec<usize> = ["globals", "exec", "eval"]
            .iter()
            .flat_map(|word| crate::syntax::word_positions(text.as_bytes(), word))
            .collect();
        if spots.is_empty() {
            return;
        }
        spots.sort_unstable();
        crate::syntax::walk_pruned(
            root,
            |n| crate::syntax::spans_any(n, &spots),
            |n| {
                if n.kind() == "call"
                    && let Some(callee) = n.child_by_field_id(field::FUNCTION)
                    && callee.kind() == "identifier"
                    && matches!(self.text(callee), "globals" | "exec" | "eval")
                {
                    calls.push(n);
                }
            },
        );
        for call in calls {
            let callee = call
                .child_by_field_id(field::FUNCTION)
                .map_or("", |c| self.text(c));
            self.refuse(
                call,
                format!("the module calls `{callee}()`, which can reach module state by name"),
            );
        }
    }

    /// Sorts top-level statements: functions to convert, classes that read
    /// the state; refuses any other use.
    pub fn statements<'t>(
        &mut self,
        root: Node<'t>,
        states: &[State<'t>],
        state_set: &BTreeSet<String>,
    ) -> (Vec<(Node<'t>, String)>, Vec<ReadingClass<'t>>) {
        let mut functions = Vec::new();
        let mut classes = Vec::new();
        let mut cursor = root.walk();
        for statement in root.named_children(&mut cursor) {
            if let Some(position) = states
                .iter()
                .position(|s| s.statement.id() == statement.id())
            {
                self.initializer(&states[position], &states[..position], state_set);
                continue;
            }
            // Most statements do not mention the state: skip their walk.
            let code = self.text(statement);
            if !state_set.iter().any(|name| code.contains(name.as_str())) {
                continue;
            }
            let uses = names::uses(statement, state_set, self.file.text);
            let Some(first_use) = uses.first() else {
                continue;
            };
            let name = statement
                .child_by_field_id(field::NAME)
                .map(|n| self.text(n).to_string());
            match (statement.kind(), name) {
                ("function_definition", Some(name)) => {
                    if self.convertible(statement, state_set) {
                        functions.push((statement, name));
                    }
                }
                ("class_definition", Some(name)) => {
                    if let Some(class) = self.reading_class(statement, name, &uses) {
                        classes.push(class);
                    }
                }
                ("decorated_definition", _) => self.refuse(
                    *first_use,
                    "a decorated definition uses the state; its forwarding could not be exact"
                        .into(),
                ),
                _ => self.refuse(
                    *first_use,
                    format!(
                        "`{}` is used at import time, outside any function",
                        self.text(*first_use)
                    ),
                ),
            }
        }
        let function_names: BTreeSet<String> = functions.iter().map(|(_, n)| n.clone()).collect();
        for (node, _) in &functions {
            let bound = names::local_bindings(*node, self.file.text);
            if let Some(shadowed) = bound.iter().find(|b| function_names.contains(*b)) {
                self.refuse(
                    *node,
                    format!("it binds `{shadowed}` locally, a function that becomes a method"),
                );
            }
        }
        (functions, classes)
    }

    /// A state's value may use earlier state only.
    fn initializer(&mut self, state: &State, earlier: &[State], state_set: &BTreeSet<String>) {
        for found in names::uses(state.value, state_set, self.file.text) {
            let name = self.text(found);
            if !earlier.iter().any(|s| s.name == name) {
                self.refuse(
                    found,
                    format!("the value of `{}` uses `{name}`, defined later", state.name),
                );
            }
        }
    }

    fn convertible(&mut self, function: Node, state_set: &BTreeSet<String>) -> bool {
        let before = self.refusals.len();
        let text = self.text(function);
        if text.starts_with("async") {
            self.refuse(
                function,
                "an async function's forwarding could not be exact".into(),
            );
        }
        if let Some(found) = names::find_kind(function, &["yield"]) {
            self.refuse(found, "a generator's forwarding could not be exact".into());
        }
        if let Some(parameters) = function.child_by_field_id(field::PARAMETERS)
            && names::parameter_names(parameters, self.file.text)
                .iter()
                .any(|p| p == "self")
        {
            self.refuse(parameters, "a parameter is named `self`".into());
        }
        for field in [field::PARAMETERS, field::RETURN_TYPE] {
            let Some(signature) = function.child_by_field_id(field) else {
                continue;
            };
            if let Some(found) = names::uses(signature, state_set, self.file.text).first() {
                let name = self.text(*found);
                self.refuse(
                    *found,
                    format!("`{name}` is used in the signature, which runs at import time"),
                );
            }
        }
        let bound = names::local_bindings(function, self.file.text);
        if let Some(shadowed) = bound.iter().find(|b| state_set.contains(*b)) {
            self.refuse(
                function,
                format!("it binds `{shadowed}` locally without `global`"),
            );
        }
        if let Some(string) = names::multiline_string(function) {
            self.refuse(
                string,
                "indenting the function into a class would change this multi-line string".into(),
            );
        }
        crate::syntax::walk_pruned(
            function,
            |_| true,
            |n| {
                if n.kind() == "global_statement" {
                    let mut cursor = n.walk();
                    let others = n
                        .named_children(&mut cursor)
                        .any(|name| !state_set.contains(self.text(name)));
                    if others {
                        self.refusals.push(Refusal::at(
                            self.file.file,
                            self.file.text,
                            n.byte_range(),
                            self.message.clone(),
                            "not rewritten: `global` also names a variable that is not state"
                                .into(),
                        ));
                    }
                }
            },
        );
        self.refusals.len() == before
    }

    fn reading_class<'t>(
        &mut self,
        class: Node<'t>,
        name: String,
        uses: &[Node<'t>],
    ) -> Option<ReadingClass<'t>> {
        let body = class.child_by_field_id(field::BODY)?;
        let mut cursor = body.walk();
        let init = body.named_children(&mut cursor).find(|m| {
            m.kind() == "function_definition"
                && m.child_by_field_id(field::NAME)
                    .is_some_and(|n| self.text(n) == "__init__")
        });
        let in_body = |i: Node| {
            i.child_by_field_id(field::BODY)
                .map_or(i.byte_range(), |b| b.byte_range())
        };
        let outside = uses.iter().find(|u| {
            init.is_none_or(|i| !in_body(i).contains(&u.start_byte()))
                || u.parent().is_some_and(|p| p.kind() == "global_statement")
        });
        if let Some(outside) = outside {
            self.refuse(
                *outside,
                format!("class `{name}` uses the state outside `__init__` or rebinds it"),
            );
            return None;
        }
        let init = init?;
        let mut reads: Vec<String> = uses.iter().map(|u| self.text(*u).to_string()).collect();
        reads.sort();
        reads.dedup();
        let taken = names::local_bindings(init, self.file.text);
        if let Some(clash) = reads
            .iter()
            .map(|r| attribute_name(r))
            .find(|a| taken.contains(a))
        {
            self.refuse(init, format!("`__init__` of `{name}` already binds `{clash}`, the parameter this rewrite adds"));
            return None;
        }
        Some(ReadingClass { name, init, reads })
    }

    /// `import module` is there or can be added.
    pub fn import_available(
        &mut self,
        root: Node,
        module: &'static str,
        imports: &mut Vec<&'static str>,
    ) {
        let mut cursor = root.walk();
        let mut plain = false;
        let mut other = None;
        for statement in root.named_children(&mut cursor) {
            let binds = match statement.kind() {
                "import_statement" | "import_from_statement" => {
                    summary::import_bindings(statement, self.file.text)
                }
                "expression_statement" => summary::assigned_names(statement, self.file.text),
                _ => Vec::new(),
            };
            if binds.contains(&module) {
                let is_plain = statement.kind() == "import_statement"
                    && self.text(statement).split([',', ' ']).any(|w| w == module)
                    && !self.text(statement).contains(" as ");
                if is_plain {
                    plain = true;
                } else {
                    other = Some(statement);
                }
            }
        }
        match (plain, other) {
            (true, _) => {}
            (false, Some(statement)) => self.refuse(
                statement,
                format!(
                    "`{module}` names something else here; the rewrite needs `import {module}`"
                ),
            ),
            (false, None) => imports.push(module),
        }
    }
}
