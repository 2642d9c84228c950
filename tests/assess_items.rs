//! `assess` names what is behind each count: functions with their lengths,
//! global state with its kind, exits and whether they are allowed.

mod common;

use common::{Project, run_tool, tool_available};
use serde_json::Value;

fn assessment(project: &Project) -> Value {
    let run = project.run("assess --format json .").expect_code(0);
    serde_json::from_str(&run.stdout).expect("assess --format json prints JSON")
}

fn items<'a>(json: &'a Value, phase: usize, fact: &str) -> Vec<&'a Value> {
    json["phases"][phase - 1]["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["fact"] == fact)
        .collect()
}

fn described(items: &[&Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| {
            format!(
                "{}:{} {} ({})",
                i["file"].as_str().unwrap(),
                i["line"],
                i["name"].as_str().unwrap(),
                i["detail"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn methods_over_100_lines_are_named_with_both_lengths() {
    let json = assessment(&Project::sample());
    let over_100 = items(&json, 4, "long-method-100");
    assert_eq!(
        described(&over_100),
        [
            "utils/load_n_save.py:80 TxoDataHandler.save (115 lines (end_lineno - lineno), 96 code lines)"
        ]
    );
    assert_eq!(over_100[0]["lines"], 115);
    assert_eq!(over_100[0]["code_lines"], 96);
    let over_50: Vec<&str> = items(&json, 4, "method-length")
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        over_50,
        [
            "TxoDataHandler.save",
            "OAuthClient.get_client_credentials_token",
            "TxoRestAPI._execute_request"
        ]
    );
}

#[test]
fn global_state_thread_locals_dataclasses_and_exits_are_named() {
    let json = assessment(&Project::sample());
    let globals = described(&items(&json, 3, "no-global-state"));
    assert!(
        globals.contains(
            &"utils/oauth_helpers.py:126 _token_cache (an instance (TokenCache))".to_string()
        ) && globals.contains(
            &"utils/load_n_save.py:203 _data_handler (rebound with `global` in a function)"
                .to_string()
        ),
        "{globals:#?}"
    );
    assert_eq!(
        described(&items(&json, 5, "thread-local")),
        [
            "utils/client_pool.py:33 threading.local() (in ClientPool.__init__)",
            "utils/rest_api_helpers.py:38 threading.local() (in SessionManager.__init__)"
        ]
    );
    assert_eq!(
        described(&items(&json, 5, "dataclass-slots")),
        [
            "utils/batch_models.py:11 BatchStats (a @dataclass with field defaults)",
            "utils/batch_models.py:24 RetryPolicy (a @dataclass with field defaults)",
            "utils/batch_models.py:31 PageCursor (a @dataclass with field defaults)",
            "utils/batch_models.py:40 DownloadState (a @dataclass with field defaults)",
            "utils/load_n_save.py:34 ProcessingResult (a @dataclass with field defaults)"
        ]
    );
    let exits = items(&json, 2, "no-sys-exit");
    assert!(exits.iter().all(|e| e.get("allowed").is_none()));
    assert!(
        described(&exits)
            .contains(&"utils/helpers.py:78 sys.exit(2) (in load_mapping_file)".to_string())
    );
    let allowed: Vec<(&str, &str)> = items(&json, 2, "allowed-exit")
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["allowed"].as_str().unwrap()))
        .collect();
    assert!(
        allowed.contains(&("sys.exit(main())", "__main__ block")),
        "{allowed:?}"
    );
    assert!(
        allowed.contains(&("sys.exit(130)", "entry point")),
        "{allowed:?}"
    );
    // Every count is backed by as many items.
    for phase in json["phases"].as_array().unwrap() {
        for (fact, count) in phase["facts"].as_object().unwrap() {
            let listed = phase["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| i["fact"] == fact.as_str())
                .count();
            assert_eq!(count.as_u64().unwrap() as usize, listed, "{fact}");
        }
    }
}

/// The plan's measure, computed by Python's own `ast`, names the same
/// functions with the same lengths and lines.
#[test]
fn long_functions_agree_with_python_ast() {
    if !tool_available("python3", &["--version"]) {
        eprintln!("note: python3 not found; skipped");
        return;
    }
    let project = Project::sample();
    let script = r#"
import ast, pathlib
def visit(node, prefix, path):
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = prefix + child.name
            length = child.end_lineno - child.lineno
            if not isinstance(child, ast.ClassDef) and length > 50:
                print(f"{path}:{child.lineno} {name} {length}")
            visit(child, name + ".", path)
        else:
            visit(child, prefix, path)
for path in sorted(pathlib.Path("utils").rglob("*.py")):
    visit(ast.parse(path.read_text(encoding="utf-8")), "", path.as_posix())
"#;
    let (ok, output) = run_tool(project.root(), "python3", &["-c", script]);
    assert!(ok, "{output}");
    let json = assessment(&project);
    let mut ours: Vec<String> = items(&json, 4, "method-length")
        .iter()
        .map(|i| {
            format!(
                "{}:{} {} {}",
                i["file"].as_str().unwrap(),
                i["line"],
                i["name"].as_str().unwrap(),
                i["lines"]
            )
        })
        .collect();
    ours.sort();
    let mut python: Vec<String> = output.lines().map(String::from).collect();
    python.sort();
    assert_eq!(ours, python);
}

#[test]
fn text_and_markdown_list_the_items_under_their_counts() {
    let sample = Project::sample();
    let text = sample.run("assess .").expect_code(0).stdout;
    assert!(
        text.contains("    functions over 100 lines                 1\n        utils/load_n_save.py:80  TxoDataHandler.save: 115 lines (end_lineno - lineno), 96 code lines\n"),
        "{text}"
    );
    let markdown = sample
        .run("assess --format markdown .")
        .expect_code(0)
        .stdout;
    assert!(
        markdown.contains("| functions over 100 lines | `utils/load_n_save.py:80` | `TxoDataHandler.save` | 115 lines (end_lineno - lineno), 96 code lines |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| allowed exits (entry points, main) | `utils/path_helpers.py:73` | `sys.exit(main())` | at module level (allowed: __main__ block) |"),
        "{markdown}"
    );
}
