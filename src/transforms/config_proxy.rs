//! `config-proxy-scaffold` (phase 6): creates the project's `ConfigProxy`
//! module, and its tests when the project has a `tests/` package, from the
//! templates in `templates/` (valid Python as they are: they import
//! `utils.exceptions` and `utils.config_proxy`, which generation renames).
//!
//! The plan's sketch calls an undefined `_generate_example`, has no
//! `optional`, and tests a string on the path as a substring; the template
//! is a tested module instead (`docs/plan-departures.md`).

use super::summary::module_name;
use super::{
    ChangeSet, FileInput, NewFile, OptionSpec, Pending, ProjectIndex, Transform, TransformOutput,
};

const MODULE_TEMPLATE: &str = include_str!("templates/config_proxy.py");
const TESTS_TEMPLATE: &str = include_str!("templates/test_config_proxy.py");
const TEMPLATE_ERROR_IMPORT: &str = "from utils.exceptions import HelpfulError";
const TEMPLATE_MODULE_IMPORT: &str = "from utils.config_proxy import";
const TEMPLATE_MODULE_PATH: &str = "utils/config_proxy.py";

pub struct ConfigProxyScaffold;

const PATH: OptionSpec = OptionSpec {
    name: "path",
    values: &[],
    default: "utils/config_proxy.py",
    help: "where the module is created, relative to the project root",
};
const IF_EXISTS: OptionSpec = OptionSpec {
    name: "if-exists",
    values: &["skip", "refuse"],
    default: "skip",
    help: "when the path exists with other content: leave it (skip) or refuse the phase (refuse)",
};

/// The module's text, importing `HelpfulError` from `helpful_error_module`.
pub fn module_text(helpful_error_module: &str) -> String {
    MODULE_TEMPLATE.replace(
        TEMPLATE_ERROR_IMPORT,
        &format!("from {helpful_error_module} import HelpfulError"),
    )
}

/// Its tests, for the module at `path`.
pub fn tests_text(path: &str, helpful_error_module: &str) -> String {
    TESTS_TEMPLATE
        .replace(
            TEMPLATE_MODULE_IMPORT,
            &format!("from {} import", module_name(path)),
        )
        .replace(TEMPLATE_MODULE_PATH, path)
        .replace(
            TEMPLATE_ERROR_IMPORT,
            &format!("from {helpful_error_module} import HelpfulError"),
        )
}

/// `tests/test_<stem>.py` for the module at `path`.
pub fn tests_path(path: &str) -> String {
    let stem = path
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .trim_end_matches(".py");
    format!("tests/test_{stem}.py")
}

impl Transform for ConfigProxyScaffold {
    fn name(&self) -> &'static str {
        "config-proxy-scaffold"
    }

    fn summary(&self) -> &'static str {
        "creates the ConfigProxy module (require/optional, errors that are HelpfulError and KeyError) and its tests"
    }

    fn options(&self) -> &'static [OptionSpec] {
        &[PATH, IF_EXISTS]
    }

    fn may_apply(&self, _text: &str) -> bool {
        true
    }

    /// Runs once per project: on the module that defines `HelpfulError`
    /// (the new module imports it, so it must exist).
    fn prepare(&self, file: &FileInput) -> Vec<Pending> {
        let error_module = file.settings.helpful_error_module.clone();
        if module_name(file.relative) != error_module {
            return Vec::new();
        }
        let path = file
            .options
            .get(PATH.name)
            .map_or(PATH.default, String::as_str)
            .to_string();
        vec![Box::new(move |index: &ProjectIndex| {
            let mut new_files = vec![NewFile {
                path: path.clone(),
                text: module_text(&error_module),
            }];
            if index.has_package("tests") {
                new_files.push(NewFile {
                    path: tests_path(&path),
                    text: tests_text(&path, &error_module),
                });
            }
            vec![TransformOutput::Change(ChangeSet {
                message: format!("creates `{path}` (ConfigProxy)"),
                edits: Vec::new(),
                new_files,
            })]
        })]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_texts_name_the_projects_modules() {
        let module = module_text("app.errors");
        assert!(module.contains("from app.errors import HelpfulError\n"));
        assert!(!module.contains("utils.exceptions"));
        let tests = tests_text("app/config_proxy.py", "app.errors");
        assert!(tests.contains("from app.config_proxy import ("));
        assert!(tests.contains("from app.errors import HelpfulError"));
        assert!(tests.contains("Tests of app/config_proxy.py"));
        assert_eq!(
            tests_path("app/config_proxy.py"),
            "tests/test_config_proxy.py"
        );
    }

    #[test]
    fn templates_are_what_generation_expects() {
        assert_eq!(MODULE_TEMPLATE.matches(TEMPLATE_ERROR_IMPORT).count(), 1);
        assert_eq!(TESTS_TEMPLATE.matches(TEMPLATE_ERROR_IMPORT).count(), 1);
        assert_eq!(TESTS_TEMPLATE.matches(TEMPLATE_MODULE_IMPORT).count(), 1);
    }
}
