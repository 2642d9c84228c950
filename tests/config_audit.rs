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
    "behavior": {"properties": {"jitter": {"type": "number"}, "timeout": {"type": "number", "default": 30}}}
  }
}
"##,
    );
    // Already a subscript: the schema's default for it never applied.
    project.write(
        "utils/other.py",
        "def f(config):\n    return config['script-behavior']['timeout']\n",
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
            .contains("the default 30 of script-behavior.timeout no longer applies")
    );
}

/// Runs the sample's own rate limiter and circuit breaker factories on a
/// configuration file and prints what they build (`requests` is stubbed
/// when it is not installed: only the factories run).
const PROBE: &str = r#"
import json, sys, types
try:
    import requests  # noqa: F401
except ImportError:
    class Stub(types.ModuleType):
        def __getattr__(self, name):
            return object
    sys.modules["requests"] = Stub("requests")
    sys.modules["requests.adapters"] = Stub("requests.adapters")
sys.path.insert(0, ".")
from utils import api_factory
config = json.load(open(sys.argv[1]))
limiter = api_factory._create_rate_limiter(config)
breaker = api_factory._create_circuit_breaker(config)
print(limiter and (limiter.rate, limiter.capacity), breaker and vars(breaker))
"#;

const PROD: &str = "config/acme-prod-config.json";

fn probe(project: &Project) -> (bool, String) {
    common::run_tool(project.root(), "python3", &["-c", PROBE, PROD])
}

fn git_sample() -> Project {
    let sample = Project::sample();
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.email=t@t",
            "-c",
            "user.name=t",
            "commit",
            "-qm",
            "sample",
        ],
    ] {
        let (ok, output) = common::run_tool(sample.root(), "git", args);
        assert!(ok, "git {args:?}: {output}");
    }
    sample
}

#[test]
fn fixed_configs_keep_the_behaviour_phase_1_would_otherwise_break() {
    let sample = git_sample();
    let original = sample.read_text(PROD);
    let (ok, before) = probe(&sample);
    assert!(ok, "{before}");
    // What the audit warns about: after phase 1 the incomplete file fails.
    sample.run("apply --phase 1 .").expect_code(0);
    let (ok, broken) = probe(&sample);
    assert!(
        !ok && broken.contains("KeyError: 'rate-limiting'"),
        "{broken}"
    );
    // After the phase the code has subscripts; the old defaults come from
    // the ledger's pre-phase copies.
    let applied = sample.run("config-audit --format json .").expect_code(1);
    let json: serde_json::Value = serde_json::from_str(&applied.stdout).unwrap();
    let missing = &json["projects"][0]["missing"][0]["missing"][0];
    assert_eq!(missing["key"], "rate-limiting");
    assert_eq!(
        missing["value"],
        serde_json::json!({"burst-size": 1, "calls-per-second": 10, "enabled": false})
    );
    sample.run("rollback --phase 1 .").expect_code(0);

    let fix = sample.run("config-audit --fix-configs .").expect_code(0);
    assert!(
        fix.stderr.contains("wrote 3 keys into 2 files"),
        "{}",
        fix.stderr
    );
    let fixed = sample.read_text(PROD);
    serde_json::from_str::<serde_json::Value>(&fixed).expect("valid JSON after the fix");
    let diff = similar::TextDiff::from_chars(&original, &fixed);
    assert!(
        diff.ops().iter().all(|op| op.tag() != similar::DiffTag::Delete && op.tag() != similar::DiffTag::Replace),
        "only insertions"
    );
    common::snapshot("config_audit_fixed_prod_config", &fixed);
    sample.run("config-audit .").expect_code(0);

    // Phase 1 on the completed file behaves as v2.1 did on the incomplete one.
    sample.run("apply --phase 1 .").expect_code(0);
    assert_eq!(probe(&sample), (true, before));

    sample.run("rollback --phase 0 .").expect_code(2);
    sample.run("rollback --phase 1 .").expect_code(0);
    sample.run("rollback --phase 0 .").expect_code(0);
    assert_eq!(sample.read_text(PROD), original);
}

#[test]
fn fix_configs_writes_nothing_when_a_file_cannot_be_read() {
    let sample = git_sample();
    sample.write("config/broken-config.json", "{\n  // JSONC\n}\n");
    let template = sample.read("config/org-env-config-template.json");
    let run = sample.run("config-audit --fix-configs .").expect_code(2);
    assert!(run.stderr.contains("nothing written"), "{}", run.stderr);
    assert_eq!(sample.read("config/org-env-config-template.json"), template);
    assert!(!sample.path(".txo-codemod/ledger.json").exists());
}

#[test]
fn phase_1_reports_lookups_the_schema_declares_optional_instead_of_rewriting_them() {
    let project = Project::new();
    project.write(
        "utils/app.py",
        "import json\n\n\ndef settings(config):\n    sb = config.get('script-behavior', {})\n    return sb.get('retries', 3), sb.get('jitter', 0.5)\n\n\nprint(settings(json.load(open('config/a-b-config.json'))))\n",
    );
    project.write(
        "config/a-b-config.json",
        "{\"script-behavior\": {\"retries\": 5}}\n",
    );
    project.write(
        "schemas/config-schema.json",
        r#"{"required": ["script-behavior"], "properties": {"script-behavior": {
  "required": ["retries"],
  "properties": {"retries": {"type": "integer"}, "jitter": {"type": "number", "default": 0.5}}}}}
"#,
    );
    let (ok, before) = common::run_tool(project.root(), "python3", &["utils/app.py"]);
    assert!(ok, "{before}");
    let diff = project.run("diff --phase 1 .").expect_code(1);
    assert!(diff.stdout.contains("+    sb = config['script-behavior']"));
    assert!(
        diff.stdout
            .contains("+    return sb['retries'], sb.get('jitter', 0.5)"),
        "{}",
        diff.stdout
    );
    assert!(
        diff.stderr.contains("utils/app.py:6:34: warning[config-get-schema-default] the schema says `'jitter'` is optional"),
        "{}",
        diff.stderr
    );
    // The rewritten program still runs on the file that leaves `jitter` out.
    project.run("apply --phase 1 --no-git .").expect_code(0);
    assert!(project.read_text("utils/app.py").contains("sb['retries']"));
    let (ok, after) = common::run_tool(project.root(), "python3", &["utils/app.py"]);
    assert!(ok, "{after}");
    assert_eq!(after, before);
    // The audit agrees: `jitter` is not made required, so the file is complete.
    project.run("rollback --phase 1 --no-git .").expect_code(0);
    let audit = project.run("config-audit .").expect_code(0);
    assert!(
        audit.stdout.contains("so phase 1 reports these instead of rewriting them\n  script-behavior.jitter  utils/app.py:6\n"),
        "{}",
        audit.stdout
    );
    assert!(!audit.stdout.contains("MISSING"), "{}", audit.stdout);
}

const VALIDATE: &str = r#"
import glob, json, jsonschema
schema = json.load(open("schemas/org-env-config-schema.json"))
for path in sorted(glob.glob("config/*.json")):
    if "secrets" not in path:
        jsonschema.validate(json.load(open(path)), schema)
        print("valid", path)
"#;

#[test]
fn fix_schema_requires_what_phase_1_requires_and_fixed_configs_still_validate() {
    if !common::tool_available("python3", &["-c", "import jsonschema"]) {
        eprintln!("note: jsonschema is not installed; schema validation skipped");
        return;
    }
    let sample = git_sample();
    let schema = sample.read_text("schemas/org-env-config-schema.json");
    let run = sample
        .run("config-audit --fix-configs --fix-schema .")
        .expect_code(0);
    assert!(
        run.stderr.contains("wrote 9 keys into 3 files"),
        "{}",
        run.stderr
    );
    let fixed = sample.read_text("schemas/org-env-config-schema.json");
    assert!(fixed.contains(r#""required": ["enabled", "burst-size", "calls-per-second"]"#));
    let after = sample.run("config-audit .").expect_code(0);
    assert!(!after.stdout.contains("Schema changes"), "{}", after.stdout);
    let (ok, output) = common::run_tool(sample.root(), "python3", &["-c", VALIDATE]);
    assert!(ok, "{output}");
    assert_eq!(output.lines().count(), 3, "{output}");
    // The original prod config breaks the new schema: the loader would say so.
    sample.run("rollback --phase 0 .").expect_code(0);
    assert_eq!(
        sample.read_text("schemas/org-env-config-schema.json"),
        schema
    );
}

#[test]
fn lookups_the_opt_in_try_except_style_guards_are_not_required() {
    let project =
        Project::with_pyproject("[tool.txo-codemod]\nenable-rules = [\"config-get-try-except\"]\n");
    project.write(
        "utils/m.py",
        "def f(config):\n    x = config.get('a', {}).get('b', 1)\n    y = config.get('c', {}).get('d', 2) + 1\n    return x, y\n",
    );
    project.write("config/a-b-config.json", "{}\n");
    let diff = project.run("diff --phase 1 .").expect_code(1);
    assert!(
        diff.stdout.contains("+    except KeyError:"),
        "{}",
        diff.stdout
    );
    // `x` keeps its default in `except KeyError`; `y`'s lookups become subscripts.
    let audit = project.run("config-audit .").expect_code(1);
    assert!(
        audit
            .stdout
            .contains("Required key paths: 2 (2 made required by phase 1)"),
        "{}",
        audit.stdout
    );
    assert!(
        audit
            .stdout
            .contains("  c  add to the top-level object: \"c\": {\"d\": 2}"),
        "{}",
        audit.stdout
    );
}
