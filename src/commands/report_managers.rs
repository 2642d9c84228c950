//! `report`'s account of what phase 3 generates in the project: each
//! manager class, its shared instance, the module functions it deprecated
//! (and what to call instead) and those it kept. Read back from the code
//! phase 3 writes (the dry run's result, or the files an applied phase
//! changed), so it holds before and after `apply`.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manager {
    pub file: String,
    pub class: String,
    /// `default_…`: the instance the module functions use.
    pub default_function: String,
    /// `set_default_…`, for tests.
    pub set_default_function: String,
    /// Module functions that warn and forward to the shared instance.
    pub deprecated: Vec<String>,
    /// Module functions that forward without a warning.
    pub kept: Vec<String>,
}

/// The managers phase 3 generated in `text` (one per module at most).
pub fn managers_in(file: &str, text: &str) -> Option<Manager> {
    // `def default_x() -> X:` followed by the generated docstring.
    let (default_function, class) = text.lines().zip(text.lines().skip(1)).find_map(|(a, b)| {
        let rest = a.strip_prefix("def ")?;
        let (name, rest) = rest.split_once("() -> ")?;
        let class = rest.strip_suffix(':')?;
        let generated = b
            .trim()
            .starts_with(&format!("\"\"\"The {class} the module-level functions use"));
        generated.then(|| (name.to_string(), class.to_string()))
    })?;
    let mut deprecated = Vec::new();
    let mut kept = Vec::new();
    let mut current: Option<&str> = None;
    let mut warned = false;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("def ") {
            current = rest.split_once('(').map(|(name, _)| name);
            warned = false;
            continue;
        }
        if line.trim_start().starts_with("warnings.warn(") {
            warned = true;
        }
        let Some(name) = current else { continue };
        let forward = format!("return {default_function}().{name}(");
        if line.trim_start().starts_with(&forward) {
            match warned {
                true => deprecated.push(name.to_string()),
                false => kept.push(name.to_string()),
            }
            current = None;
        }
    }
    Some(Manager {
        file: file.to_string(),
        set_default_function: default_function.replacen("default_", "set_default_", 1),
        class,
        default_function,
        deprecated,
        kept,
    })
}

/// The Markdown lines for the guide: one paragraph per manager.
pub fn markdown(managers: &[Manager]) -> String {
    let mut out = String::from("In this project:\n\n");
    for m in managers {
        out.push_str(&format!(
            "- `{}`: class `{}`; `{}()` is the shared instance the module functions use, `{}(manager)` replaces it (tests).\n",
            m.file, m.class, m.default_function, m.set_default_function
        ));
        for name in &m.deprecated {
            out.push_str(&format!(
                "  - `{name}()` is deprecated (it warns at the caller's line): call `{}().{name}()` with the same arguments, or `{name}()` on your own `{}()` instance, passed along.\n",
                m.default_function, m.class
            ));
        }
        for name in &m.kept {
            out.push_str(&format!(
                "  - `{name}()` stays a plain function, forwarding to `{}().{name}()`.\n",
                m.default_function
            ));
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_code_is_read_back() {
        let text = "\
class TokenStoreManager:
    pass


def default_token_store_manager() -> TokenStoreManager:
    \"\"\"The TokenStoreManager the module-level functions use, created on first use.\"\"\"


def remember(key, token, *, ttl=60):
    \"\"\"Deprecated: use TokenStoreManager.remember().\"\"\"
    warnings.warn(
        \"remember() is deprecated\",
        DeprecationWarning,
        stacklevel=2,
    )
    return default_token_store_manager().remember(key, token, ttl=ttl)


def _forget(key):
    return default_token_store_manager()._forget(key)
";
        let manager = managers_in("utils/token_store.py", text).unwrap();
        assert_eq!(manager.class, "TokenStoreManager");
        assert_eq!(
            manager.set_default_function,
            "set_default_token_store_manager"
        );
        assert_eq!(manager.deprecated, ["remember"]);
        assert_eq!(manager.kept, ["_forget"]);
        assert!(managers_in("m.py", "def default_x() -> X:\n    pass\n").is_none());
    }
}
