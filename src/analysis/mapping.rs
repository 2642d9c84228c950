//! Whether a value is a mapping: `config.get(k, d)` → `config[k]` keeps
//! its meaning only on a mapping. `configparser.ConfigParser().get(s, o)`
//! reads option `o` of section `s`, and a project's own `ConfigLoader.get`
//! may take a dotted path; neither is subscripted the same way.
//!
//! The evidence is local and syntactic: a type annotation, or the call a
//! name is assigned from (a class, a loader, a function annotated with its
//! return type).

use crate::syntax::field;
use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

/// What the code says about a value's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// A dict, a mapping type, or what a JSON/YAML/TOML loader returns.
    Mapping,
    /// Something else; the text says why (`a configparser.ConfigParser`).
    NotMapping(String),
    /// Nothing says.
    Unknown,
}

/// Types whose instances are mappings (last dotted segment).
const MAPPING_TYPES: &[&str] = &[
    "dict",
    "Dict",
    "Mapping",
    "MutableMapping",
    "OrderedDict",
    "defaultdict",
    "DefaultDict",
    "Counter",
    "ChainMap",
    "MappingProxyType",
    "TypedDict",
];

/// Annotations that say nothing about the shape.
const VAGUE_TYPES: &[&str] = &["Any", "object", "Union", "TypeVar"];

/// Functions returning a parsed document (JSON, YAML, TOML): a mapping for
/// a configuration file.
fn is_document_loader(callee: &str) -> bool {
    let (module, function) = callee.rsplit_once('.').unwrap_or(("", callee));
    let module = module.rsplit('.').next().unwrap_or(module);
    match module {
        "json" | "tomllib" | "tomli" | "toml" => matches!(function, "load" | "loads"),
        "yaml" => function.ends_with("load"),
        _ => false,
    }
}

/// Classes and functions defined in one file, as far as shapes go.
#[derive(Debug, Default)]
pub struct LocalTypes {
    /// Classes that are mappings (subclass a mapping type).
    mapping_classes: HashSet<String>,
    /// Every other class defined in the file.
    classes: HashSet<String>,
    /// Return annotation text of module-level functions, by name.
    returns: HashMap<String, String>,
}

impl LocalTypes {
    /// Records a `class_definition` or a module-level `function_definition`.
    pub fn learn(&mut self, definition: Node, source: &str) {
        let text = |n: Node| source[n.byte_range()].to_string();
        let Some(name) = definition.child_by_field_id(field::NAME).map(text) else {
            return;
        };
        match definition.kind() {
            "class_definition" => {
                let bases = definition
                    .child_by_field_id(field::SUPERCLASSES)
                    .map(text)
                    .unwrap_or_default();
                if is_mapping_bases(&bases) {
                    self.mapping_classes.insert(name);
                } else {
                    self.classes.insert(name);
                }
            }
            "function_definition" => {
                if let Some(returns) = definition.child_by_field_id(field::RETURN_TYPE) {
                    self.returns.insert(name, text(returns));
                }
            }
            _ => {}
        }
    }

    /// The shape an annotation (`ConfigLoader`, `Optional[Dict[str, Any]]`,
    /// `"Settings"`) gives a value.
    pub fn annotation(&self, annotation: &str) -> Shape {
        let mut text = annotation.trim().trim_matches(['"', '\'']).trim();
        for wrapper in ["Optional[", "typing.Optional[", "Final[", "ClassVar["] {
            if let Some(inner) = text.strip_prefix(wrapper) {
                text = inner.strip_suffix(']').unwrap_or(inner).trim();
            }
        }
        let alternatives: Vec<&str> = text
            .split('|')
            .map(str::trim)
            .filter(|t| *t != "None")
            .collect();
        let [single] = alternatives[..] else {
            return Shape::Unknown;
        };
        let head = last_segment(single.split('[').next().unwrap_or(single).trim());
        if MAPPING_TYPES.contains(&head) || self.mapping_classes.contains(head) {
            Shape::Mapping
        } else if VAGUE_TYPES.contains(&head) || head.is_empty() {
            Shape::Unknown
        } else {
            Shape::NotMapping(format!("annotated `{single}`"))
        }
    }

    /// The shape of a value assigned to a name.
    pub fn value(&self, value: Node, source: &str) -> Shape {
        match value.kind() {
            "dictionary" | "dictionary_comprehension" => Shape::Mapping,
            "call" => self.call(value, source),
            "await" | "parenthesized_expression" => value
                .named_child(0)
                .map_or(Shape::Unknown, |inner| self.value(inner, source)),
            _ => Shape::Unknown,
        }
    }

    fn call(&self, call: Node, source: &str) -> Shape {
        let Some(function) = call.child_by_field_id(field::FUNCTION) else {
            return Shape::Unknown;
        };
        let callee = &source[function.byte_range()];
        let name = last_segment(callee);
        if is_document_loader(callee)
            || MAPPING_TYPES.contains(&name)
            || self.mapping_classes.contains(name)
        {
            return Shape::Mapping;
        }
        if let Some(returns) = self.returns.get(callee) {
            return self.annotation(returns);
        }
        let is_class = self.classes.contains(name)
            || (function.kind() != "call" && name.starts_with(|c: char| c.is_ascii_uppercase()));
        if is_class {
            Shape::NotMapping(format!("a `{callee}` instance"))
        } else {
            Shape::Unknown
        }
    }
}

/// A class's own `get` method, found in a project's text: a config receiver
/// of unknown type may be one of these rather than a dict.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GetMethod {
    pub class: String,
    /// Where it is defined, `path:line`.
    pub at: String,
}

/// The `get` methods of non-mapping classes in `text`, by text alone (a
/// `def get(` indented under a `class` line), so that every file read can be
/// searched without parsing it.
pub fn get_methods_in(text: &str, path: &str) -> Vec<GetMethod> {
    let mut found = Vec::new();
    for start in memchr::memmem::find_iter(text.as_bytes(), b"def get(") {
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let indent = &text[line_start..start];
        let is_method = !indent.is_empty() && indent.chars().all(|c| c == ' ' || c == '\t');
        if !is_method {
            continue;
        }
        let line = text[..start].matches('\n').count() + 1;
        let class = enclosing_class_line(&text[..line_start], indent.len());
        if let Some((class, _)) = class.filter(|(_, bases)| !is_mapping_bases(bases)) {
            found.push(GetMethod {
                class: class.to_string(),
                at: format!("{path}:{line}"),
            });
        }
    }
    found
}

/// The class whose body holds a line indented by `indent`: (name, bases).
fn enclosing_class_line(before: &str, indent: usize) -> Option<(&str, &str)> {
    for line in before.lines().rev() {
        let body = line.trim_start();
        if body.is_empty() || body.starts_with('#') || line.len() - body.len() >= indent {
            continue;
        }
        let header = body.strip_prefix("class ")?;
        let name_end = header
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(header.len());
        return Some((&header[..name_end], &header[name_end..]));
    }
    None
}

fn is_mapping_bases(bases: &str) -> bool {
    bases
        .split([',', '(', ')', '[', ' ', ':'])
        .any(|base| MAPPING_TYPES.contains(&last_segment(base.trim())))
}

/// Whether a file uses `configparser`, whose `get(section, option)` reads an
/// option: a config receiver of unknown type there may be a parser.
pub fn uses_configparser(text: &str) -> bool {
    text.contains("configparser") || text.contains("ConfigParser")
}

fn last_segment(dotted: &str) -> &str {
    dotted.rsplit('.').next().unwrap_or(dotted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax;

    fn local_types(source: &str) -> LocalTypes {
        let tree = syntax::parse(source);
        let mut types = LocalTypes::default();
        let root = tree.root_node();
        let mut cursor = root.walk();
        for child in root.named_children(&mut cursor) {
            types.learn(child, source);
        }
        types
    }

    /// The shape of the value of the last top-level assignment.
    fn shape_of_last_value(source: &str) -> Shape {
        let tree = syntax::parse(source);
        let types = local_types(source);
        let root = tree.root_node();
        let statement = root
            .named_child(root.named_child_count() as u32 - 1)
            .unwrap();
        let value = statement
            .named_child(0)
            .and_then(|a| a.child_by_field_id(field::RIGHT))
            .unwrap();
        types.value(value, source)
    }

    #[test]
    fn get_methods_of_classes_are_found_by_text() {
        let text = "class ConfigLoader:\n    '''Loads.'''\n\n    def __init__(self):\n        pass\n\n    # dotted paths\n    def get(self, key_path, default=None):\n        pass\n\nclass Settings(dict):\n    def get(self, k, d=None):\n        pass\n\ndef get(url):\n    pass\n\ndef outer():\n    def get(x):\n        pass\n";
        assert_eq!(
            get_methods_in(text, "utils/config_loader.py"),
            [GetMethod {
                class: "ConfigLoader".into(),
                at: "utils/config_loader.py:8".into()
            }]
        );
    }

    #[test]
    fn annotations() {
        let types = local_types("class Settings(TypedDict):\n    a: int\n");
        assert_eq!(types.annotation("Dict[str, Any]"), Shape::Mapping);
        assert_eq!(types.annotation("Optional[dict]"), Shape::Mapping);
        assert_eq!(types.annotation("Mapping[str, int] | None"), Shape::Mapping);
        assert_eq!(types.annotation("Settings"), Shape::Mapping);
        assert_eq!(types.annotation("Any"), Shape::Unknown);
        assert_eq!(types.annotation("dict | list"), Shape::Unknown);
        assert_eq!(
            types.annotation("'ConfigLoader'"),
            Shape::NotMapping("annotated `ConfigLoader`".into())
        );
        assert_eq!(
            types.annotation("configparser.ConfigParser"),
            Shape::NotMapping("annotated `configparser.ConfigParser`".into())
        );
    }

    #[test]
    fn values() {
        assert_eq!(
            shape_of_last_value("c = configparser.ConfigParser()\n"),
            Shape::NotMapping("a `configparser.ConfigParser` instance".into())
        );
        assert_eq!(
            shape_of_last_value("class loader:\n    pass\nc = loader()\n"),
            Shape::NotMapping("a `loader` instance".into())
        );
        assert_eq!(shape_of_last_value("c = json.load(f)\n"), Shape::Mapping);
        assert_eq!(
            shape_of_last_value("c = yaml.safe_load(f)\n"),
            Shape::Mapping
        );
        assert_eq!(
            shape_of_last_value("c = collections.OrderedDict()\n"),
            Shape::Mapping
        );
        assert_eq!(shape_of_last_value("c = {'a': 1}\n"), Shape::Mapping);
        assert_eq!(
            shape_of_last_value("def load() -> Dict[str, Any]:\n    pass\nc = load()\n"),
            Shape::Mapping
        );
        assert_eq!(
            shape_of_last_value("def load() -> 'Loader':\n    pass\nc = load()\n"),
            Shape::NotMapping("annotated `Loader`".into())
        );
        assert_eq!(shape_of_last_value("c = load_config(p)\n"), Shape::Unknown);
        assert_eq!(shape_of_last_value("c = Factory()()\n"), Shape::Unknown);
    }
}
