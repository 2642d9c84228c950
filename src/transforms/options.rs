//! Transform options: declared by each transform, validated when a rule is
//! loaded (and again for a project's overrides), defaults filled in.

use std::collections::BTreeMap;

/// Option name → value, complete (every declared option present).
pub type Options = BTreeMap<String, String>;

/// One option a transform accepts.
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    pub name: &'static str,
    /// Allowed values; empty: any text.
    pub values: &'static [&'static str],
    pub default: &'static str,
    pub help: &'static str,
}

/// Checks `given` against `specs` and fills in defaults. The error names
/// the offending option and says what is allowed.
pub fn resolve(
    specs: &[OptionSpec],
    given: &BTreeMap<String, String>,
) -> Result<Options, (String, String)> {
    for (name, value) in given {
        let Some(spec) = specs.iter().find(|s| s.name == name) else {
            let known: Vec<&str> = specs.iter().map(|s| s.name).collect();
            return Err((
                name.clone(),
                format!(
                    "unknown option `{name}` (known: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        };
        if !spec.values.is_empty() && !spec.values.contains(&value.as_str()) {
            return Err((
                name.clone(),
                format!(
                    "option `{name}` is `{value}`; allowed: {}",
                    spec.values.join(", ")
                ),
            ));
        }
    }
    Ok(specs
        .iter()
        .map(|spec| {
            let value = given.get(spec.name).map_or(spec.default, String::as_str);
            (spec.name.to_string(), value.to_string())
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[OptionSpec] = &[OptionSpec {
        name: "deprecate",
        values: &["auto", "always", "never"],
        default: "auto",
        help: "",
    }];

    fn given(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_filled_in_and_values_checked() {
        let resolved = resolve(SPECS, &given(&[])).unwrap();
        assert_eq!(resolved["deprecate"], "auto");
        let resolved = resolve(SPECS, &given(&[("deprecate", "never")])).unwrap();
        assert_eq!(resolved["deprecate"], "never");
        let (name, message) = resolve(SPECS, &given(&[("deprecate", "soon")])).unwrap_err();
        assert_eq!(name, "deprecate");
        assert!(
            message.contains("allowed: auto, always, never"),
            "{message}"
        );
        let (name, _) = resolve(SPECS, &given(&[("deprecated", "auto")])).unwrap_err();
        assert_eq!(name, "deprecated");
    }
}
