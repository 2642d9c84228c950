"""The shared TXO logger: one setup, named children, token redaction."""

import logging

from utils.logger import get_logger, setup_logger


def test_setup_is_done_once_and_shared():
    first = setup_logger()

    assert setup_logger(name="other") is first
    assert get_logger() is first
    assert first.propagate is False


def test_module_loggers_are_children_of_the_txo_logger():
    base = get_logger()

    child = get_logger("utils.rest_api_helpers")

    assert child.name == f"{base.name}.rest_api_helpers"
    assert child.parent is base


def test_bearer_tokens_never_reach_the_log_file():
    base = get_logger()
    log_files = [h for h in base.handlers
                 if isinstance(h, logging.FileHandler) and h.baseFilename.endswith("txo.log")]
    assert log_files, "setup_logger() adds a file handler"

    get_logger("utils.test").info("sent Authorization: Bearer abcdefgh12345678")
    get_logger("utils.test").info("plain message")

    for handler in log_files:
        handler.flush()
        with open(handler.baseFilename, encoding="utf-8") as f:
            written = f.read()
        assert "Authorization: Bearer ***5678" in written
        assert "abcdefgh" not in written
        assert "plain message" in written
