//! The command line as a new user meets it: exit codes of a misconfigured
//! gate, settings discovery, messages without Rust internals, help texts.

mod common;

use common::Project;

#[test]
fn check_with_no_library_files_is_a_usage_error() {
    let project = Project::new();
    project.write(
        "src/app.py",
        "def f(config):\n    return config.get(\"a\", 1)\n",
    );
    let run = project.run("check .").expect_code(2);
    assert!(
        run.stderr
            .starts_with("error: no library files under .; nothing was checked"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
    // A hook that passes only the changed files may pass none from the library.
    project.run("check --allow-empty src/app.py").expect_code(0);
    project.write("utils/a.py", "x = 1\n");
    project.run("check .").expect_code(0);
}

#[test]
fn a_phase_out_of_range_is_explained_in_words() {
    let run = Project::new().run("diff --phase 7 .").expect_code(2);
    assert!(
        run.stderr
            .contains("invalid value '7' for '--phase <PHASE>': the plan has phases 1 to 6"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("..="), "{}", run.stderr);
}

/// A file phase 1 and then phase 2 rewrote is not "changed since phase 1";
/// a hand edit after phase 2 is reported against phase 2 only.
#[test]
fn status_does_not_blame_a_later_phase_on_an_earlier_one() {
    let project = Project::new();
    // Phase 2 imports HelpfulError from here; the gate checks it imports.
    project.write(
        "utils/exceptions.py",
        "class HelpfulError(Exception):\n    def __init__(self, what_went_wrong, how_to_fix=None, example=None):\n        super().__init__(what_went_wrong)\n",
    );
    project.write(
        "utils/a.py",
        "import sys\n\n\ndef f(config, logger):\n    x = config.get(\"a\", 1)\n    logger.error(\"bad\")\n    sys.exit(1)\n",
    );
    project.run("apply --no-git --phase 1 .").expect_code(0);
    project.run("apply --no-git --phase 2 .").expect_code(0);
    let status = project.run("status --no-git .").expect_code(0);
    assert!(
        !status.stdout.contains("changed since"),
        "{}",
        status.stdout
    );
    project.write("utils/a.py", "# by hand\n");
    let status = project.run("status --no-git --json .").expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let edited = |phase: usize| json[0]["phases"][phase - 1]["edited"].clone();
    assert_eq!(edited(1), serde_json::json!([]), "{}", status.stdout);
    assert_eq!(
        edited(2),
        serde_json::json!(["utils/a.py"]),
        "{}",
        status.stdout
    );
}

#[test]
fn sarif_uris_are_percent_encoded_and_rules_carry_help_as_text_and_markdown() {
    let project = Project::new();
    project.write(
        "utils/my helpers.py",
        "def f(config):\n    return config.get(\"a\", 1)\n",
    );
    let run = project.run("check --format sarif .").expect_code(1);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "utils/my%20helpers.py");
    for rule in sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
    {
        assert!(
            rule["help"]["text"].as_str().is_some_and(|t| t.len() > 20),
            "{rule}"
        );
        let markdown = rule["help"]["markdown"].as_str().unwrap_or_default();
        let description = rule["shortDescription"]["text"].as_str().unwrap();
        assert!(
            markdown.starts_with(&format!("**{description}**")),
            "{rule}"
        );
        // A link only to the repository the manifest names; none until then.
        match env!("CARGO_PKG_REPOSITORY") {
            "" => assert!(rule.get("helpUri").is_none(), "{rule}"),
            repository => assert!(
                rule["helpUri"]
                    .as_str()
                    .is_some_and(|uri| uri.starts_with(repository)),
                "{rule}"
            ),
        }
    }
}

#[test]
fn check_colors_like_diff() {
    let project = Project::new();
    project.write(
        "utils/a.py",
        "def f(config):\n    return config.get(\"a\", 1)\n",
    );
    let plain = project.run("check --color never .").expect_code(1).stdout;
    assert!(!plain.contains('\x1b'), "{plain}");
    let colored = project.run("check --color always .").expect_code(1).stdout;
    assert!(
        colored.contains("\x1b[1m\x1b[31merror[no-soft-fail]\x1b[0m"),
        "{colored:?}"
    );
    // Without the escapes it is the plain text.
    let stripped = regex::Regex::new("\x1b\\[[0-9;]*m")
        .unwrap()
        .replace_all(&colored, "");
    assert_eq!(stripped, plain);
    // auto: not a terminal here, so plain.
    assert_eq!(project.run("check .").expect_code(1).stdout, plain);
}

/// Every JSON output says which version of its format it is.
#[test]
fn every_json_output_has_a_version() {
    let project = Project::new();
    project.write(
        "utils/a.py",
        "def f(config):\n    return config.get(\"a\", 1)\n",
    );
    let version = |args: &str, code: i32| {
        let run = project.run(args).expect_code(code);
        let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let object = if json.is_array() { &json[0] } else { &json };
        assert_eq!(object["version"], 1, "{args}: {}", run.stdout);
    };
    version("diff --phase 1 --json .", 1);
    version("check --format json .", 1);
    version("assess --format json .", 0);
    version("report --format json .", 0);
    version("apply --no-git --phase 1 --json .", 0);
    version("status --no-git --json .", 0);
}

/// After phase 1, `check --phase 1` passes when what is left is what phase 1
/// leaves on purpose: a public method passing its caller's default through.
#[test]
fn check_agrees_with_phase_1_on_pass_through_defaults() {
    let project = Project::new();
    // `config: dict`: the class defines its own `get`, so an untyped
    // receiver would be reported rather than rewritten (issue 17).
    project.write(
        "utils/settings.py",
        "class Settings:\n    def __init__(self, config: dict):\n        self._config = config\n\n    def get(self, key, default=None):\n        return self._config.get(key, default)\n\n    def timeout(self):\n        return self._config.get(\"timeout\", 30)\n",
    );
    project.run("check --phase 1 .").expect_code(1);
    project.run("apply --no-git --phase 1 .").expect_code(0);
    assert!(
        project
            .read_text("utils/settings.py")
            .contains("return self._config.get(key, default)")
    );
    let check = project.run("check --phase 1 .").expect_code(0);
    assert!(
        check.stdout.contains(
            "Allowed lookups (phase 1 leaves a default the caller passes in):\n  utils/settings.py:6:16: `default` is a parameter of `get`"
        ),
        "{}",
        check.stdout
    );
    assert!(
        check.stdout.ends_with(
            "0 errors, 0 warnings in 1 library files; 0 allowed exits, 1 allowed lookup\n"
        ),
        "{}",
        check.stdout
    );
    let json = project.run("check --format json .").expect_code(0).stdout;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["findings"], serde_json::json!([]));
    assert_eq!(json["allowed"][0]["rule"], "no-soft-fail");
}
