//! `report`'s migration guide for phase 3: the rule's before/after from its
//! own tests, and each manager class the project gets, with its shared
//! instance and what to call instead of each deprecated function; the same
//! before `apply` (from the dry run) and after it (from the changed files).

mod common;

use common::Project;

const EXPECTED: &[&str] = &[
    "### Module state becomes a manager class with backward-compatible functions (phase 3",
    "Before:\n\n```python\nimport threading\n\n_tokens = {}\n",
    "+class TokenStoreManager:",
    "In this project:\n\n",
    "- `utils/oauth_helpers.py`: class `OAuthManager`; `default_oauth_manager()` is the shared instance the module functions use, `set_default_oauth_manager(manager)` replaces it (tests).\n",
    "  - `get_client_credentials_token()` is deprecated (it warns at the caller's line): call `default_oauth_manager().get_client_credentials_token()` with the same arguments, or `get_client_credentials_token()` on your own `OAuthManager()` instance, passed along.\n",
    "  - `clear_token_cache()` is deprecated",
    "- `utils/api_factory.py`: class `ApiFactory`;",
    "  - `create_rest_api()` stays a plain function, forwarding to `default_api_factory().create_rest_api()`.\n",
    "- `utils/load_n_save.py`: class `LoadNSaveManager`;",
];

fn assert_guide(markdown: &str) {
    for expected in EXPECTED {
        let expected = expected.replace("+class", "class");
        assert!(
            markdown.contains(&expected),
            "missing `{expected}`:\n{markdown}"
        );
    }
}

#[test]
fn the_guide_names_each_manager_and_how_to_move_off_its_functions() {
    let project = Project::sample();
    let pending = project.run("report --phase 3 .").expect_code(0);
    assert_guide(&pending.stdout);
    project.run("apply --no-git --phase 3 .").expect_code(0);
    let applied = project.run("report --phase 3 .").expect_code(0);
    assert_guide(&applied.stdout);
    let json = project
        .run("report --phase 3 --format json .")
        .expect_code(0);
    assert!(
        json.stdout.contains("\"class\": \"OAuthManager\""),
        "{}",
        json.stdout
    );
}
