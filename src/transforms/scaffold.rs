//! Scaffold transforms (phase 6): create a tested module in the project,
//! and its pytest tests when the project has a `tests` package, from the
//! templates in `templates/`. The templates are valid Python as they are
//! (they import `utils.exceptions` and their own `utils.<name>` module);
//! generation renames those to the project's.
//!
//! - `config-proxy-scaffold`: `ConfigProxy`. The plan's sketch calls an
//!   undefined `_generate_example`, has no `optional`, and tests a string on
//!   the path as a substring (`docs/plan-departures.md`).
//! - `method-metrics-scaffold` (opt-in): `measure_complexity`. The plan's
//!   reads the source on every call and fails without source.

use super::summary::module_name;
use super::{
    ChangeSet, FileInput, NewFile, OptionSpec, Options, Pending, ProjectIndex, Transform,
    TransformOutput,
};
use crate::project::Settings;

/// The package whose presence decides whether tests are created.
const TESTS_PACKAGE: &str = "tests";

const TEMPLATE_ERROR_IMPORT: &str = "from utils.exceptions import HelpfulError";

/// One module a scaffold creates, with its tests.
pub struct Scaffold {
    name: &'static str,
    summary: &'static str,
    /// The template's own path (`utils/<name>.py`), also the default `path`.
    template_path: &'static str,
    module: &'static str,
    tests: &'static str,
    options: &'static [OptionSpec],
}

const IF_EXISTS: OptionSpec = OptionSpec {
    name: "if-exists",
    values: &["skip", "refuse"],
    default: "skip",
    help: "when the path exists with other content: leave it (skip) or refuse the phase (refuse)",
};

const fn path_option(default: &'static str) -> OptionSpec {
    OptionSpec {
        name: "path",
        values: &[],
        default,
        help: "where the module is created, relative to the project root",
    }
}

pub static CONFIG_PROXY: Scaffold = Scaffold {
    name: "config-proxy-scaffold",
    summary: "creates the ConfigProxy module (require/optional, errors that are HelpfulError and KeyError) and its tests",
    template_path: "utils/config_proxy.py",
    module: include_str!("templates/config_proxy.py"),
    tests: include_str!("templates/test_config_proxy.py"),
    options: &[path_option("utils/config_proxy.py"), IF_EXISTS],
};

pub static METHOD_METRICS: Scaffold = Scaffold {
    name: "method-metrics-scaffold",
    summary: "creates a measure_complexity decorator (lines measured once, one warning per function) and its tests",
    template_path: "utils/method_metrics.py",
    module: include_str!("templates/method_metrics.py"),
    tests: include_str!("templates/test_method_metrics.py"),
    options: &[path_option("utils/method_metrics.py"), IF_EXISTS],
};

impl Scaffold {
    fn error_import(helpful_error_module: &str) -> String {
        format!("from {helpful_error_module} import HelpfulError")
    }

    /// The module's text, importing `HelpfulError` from `helpful_error_module`.
    pub fn module_text(&self, helpful_error_module: &str) -> String {
        self.module.replace(
            TEMPLATE_ERROR_IMPORT,
            &Self::error_import(helpful_error_module),
        )
    }

    /// Its tests, for the module at `path`.
    pub fn tests_text(&self, path: &str, helpful_error_module: &str) -> String {
        self.tests
            .replace(self.template_path, path)
            .replace(&module_name(self.template_path), &module_name(path))
            .replace(
                TEMPLATE_ERROR_IMPORT,
                &Self::error_import(helpful_error_module),
            )
    }
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

impl Transform for Scaffold {
    fn name(&self) -> &'static str {
        self.name
    }

    fn summary(&self) -> &'static str {
        self.summary
    }

    fn options(&self) -> &'static [OptionSpec] {
        self.options
    }

    fn may_apply(&self, _text: &str) -> bool {
        true
    }

    /// [`Self::prepare`] does something only in the `HelpfulError` module.
    fn may_apply_to(&self, relative: &str, settings: &Settings) -> bool {
        module_name(relative) == settings.helpful_error_module
    }

    fn creates(&self, options: &Options) -> Vec<String> {
        let path = options
            .get("path")
            .map_or(self.template_path, String::as_str);
        vec![path.to_string(), tests_path(path)]
    }

    /// [`Self::prepare`]'s work asks only whether `tests` is a package.
    fn index_reads(&self, _options: &Options) -> Option<Vec<String>> {
        Some(vec![TESTS_PACKAGE.to_string()])
    }

    /// Runs once per project: on the module that defines `HelpfulError`
    /// (a TXO project has exactly one; the config proxy imports it).
    fn prepare(&self, file: &FileInput) -> Vec<Pending> {
        let error_module = file.settings.helpful_error_module.clone();
        if module_name(file.relative) != error_module {
            return Vec::new();
        }
        let path = file
            .options
            .get("path")
            .map_or(self.template_path, String::as_str)
            .to_string();
        let module = self.module_text(&error_module);
        let tests = self.tests_text(&path, &error_module);
        vec![Box::new(move |index: &ProjectIndex| {
            let mut new_files = vec![NewFile {
                path: path.clone(),
                text: module,
            }];
            if index.has_package(TESTS_PACKAGE) {
                new_files.push(NewFile {
                    path: tests_path(&path),
                    text: tests,
                });
            }
            vec![TransformOutput::Change(ChangeSet {
                message: format!("creates `{path}`"),
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
        let module = CONFIG_PROXY.module_text("app.errors");
        assert!(module.contains("from app.errors import HelpfulError\n"));
        assert!(!module.contains("utils.exceptions"));
        let tests = CONFIG_PROXY.tests_text("app/config_proxy.py", "app.errors");
        assert!(tests.contains("from app.config_proxy import ("));
        assert!(tests.contains("from app.errors import HelpfulError"));
        assert!(tests.contains("Tests of app/config_proxy.py"));
        assert_eq!(
            tests_path("app/config_proxy.py"),
            "tests/test_config_proxy.py"
        );
        let metrics = METHOD_METRICS.tests_text("app/metrics.py", "app.errors");
        assert!(metrics.contains("import app.metrics as method_metrics"));
        assert!(metrics.contains("from app.metrics import measure_complexity"));
        assert!(!metrics.contains("utils."));
    }

    #[test]
    fn templates_are_what_generation_expects() {
        assert_eq!(
            CONFIG_PROXY.module.matches(TEMPLATE_ERROR_IMPORT).count(),
            1
        );
        assert_eq!(CONFIG_PROXY.tests.matches(TEMPLATE_ERROR_IMPORT).count(), 1);
        for scaffold in [&CONFIG_PROXY, &METHOD_METRICS] {
            let own = module_name(scaffold.template_path);
            assert!(scaffold.tests.contains(&format!("from {own} import")));
        }
    }
}
