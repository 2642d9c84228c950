//! `completions` and `man`: generated from the parser's own definitions.

mod common;

use common::{Project, require_tool, run_tool};

const SUBCOMMANDS: [&str; 10] = [
    "diff",
    "apply",
    "status",
    "rollback",
    "assess",
    "report",
    "check",
    "rules",
    "completions",
    "man",
];

#[test]
fn bash_completion_is_valid_bash_and_knows_every_subcommand() {
    let project = Project::new();
    let script = project.run("completions bash").expect_code(0).stdout;
    for name in SUBCOMMANDS {
        assert!(script.contains(name), "{name} missing from:\n{script}");
    }
    assert!(
        script.contains("--allow-empty"),
        "check's flags are completed"
    );
    assert!(script.contains("complete -F _txo__codemod"), "{script}");
    if require_tool("bash", &["--version"], "the bash syntax check") {
        project.write("txo-codemod.bash", &script);
        let (ok, output) = run_tool(project.root(), "bash", &["-n", "txo-codemod.bash"]);
        assert!(ok, "bash -n: {output}");
    }
}

#[test]
fn every_shell_gets_a_script() {
    let project = Project::new();
    for (shell, marker) in [
        ("zsh", "#compdef txo-codemod"),
        ("fish", "complete -c txo-codemod"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = project
            .run(&format!("completions {shell}"))
            .expect_code(0)
            .stdout;
        assert!(script.contains(marker), "{shell}:\n{script}");
    }
    project.run("completions tcsh").expect_code(2);
}

#[test]
fn man_prints_the_page_or_writes_one_per_subcommand() {
    let project = Project::new();
    let page = project.run("man").expect_code(0).stdout;
    assert!(page.contains(".TH txo-codemod 1"), "{page}");
    for name in SUBCOMMANDS {
        let entry = format!("txo\\-codemod\\-{name}(1)");
        assert!(page.contains(&entry), "{entry} missing from:\n{page}");
    }
    project.run("man --dir man").expect_code(0);
    let check = project.read_text("man/txo-codemod-check.1");
    assert!(check.contains(".TH txo-codemod-check 1"), "{check}");
    assert!(check.contains("allow\\-empty"), "{check}");
    assert!(project.path("man/txo-codemod-rules-test.1").is_file());
}
