//! What `globals-to-manager` would do to one module, or why it will not:
//! the state, the functions that become methods, the classes that read the
//! state, the names it adds, and every precondition checked on the tree.

use crate::syntax::field;
use std::collections::BTreeSet;

use tree_sitter::Node;

use super::checks::Checker;
use super::constants::Constant;
use super::render;
use crate::analysis::metrics;
use crate::transforms::summary;
use crate::transforms::{ChangeSet, FileInput, Refusal};

pub enum Outcome {
    Nothing,
    Refused(Vec<Refusal>),
    Planned(Box<Planned>),
    Logger(Box<super::logger::LoggerPlan>),
}

/// A module's rewrite, waiting for the project index.
pub struct Planned {
    pub relative: String,
    pub class_name: String,
    pub default_function: String,
    pub state_names: Vec<String>,
    pub function_names: Vec<String>,
    /// State names a function rebinds with `global`: a name another module
    /// took with `from … import` would be a stale snapshot of those.
    pub rebound_states: BTreeSet<String>,
    /// Whether the project lets a rewrite edit test code.
    pub rewrite_tests: bool,
    pub change: ChangeSet,
    /// Where a refusal of the whole module is reported (the first state).
    pub anchor: Refusal,
}

/// One module-level state variable.
pub struct State<'t> {
    pub name: String,
    /// Its attribute and constructor parameter: the name without leading `_`.
    pub attr: String,
    pub statement: Node<'t>,
    pub value: Node<'t>,
}

/// A module function that uses the state and becomes a method.
pub struct Converted<'t> {
    pub node: Node<'t>,
    pub name: String,
    pub deprecated: bool,
}

/// A class whose `__init__` reads the state.
pub struct ReadingClass<'t> {
    pub name: String,
    pub init: Node<'t>,
    /// State names it reads.
    pub reads: Vec<String>,
}

/// Everything rendering needs.
pub struct Module<'a, 't> {
    pub file: &'a FileInput<'a>,
    pub class_name: String,
    pub default_function: String,
    pub set_default_function: String,
    pub indent: String,
    pub states: Vec<State<'t>>,
    pub functions: Vec<Converted<'t>>,
    pub classes: Vec<ReadingClass<'t>>,
    /// Imports to add (`warnings`, `threading`) and where.
    pub imports: Vec<&'static str>,
    pub import_at: usize,
}

/// The plan's names for its two examples; other modules get `<Stem>Manager`.
const PLAN_NAMES: &[(&str, &str)] = &[
    ("oauth_helpers", "OAuthManager"),
    ("api_factory", "ApiFactory"),
];
pub const DEFAULT_MANAGER: &str = "_default_manager";
pub const DEFAULT_MANAGER_LOCK: &str = "_default_manager_lock";

pub fn class_name(relative: &str, settings: &crate::project::Settings) -> String {
    if let Some(name) = settings.manager_classes.get(relative) {
        return name.clone();
    }
    let stem = relative.rsplit('/').next().unwrap_or(relative);
    let stem = stem.strip_suffix(".py").unwrap_or(stem);
    if let Some((_, name)) = PLAN_NAMES.iter().find(|(s, _)| *s == stem) {
        return name.to_string();
    }
    let camel: String = stem
        .split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut chars = p.chars();
            chars
                .next()
                .map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
        })
        .collect();
    format!("{camel}Manager")
}

/// `OAuthManager` → `oauth_manager`: a word break only where a lower-case
/// letter or digit meets an upper-case one.
pub fn snake_case(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        out.extend(c.to_lowercase());
    }
    out
}

/// `default_<this>()`: from the class name where the plan or the project
/// names it (`OAuthManager` → `oauth_manager`), else `<module>_manager`.
fn helper_stem(relative: &str, class_name: &str, settings: &crate::project::Settings) -> String {
    let stem = relative.rsplit('/').next().unwrap_or(relative);
    let stem = stem.strip_suffix(".py").unwrap_or(stem);
    let named = settings.manager_classes.contains_key(relative)
        || PLAN_NAMES.iter().any(|(s, _)| *s == stem);
    if named {
        snake_case(class_name)
    } else {
        format!("{}_manager", stem.trim_matches('_'))
    }
}

pub fn attribute_name(state: &str) -> String {
    state.trim_start_matches('_').to_string()
}

/// What to do with the module, and the public tables it keeps where they
/// are (`constants.rs`).
pub fn plan(file: &FileInput) -> (Outcome, Vec<Constant>) {
    let root = file.tree.root_node();
    if crate::syntax::first_error(file.tree).is_some() {
        return (Outcome::Nothing, Vec::new());
    }
    let global_names = global_names(root, file.text);
    // The plan keeps the logger singleton (logging is inherently global).
    if let Some(singleton) = global_names
        .iter()
        .find(|n| n.to_ascii_lowercase().contains("logger"))
    {
        let outcome = super::logger::plan(file, root, singleton)
            .map_or(Outcome::Nothing, |p| Outcome::Logger(Box::new(p)));
        return (outcome, Vec::new());
    }
    let states = states(file, root, &global_names);
    let (states, constants) = super::constants::split(file, states, &global_names);
    (plan_states(file, root, states, &global_names), constants)
}

/// The module-level state (`metrics::global_state`), minus what an
/// earlier run of this transform made.
fn states<'t>(file: &FileInput<'t>, root: Node<'t>, global_names: &[String]) -> Vec<State<'t>> {
    let found = metrics::global_state(root, file.text, global_names);
    let helpers = [DEFAULT_MANAGER, DEFAULT_MANAGER_LOCK];
    // Only a module with those names can be one this transform migrated.
    let already_migrated = found.iter().any(|s| helpers.contains(&s.name.as_str())) && {
        let mut top_level = Vec::new();
        summary::collect_top_level(root, file.text, &mut top_level);
        top_level.contains(&class_name(file.relative, file.settings))
    };
    found
        .into_iter()
        .filter(|s| !(already_migrated && helpers.contains(&s.name.as_str())))
        .filter_map(|s| {
            let value = s.node.named_child(0)?.child_by_field_id(field::RIGHT)?;
            Some(State {
                attr: attribute_name(&s.name),
                name: s.name,
                statement: s.node,
                value,
            })
        })
        .collect()
}

fn plan_states<'t>(
    file: &FileInput<'t>,
    root: Node<'t>,
    states: Vec<State<'t>>,
    global_names: &[String],
) -> Outcome {
    let text = file.text;
    let Some(first) = states.first() else {
        return Outcome::Nothing;
    };
    let class_name = class_name(file.relative, file.settings);
    let mut top_level = Vec::new();
    summary::collect_top_level(root, text, &mut top_level);
    let state_list: Vec<String> = states.iter().map(|s| format!("`{}`", s.name)).collect();
    let message = format!(
        "module state ({}) moves into `{class_name}`",
        state_list.join(", ")
    );
    let anchor = Refusal::at(
        file.file,
        text,
        first.statement.byte_range(),
        message.clone(),
        String::new(),
    );
    let mut check = Checker {
        file,
        message,
        refusals: Vec::new(),
    };
    let snake = helper_stem(file.relative, &class_name, file.settings);
    let default_function = format!("default_{snake}");
    let set_default_function = format!("set_default_{snake}");
    let state_set: BTreeSet<String> = states.iter().map(|s| s.name.clone()).collect();
    check.names(
        &states,
        &top_level,
        &[
            &class_name,
            &default_function,
            &set_default_function,
            DEFAULT_MANAGER,
            DEFAULT_MANAGER_LOCK,
        ],
        root,
    );
    check.escape_hatches(root);
    check.names_in_strings(&states);
    let (functions, classes) = check.statements(root, &states, &state_set);
    check.attributes_and_methods(&states, &functions);
    let deprecated: Vec<Converted> = functions
        .into_iter()
        .map(|(node, name)| {
            let deprecated = deprecates(&name, file.options);
            Converted {
                node,
                name,
                deprecated,
            }
        })
        .collect();
    let mut imports = vec![];
    if deprecated.iter().any(|f| f.deprecated) {
        check.import_available(root, "warnings", &mut imports);
    }
    check.import_available(root, "threading", &mut imports);
    if !check.refusals.is_empty() {
        return Outcome::Refused(check.refusals);
    }
    let module = Module {
        file,
        class_name: class_name.clone(),
        default_function: default_function.clone(),
        set_default_function,
        indent: indent_unit(root, text),
        states,
        functions: deprecated,
        classes,
        imports,
        import_at: import_position(root, text),
    };
    let change = render::change(&module);
    Outcome::Planned(Box::new(Planned {
        relative: file.relative.to_string(),
        class_name,
        default_function,
        state_names: module.states.iter().map(|s| s.name.clone()).collect(),
        function_names: module.functions.iter().map(|f| f.name.clone()).collect(),
        rebound_states: module
            .states
            .iter()
            .filter(|s| global_names.contains(&s.name))
            .map(|s| s.name.clone())
            .collect(),
        rewrite_tests: file.settings.rewrite_tests,
        change,
        anchor,
    }))
}

fn deprecates(name: &str, options: &crate::transforms::Options) -> bool {
    if name.starts_with('_') {
        return false;
    }
    let kept = options.get("keep").map_or("", String::as_str);
    match options.get("deprecate").map_or("auto", String::as_str) {
        "never" => false,
        "always" => true,
        _ => !kept.split(',').any(|k| k.trim() == name),
    }
}

/// Names rebound with `global` anywhere in the module.
fn global_names(root: Node, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    // The walk enters only subtrees holding the keyword.
    let spots: Vec<usize> = crate::syntax::word_positions(text.as_bytes(), "global").collect();
    if spots.is_empty() {
        return found;
    }
    crate::syntax::walk_pruned(
        root,
        |n| crate::syntax::spans_any(n, &spots),
        |n| {
            if n.kind() == "global_statement" {
                let mut cursor = n.walk();
                for name in n.named_children(&mut cursor) {
                    found.push(text[name.byte_range()].to_string());
                }
            }
        },
    );
    found
}

/// The module's indentation unit: that of the first indented block.
pub fn indent_unit(root: Node, text: &str) -> String {
    let mut unit = None;
    let mut blocks = Vec::new();
    crate::syntax::walk_pruned(
        root,
        |n| n.kind() != "block",
        |n| {
            if n.kind() == "block" && n.start_position().column > 0 {
                blocks.push(n);
            }
        },
    );
    if let Some(block) = blocks.iter().min_by_key(|b| b.start_byte()) {
        unit = Some(crate::source::line_indent(text, block.start_byte()).to_string());
    }
    unit.filter(|u| !u.is_empty())
        .unwrap_or_else(|| "    ".to_string())
}

/// After the last top-level import, else after the module docstring, else
/// at the start.
fn import_position(root: Node, text: &str) -> usize {
    let mut cursor = root.walk();
    let children: Vec<Node> = root.named_children(&mut cursor).collect();
    let last_import = children
        .iter()
        .take_while(|s| {
            matches!(
                s.kind(),
                "import_statement"
                    | "import_from_statement"
                    | "future_import_statement"
                    | "expression_statement"
                    | "comment"
            )
        })
        .filter(|s| {
            matches!(
                s.kind(),
                "import_statement" | "import_from_statement" | "future_import_statement"
            )
        })
        .last();
    let docstring = children.first().filter(|s| {
        s.kind() == "expression_statement" && s.named_child(0).is_some_and(|c| c.kind() == "string")
    });
    match last_import.or(docstring) {
        Some(node) => line_end(text, node.end_byte()),
        None => 0,
    }
}

/// The offset just after the line break that ends the line of `offset`.
pub fn line_end(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Settings;

    #[test]
    fn names_follow_the_plan_then_the_settings_then_the_module() {
        let mut settings = Settings::default();
        assert_eq!(
            class_name("utils/oauth_helpers.py", &settings),
            "OAuthManager"
        );
        assert_eq!(class_name("utils/api_factory.py", &settings), "ApiFactory");
        assert_eq!(
            class_name("utils/token_store.py", &settings),
            "TokenStoreManager"
        );
        settings
            .manager_classes
            .insert("utils/api_factory.py".into(), "ClientFactory".into());
        assert_eq!(
            class_name("utils/api_factory.py", &settings),
            "ClientFactory"
        );
        assert_eq!(snake_case("OAuthManager"), "oauth_manager");
        assert_eq!(snake_case("ApiFactory"), "api_factory");
        assert_eq!(
            helper_stem(
                "utils/load_n_save.py",
                "LoadNSaveManager",
                &Settings::default()
            ),
            "load_n_save_manager"
        );
        assert_eq!(attribute_name("__cache"), "cache");
    }
}
