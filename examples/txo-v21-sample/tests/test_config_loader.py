"""ConfigLoader: loading, secrets, schema validation and its errors."""

import copy

import pytest

from conftest import SAMPLE_CONFIG, check_stopped, write_json
from utils.config_loader import ConfigLoader
from utils.exceptions import HelpfulError


def make_loader(project, config=SAMPLE_CONFIG, secrets=None) -> ConfigLoader:
    write_json(project / "config" / "demo-test-config.json", config)
    if secrets is not None:
        write_json(project / "config" / "demo-test-config-secrets.json", secrets)
    return ConfigLoader("demo", "test")


def test_loads_the_org_env_file_and_merges_secrets_under_underscore_keys(project):
    loader = make_loader(project, secrets={"client-secret": "s3cret"})

    loaded = loader.load_config()

    assert loaded["global"]["client-id"] == SAMPLE_CONFIG["global"]["client-id"]
    assert loaded["_client_secret"] == "s3cret"
    assert loader.config is loaded


def test_a_missing_secrets_file_is_only_a_warning(project):
    loaded = make_loader(project).load_config()

    assert "_client_secret" not in loaded
    assert loaded["script-behavior"] == SAMPLE_CONFIG["script-behavior"]


def test_a_missing_config_file_is_a_helpful_error(project):
    with pytest.raises(HelpfulError) as raised:
        ConfigLoader("acme", "prod").load_config()

    assert "acme-prod-config.json" in raised.value.what_went_wrong
    assert "cp config/demo-test-config.json" in raised.value.example


def test_a_config_without_a_global_section(project, migrated):
    partial = {k: v for k, v in SAMPLE_CONFIG.items() if k != "global"}
    loader = make_loader(project, config=partial)

    if migrated(1):
        # Phase 1: a missing key fails loudly instead of defaulting to {}.
        with pytest.raises(KeyError, match="global"):
            loader.load_config()
    else:
        assert "global" not in loader.load_config()


def test_a_valid_config_passes_the_schema(project):
    loader = make_loader(project)
    loader.load_config()

    assert loader.validate_schema() is None


def test_runtime_keys_are_not_validated(project):
    loader = make_loader(project, secrets={"client-secret": "s3cret"})
    loader.load_config()
    loader.inject_token("token-123")

    loader.validate_schema()

    assert loader.config["_token"] == "token-123"


def test_a_config_that_breaks_the_schema_stops_the_script(project, library_error):
    broken = copy.deepcopy(SAMPLE_CONFIG)
    del broken["global"]["tenant-id"]
    loader = make_loader(project, config=broken)
    loader.load_config()

    with library_error() as raised:
        loader.validate_schema()

    check_stopped(raised, "does not match schema")


def test_a_missing_schema_file_stops_the_script(project, library_error):
    loader = make_loader(project)
    loader.load_config()
    (project / "schemas" / "org-env-config-schema.json").unlink()

    with library_error() as raised:
        loader.validate_schema()

    check_stopped(raised, "org-env-config-schema.json")
    if isinstance(raised.value, HelpfulError):
        assert isinstance(raised.value.__cause__, FileNotFoundError)


def test_a_schema_that_is_not_json_stops_the_script(project, library_error):
    loader = make_loader(project)
    loader.load_config()
    (project / "schemas" / "org-env-config-schema.json").write_text("{not json", encoding="utf-8")

    with library_error() as raised:
        loader.validate_schema()

    check_stopped(raised, "Invalid JSON in schema file")


def test_get_value_passes_the_callers_default_through(project):
    loader = make_loader(project)
    loader.load_config()

    assert loader.get_value("global")["tenant-id"] == SAMPLE_CONFIG["global"]["tenant-id"]
    assert loader.get_value("no-such-key", "fallback") == "fallback"
    assert loader.get_value("no-such-key") is None


def test_client_credentials_come_from_global_and_the_secrets(project):
    loader = make_loader(project, secrets={"client-secret": "s3cret"})
    loader.load_config()

    assert loader.get_client_credentials() == {
        "tenant_id": SAMPLE_CONFIG["global"]["tenant-id"],
        "client_id": SAMPLE_CONFIG["global"]["client-id"],
        "client_secret": "s3cret",
        "scope": SAMPLE_CONFIG["global"]["oauth-scope"],
    }
