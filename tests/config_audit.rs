//! `config-audit` on the bundled sample and on broken configuration files:
//! which keys phase 1 makes required, which files lack them, what the
//! schema says, and the diagnostics for files it cannot read.

mod common;

use common::Project;

const SECRET: &str = "not-a-real-secret-never-print-me";

#[test]
fn the_sample_audit_lists_required_keys_and_what_each_file_lacks() {
    let sample = Project::sample();
    let text = sample.run("config-audit .").expect_code(1);
    common::snapshot("config_audit_sample_text", &text.stdout);
    let markdown = sample
        .run("config-audit --format markdown .")
        .expect_code(1);
    common::snapshot("config_audit_sample_markdown", &markdown.stdout);
    let json = sample.run("config-audit --format json .").expect_code(1);
    for output in [&text.stdout, &markdown.stdout, &json.stdout, &text.stderr] {
        assert!(!output.contains(SECRET), "a secret value was printed");
    }
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let project = &json["projects"][0];
    let missing: Vec<(String, String)> = project["missing"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|file| {
            let name = file["file"].as_str().unwrap().to_string();
            file["missing"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |m| (name.clone(), m["key"].as_str().unwrap().to_string()))
        })
        .collect();
    let expected = [
        ("config/acme-prod-config.json", "rate-limiting"),
        ("config/acme-prod-config.json", "respect-retry-after"),
        ("config/org-env-config-template.json", "circuit-breaker"),
    ]
    .map(|(f, k)| (f.to_string(), k.to_string()));
    assert_eq!(missing, expected);
    let unresolved = project["unresolved"].as_array().unwrap();
    assert!(
        unresolved
            .iter()
            .all(|u| u["reason"].is_string() && u["line"].is_u64())
    );
    assert!(
        unresolved
            .iter()
            .any(|u| u["code"] == "self.timeouts.get(\"rest\", 60)")
    );
}

#[test]
fn complete_configurations_pass_and_templates_do_not_fail_the_audit() {
    let sample = Project::sample();
    std::fs::remove_file(sample.path("config/acme-prod-config.json")).unwrap();
    // The template still lacks `circuit-breaker`: reported, exit 0.
    let run = sample.run("config-audit .").expect_code(0);
    assert!(
        run.stdout
            .contains("Missing in config/org-env-config-template.json (template): 1")
    );
}

/// A project with one use of each kind and the given configuration file.
fn project_with_config(name: &str, contents: &str) -> Project {
    let project = Project::new();
    project.write(
        "utils/app.py",
        "def run(config):\n    sb = config.get('script-behavior', {})\n    return sb.get('jitter', 0.5), config['endpoints']['users']\n",
    );
    project.write(name, contents);
    project
}

#[test]
fn key_paths_through_variables_carry_the_old_default() {
    let project = project_with_config(
        "config/a-b-config.json",
        "{\"script-behavior\": {}, \"endpoints\": {\"users\": \"/u\"}}\n",
    );
    let run = project.run("config-audit --format json .").expect_code(1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let missing = &json["projects"][0]["missing"][0]["missing"][0];
    assert_eq!(missing["parent"], serde_json::json!(["script-behavior"]));
    assert_eq!(missing["key"], "jitter");
    assert_eq!(missing["value"], 0.5);
    let key = json["projects"][0]["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["path"] == serde_json::json!(["script-behavior", "jitter"]))
        .unwrap();
    assert_eq!(key["uses"][0]["file"], "utils/app.py");
    assert_eq!(key["uses"][0]["line"], 3);
    assert_eq!(key["uses"][0]["origin"], "phase1");
}

#[test]
fn unreadable_configuration_files_are_named_with_their_line() {
    let cases = [
        (
            "config/a-b-config.json",
            "{\n  // comment\n  \"a\": 1\n}\n",
            ":2:3: a comment: JSON has none (this is JSONC)",
        ),
        (
            "config/a-b-config.json",
            "{\n  \"a\": 1,\n}\n",
            ":3:1: not valid JSON",
        ),
        (
            "config/a-b-config.yaml",
            "a:\n  b: [1\n",
            ":3:1: not valid YAML",
        ),
        ("config/a-b-config.toml", "[a\n", ":1:3: not valid TOML"),
    ];
    for (name, contents, expected) in cases {
        let project = project_with_config(name, contents);
        let before = project.read(name);
        let run = project.run("config-audit .").expect_code(2);
        assert!(
            run.stderr.contains(&format!("error: {name}{expected}")),
            "{name}: {}",
            run.stderr
        );
        assert_eq!(project.read(name), before, "nothing is written");
    }
}

#[test]
fn a_key_path_through_a_list_is_reported_with_its_line() {
    let project = project_with_config(
        "config/a-b-config.json",
        "{\n  \"script-behavior\": {\"jitter\": 1},\n  \"endpoints\": [\n    {\"users\": \"/u\"}\n  ]\n}\n",
    );
    let run = project.run("config-audit .").expect_code(1);
    let row = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("endpoints.users"))
        .unwrap();
    assert!(row.contains("NOT AN OBJECT (line 3)"), "{row}");
}

#[test]
fn schema_refs_are_followed_locally_and_remote_ones_reported() {
    let project = project_with_config(
        "config/a-b-config.json",
        "{\"script-behavior\": {\"jitter\": 1}, \"endpoints\": {\"users\": \"/u\"}}\n",
    );
    project.write(
        "schemas/config-schema.json",
        r##"{
  "required": ["script-behavior"],
  "properties": {
    "script-behavior": {"$ref": "#/definitions/behavior"},
    "endpoints": {"$ref": "https://example.com/endpoints.json"}
  },
  "definitions": {
    "behavior": {"properties": {"jitter": {"type": "number", "default": 0.5}}}
  }
}
"##,
    );
    let run = project.run("config-audit .").expect_code(2);
    assert!(
        run.stderr
            .contains("schemas/config-schema.json:5: remote $ref `https://example.com/endpoints.json` is not followed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("add \"jitter\" to `required` at /definitions/behavior")
    );
    assert!(
        run.stdout
            .contains("the default 0.5 of script-behavior.jitter no longer applies")
    );
}
