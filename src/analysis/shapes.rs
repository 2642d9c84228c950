//! Shapes in a file's provenance facts: what annotations and assignments
//! say about the types of names and `self` attributes (see `mapping`), so
//! that configuration known not to be a mapping is left alone.

use crate::syntax::field;
use std::collections::HashMap;

use tree_sitter::Node;

use super::mapping::Shape;
use super::provenance::{FileFacts, ScopeRef, named_child};

/// Records what the code says about a name's (or attribute's) type. Evidence
/// against a mapping is never overwritten: one `ConfigParser()` assignment
/// is enough to leave the name alone.
pub(super) fn record_shape(shapes: &mut HashMap<String, Shape>, name: &str, shape: Shape) -> bool {
    match (shapes.get(name), &shape) {
        (_, Shape::Unknown) | (Some(Shape::NotMapping(_)), _) => false,
        (Some(known), _) if *known == shape => false,
        _ => {
            shapes.insert(name.to_string(), shape);
            true
        }
    }
}

impl FileFacts<'_> {
    /// `config: ConfigLoader` without a value.
    pub(super) fn learn_annotation(
        &mut self,
        scope: ScopeRef,
        target: Node,
        assignment: Node,
    ) -> bool {
        let Some(annotation) = assignment.child_by_field_id(field::TYPE) else {
            return false;
        };
        let shape = self.types.annotation(self.text(annotation));
        let name = self.text(target);
        let facts = self.scopes.entry(scope.id()).or_default();
        target.kind() == "identifier" && record_shape(&mut facts.shapes, name, shape)
    }

    /// What annotations and assignments say about a name in `scope`: its
    /// own facts, else (when the scope does not bind it) the module's.
    pub(super) fn name_shape(&self, name: &str, scope: ScopeRef) -> Shape {
        let local = self.scopes.get(&scope.id());
        if let Some(shape) = local.and_then(|s| s.shapes.get(name)) {
            return shape.clone();
        }
        let bound_locally = local.is_some_and(|s| s.parameters.contains(name));
        let module = self.scopes.get(&self.root_id);
        match module.and_then(|m| m.shapes.get(name)) {
            Some(shape) if !bound_locally && scope.id() != self.root_id => shape.clone(),
            _ => Shape::Unknown,
        }
    }

    /// The shape of an assigned value: a loader's or constructor's result,
    /// or what flows from the name or `self` attribute it is read out of
    /// (`config["a"]`, `config.get("a", {})`); `x or {}` is a mapping.
    pub(super) fn value_shape(&self, value: Node, scope: ScopeRef) -> Shape {
        if value.kind() == "boolean_operator" && self.is_config_expr(value, scope) {
            return Shape::Mapping;
        }
        self.root_shape(chain_root(value, self.source), scope)
    }

    /// What annotations and assignments say about the type of `node`, or of
    /// the name or `self` attribute it is read out of (`config["a"].get`).
    pub fn shape_of(&self, node: Node) -> Shape {
        self.root_shape(chain_root(node, self.source), self.enclosing_scope(node))
    }

    fn root_shape(&self, root: Node, scope: ScopeRef) -> Shape {
        match root.kind() {
            "identifier" => self.name_shape(self.text(root), scope),
            "attribute" => {
                let (Some(object), Some(attr)) = (
                    root.child_by_field_id(field::OBJECT),
                    root.child_by_field_id(field::ATTRIBUTE),
                ) else {
                    return Shape::Unknown;
                };
                self.methods
                    .get(&scope.id())
                    .filter(|(self_name, _)| self_name == self.text(object))
                    .and_then(|(_, class)| self.class_shapes.get(class))
                    .and_then(|shapes| shapes.get(self.text(attr)))
                    .cloned()
                    .unwrap_or(Shape::Unknown)
            }
            _ => self.types.value(root, self.source),
        }
    }

    /// A `@property` with a return annotation types `self.name` like an
    /// annotated attribute.
    pub(super) fn learn_property(&mut self, function: Node) {
        let (Some(returns), Some(name)) = (
            function.child_by_field_id(field::RETURN_TYPE),
            function.child_by_field_id(field::NAME),
        ) else {
            return;
        };
        let Some((_, class)) = self.methods.get(&function.id()) else {
            return;
        };
        let Some(decorated) = function
            .parent()
            .filter(|p| p.kind() == "decorated_definition")
        else {
            return;
        };
        let mut cursor = decorated.walk();
        let is_property = decorated
            .named_children(&mut cursor)
            .filter(|d| d.kind() == "decorator")
            .any(|d| self.text(d).trim_start_matches('@').ends_with("property"));
        if is_property {
            let (class, name) = (*class, self.text(name));
            let shape = self.types.annotation(self.text(returns));
            record_shape(self.class_shapes.entry(class).or_default(), name, shape);
        }
    }

    /// Annotated attributes in a class body (`config: ConfigLoader`, as in a
    /// dataclass) give `self.config` its type in every method.
    pub(super) fn learn_class_annotations(&mut self, class: Node) {
        let Some(body) = class.child_by_field_id(field::BODY) else {
            return;
        };
        let mut cursor = body.walk();
        for statement in body.named_children(&mut cursor) {
            let Some(assignment) = statement
                .named_child(0)
                .filter(|a| statement.kind() == "expression_statement" && a.kind() == "assignment")
            else {
                continue;
            };
            let (Some(target), Some(annotation)) = (
                assignment.child_by_field_id(field::LEFT),
                assignment.child_by_field_id(field::TYPE),
            ) else {
                continue;
            };
            let (name, shape) = (
                self.text(target),
                self.types.annotation(self.text(annotation)),
            );
            let shapes = self.class_shapes.entry(class.id()).or_default();
            record_shape(shapes, name, shape);
        }
    }
}

/// What a lookup chain reads from: `config` in `config["a"].get("b", {}).copy()`.
fn chain_root<'t>(mut node: Node<'t>, source: &str) -> Node<'t> {
    loop {
        let next = match node.kind() {
            "subscript" => node.child_by_field_id(field::VALUE),
            "parenthesized_expression" => named_child(node),
            "call" => node
                .child_by_field_id(field::FUNCTION)
                .filter(|f| f.kind() == "attribute")
                .filter(|f| {
                    f.child_by_field_id(field::ATTRIBUTE).is_some_and(|m| {
                        matches!(&source[m.byte_range()], "get" | "copy" | "setdefault")
                    })
                })
                .and_then(|f| f.child_by_field_id(field::OBJECT)),
            _ => None,
        };
        match next {
            Some(inner) => node = inner,
            None => return node,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Provenance;
    use crate::analysis::provenance::tests::{collect_kind, names, provenance};
    use crate::syntax::{self, KindTable};

    #[test]
    fn objects_that_are_not_mappings_are_not_config() {
        let parser = "import configparser\ndef f(path):\n    config = configparser.ConfigParser()\n    config.read(path)\n    section = config['general']\n    section.get('a', 1)\n    return config.get('general', 'webhook')\n";
        assert_eq!(provenance(parser, "config", 0), None);
        assert_eq!(provenance(parser, "section", 0), None);
        let annotated = "def f(config: ConfigLoader, cfg: 'Optional[Dict[str, Any]]'):\n    config.get('a.b', 20)\n    cfg.get('a', 1)\n";
        assert_eq!(provenance(annotated, "config", 0), None);
        assert_eq!(provenance(annotated, "cfg", 0), Some(Provenance::Config));
        let attribute = "from utils.config import ConfigLoader\nclass Strategy:\n    settings: Settings\n    def __init__(self, path):\n        self.config = ConfigLoader(path)\n    def run(self):\n        self.config.get('a', 1)\n        self.settings.get('b', 2)\n";
        assert_eq!(provenance(attribute, "self.config", 0), None);
        assert_eq!(provenance(attribute, "self.settings", 0), None);
        let module = "config = RawConfigParser()\ndef f():\n    return config.get('distutils', 'index-servers')\n";
        assert_eq!(provenance(module, "config", 0), None);
        let property = "class Loader:\n    @property\n    def config(self) -> Dict[str, Any]:\n        return self._config\n    @property\n    def parser(self) -> ConfigParser:\n        return self._parser\n    def run(self):\n        self.config.get('a', 1)\n        self.parser.get('s', 'o')\n";
        assert_eq!(
            provenance(property, "self.config", 0),
            Some(Provenance::Config)
        );
        assert_eq!(provenance(property, "self.parser", 0), None);
    }

    #[test]
    fn mappings_keep_their_provenance_and_shape() {
        let source = "import json\ndef f(path, cfg):\n    config = json.load(open(path))\n    sb = config.get('a', {})\n    sb.get('b', 1)\n    cfg.get('c', 2)\n";
        let tree = syntax::parse(source);
        let names = names();
        let facts = FileFacts::analyze(&tree, source, &names, &KindTable::new());
        let mut calls = Vec::new();
        collect_kind(tree.root_node(), "call", &mut calls);
        let receiver = |text: &str| {
            calls
                .iter()
                .filter_map(|c| c.child_by_field_id(field::FUNCTION))
                .filter_map(|f| f.child_by_field_id(field::OBJECT))
                .find(|o| &source[o.byte_range()] == text)
                .unwrap()
        };
        assert_eq!(facts.shape_of(receiver("config")), Shape::Mapping);
        assert_eq!(facts.shape_of(receiver("sb")), Shape::Mapping);
        assert_eq!(facts.shape_of(receiver("cfg")), Shape::Unknown);
        assert_eq!(
            facts.provenance_of(receiver("sb")),
            Some(Provenance::Config)
        );
    }
}
