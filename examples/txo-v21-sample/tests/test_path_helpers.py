"""Directory layout helpers."""

import pytest

from conftest import check_stopped
from utils.exceptions import HelpfulError
from utils.path_helpers import check_layout, find_config_file, require_writable


def test_find_config_file(project):
    (project / "config" / "demo-test-config.json").write_text("{}", encoding="utf-8")

    assert find_config_file("demo", "test").as_posix() == "config/demo-test-config.json"
    with pytest.raises(HelpfulError, match="No config file for acme/prod"):
        find_config_file("acme", "prod")


def test_check_layout_lists_missing_directories(project):
    assert check_layout() == ["output", "logs"]


def test_require_writable_creates_the_directory(project):
    assert require_writable("output/run-1").is_dir()


def test_a_directory_that_cannot_be_created(project, library_error):
    (project / "blocker").write_text("a file, not a directory", encoding="utf-8")

    with library_error() as raised:
        require_writable("blocker/output")

    check_stopped(raised, "is not writable")
    if isinstance(raised.value, HelpfulError):
        assert isinstance(raised.value.__cause__, OSError)
