//! Fix and message templates: literal text with `$NAME` / `$$$NAME`
//! placeholders, rendered from a match's bindings.

use crate::pattern::compile::metavar_name_len;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    Var(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub segments: Vec<Segment>,
}

/// A placeholder found in a template, with its byte offset for diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    pub name: String,
    pub offset: usize,
}

impl Template {
    pub fn parse(text: &str) -> Self {
        let mut segments = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(dollar) = rest.find('$') {
            literal.push_str(&rest[..dollar]);
            let after = &rest[dollar..];
            let dollars = if after.starts_with("$$$") { 3 } else { 1 };
            let name_len = metavar_name_len(&after[dollars..]);
            if name_len == 0 {
                literal.push('$');
                rest = &after[1..];
                continue;
            }
            if !literal.is_empty() {
                segments.push(Segment::Literal(std::mem::take(&mut literal)));
            }
            segments.push(Segment::Var(after[dollars..dollars + name_len].to_string()));
            rest = &after[dollars + name_len..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            segments.push(Segment::Literal(literal));
        }
        Template { segments }
    }

    /// Every placeholder with its offset in `text` (the text it was parsed from).
    pub fn placeholders(text: &str) -> Vec<Placeholder> {
        let mut found = Vec::new();
        let mut index = 0;
        while let Some(pos) = text[index..].find('$') {
            let start = index + pos;
            let dollars = if text[start..].starts_with("$$$") {
                3
            } else {
                1
            };
            let name_len = metavar_name_len(&text[start + dollars..]);
            if name_len > 0 {
                let name = text[start + dollars..start + dollars + name_len].to_string();
                found.push(Placeholder {
                    name,
                    offset: start,
                });
            }
            index = start + dollars + name_len;
        }
        found
    }

    /// Renders with `lookup` giving each variable's replacement text.
    pub fn render(&self, mut lookup: impl FnMut(&str) -> String) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Var(name) => out.push_str(&lookup(name)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_single_and_multi_placeholders() {
        let template = Template::parse("$X[$K] + f($$$ARGS) costs $5");
        assert_eq!(
            template.segments,
            [
                Segment::Var("X".into()),
                Segment::Literal("[".into()),
                Segment::Var("K".into()),
                Segment::Literal("] + f(".into()),
                Segment::Var("ARGS".into()),
                Segment::Literal(") costs $5".into()),
            ]
        );
        let names: Vec<_> = Template::placeholders("a $X b $$$Y")
            .into_iter()
            .map(|p| (p.name, p.offset))
            .collect();
        assert_eq!(names, [("X".to_string(), 2), ("Y".to_string(), 7)]);
    }

    #[test]
    fn renders_from_lookup() {
        let template = Template::parse("$X[$K]");
        let out = template.render(|name| {
            if name == "X" {
                "cfg".into()
            } else {
                "'a'".into()
            }
        });
        assert_eq!(out, "cfg['a']");
    }
}
