//! Every refusal says why (issue 19): `apply` used to exit 2 printing
//! nothing for a missing path or bad settings, which `diff` reports.

mod common;

use common::Project;

#[test]
fn apply_reports_what_diff_reports() {
    let project = Project::with_pyproject("[tool.txo-codemod]\nlibrary = 3\n");
    project.write("utils/a.py", "x = config.get(\"a\", 1)\n");
    for command in ["diff --phase 1 .", "apply --no-git --phase 1 ."] {
        let run = project.run(command).expect_code(2);
        assert!(
            run.stderr
                .contains("invalid txo-codemod settings in pyproject.toml"),
            "`{command}`: {}",
            run.stderr
        );
    }
    for command in ["diff --phase 1 nothere", "apply --no-git --phase 1 nothere"] {
        let run = project.run(command).expect_code(2);
        assert!(
            run.stderr.contains("path not found: nothere"),
            "`{command}`: {}",
            run.stderr
        );
    }
}
