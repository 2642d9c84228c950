//! The Python grammar's field ids, so hot paths look a field up by number:
//! `child_by_field_name` first resolves the name with a linear string
//! search over every field of the grammar, on each call.
//! The unit test below checks each id against the grammar itself.

use std::num::NonZeroU16;
use tree_sitter::{Node, TreeCursor};

pub const ALIAS: u16 = 1;
pub const ALTERNATIVE: u16 = 2;
pub const ARGUMENT: u16 = 3;
pub const ARGUMENTS: u16 = 4;
pub const ATTRIBUTE: u16 = 5;
pub const BODY: u16 = 6;
pub const CAUSE: u16 = 7;
pub const CODE: u16 = 8;
pub const CONDITION: u16 = 9;
pub const CONSEQUENCE: u16 = 10;
pub const DEFINITION: u16 = 11;
pub const EXPRESSION: u16 = 12;
pub const FORMAT_SPECIFIER: u16 = 13;
pub const FUNCTION: u16 = 14;
pub const GUARD: u16 = 15;
pub const KEY: u16 = 16;
pub const LEFT: u16 = 17;
pub const MODULE_NAME: u16 = 18;
pub const NAME: u16 = 19;
pub const OBJECT: u16 = 20;
pub const OPERATOR: u16 = 21;
pub const OPERATORS: u16 = 22;
pub const PARAMETERS: u16 = 23;
pub const RETURN_TYPE: u16 = 24;
pub const RIGHT: u16 = 25;
pub const SUBJECT: u16 = 26;
pub const SUBSCRIPT: u16 = 27;
pub const SUPERCLASSES: u16 = 28;
pub const TYPE: u16 = 29;
pub const TYPE_CONVERSION: u16 = 30;
pub const TYPE_PARAMETERS: u16 = 31;
pub const VALUE: u16 = 32;

/// The children of `node` in field `id`, like tree-sitter's
/// `children_by_field_id` but taking the same `u16` as `child_by_field_id`.
pub fn children<'t, 'c>(
    node: Node<'t>,
    id: u16,
    cursor: &'c mut TreeCursor<'t>,
) -> impl Iterator<Item = Node<'t>> + 'c {
    cursor.reset(node);
    let mut more = cursor.goto_first_child();
    std::iter::from_fn(move || {
        while more {
            let found = cursor.node();
            let hit = cursor.field_id().map(NonZeroU16::get) == Some(id);
            more = cursor.goto_next_sibling();
            if hit {
                return Some(found);
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{parse, python};

    #[test]
    fn ids_match_the_grammar() {
        let ids = [
            ("alias", ALIAS),
            ("alternative", ALTERNATIVE),
            ("argument", ARGUMENT),
            ("arguments", ARGUMENTS),
            ("attribute", ATTRIBUTE),
            ("body", BODY),
            ("cause", CAUSE),
            ("code", CODE),
            ("condition", CONDITION),
            ("consequence", CONSEQUENCE),
            ("definition", DEFINITION),
            ("expression", EXPRESSION),
            ("format_specifier", FORMAT_SPECIFIER),
            ("function", FUNCTION),
            ("guard", GUARD),
            ("key", KEY),
            ("left", LEFT),
            ("module_name", MODULE_NAME),
            ("name", NAME),
            ("object", OBJECT),
            ("operator", OPERATOR),
            ("operators", OPERATORS),
            ("parameters", PARAMETERS),
            ("return_type", RETURN_TYPE),
            ("right", RIGHT),
            ("subject", SUBJECT),
            ("subscript", SUBSCRIPT),
            ("superclasses", SUPERCLASSES),
            ("type", TYPE),
            ("type_conversion", TYPE_CONVERSION),
            ("type_parameters", TYPE_PARAMETERS),
            ("value", VALUE),
        ];
        let language = python();
        for (name, id) in ids {
            assert_eq!(
                language.field_id_for_name(name).map(NonZeroU16::get),
                Some(id),
                "{name}"
            );
        }
        assert_eq!(language.field_count(), ids.len());
    }

    #[test]
    fn children_yields_every_child_in_the_field() {
        let tree = parse("import a, b as c, d\n");
        let import = tree.root_node().child(0).expect("a statement");
        let mut cursor = import.walk();
        let by_id: Vec<_> = children(import, NAME, &mut cursor).collect();
        let by_name: Vec<_> = import.children_by_field_name("name", &mut cursor).collect();
        assert_eq!(by_id.len(), 3);
        assert_eq!(by_id, by_name);
    }
}
