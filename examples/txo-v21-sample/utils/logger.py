"""
TXO logger setup.

A single process-wide logger is configured once and handed out by
get_logger(). Logging is inherently global, so the module-level state
below is intentional.
"""

import logging
import os
import sys
import threading
from pathlib import Path
from typing import Optional

_logger: Optional[logging.Logger] = None
_lock = threading.Lock()

LOG_FORMAT = "%(asctime)s - %(levelname)s - %(name)s - %(message)s"
DEFAULT_LOG_DIR = "logs"


class _TokenRedactingFilter(logging.Filter):
    """Mask bearer tokens that end up in log messages by accident."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if "Bearer " in message:
            head, _, tail = message.partition("Bearer ")
            record.msg = f"{head}Bearer ***{tail[-4:] if len(tail) > 4 else ''}"
        return True


def setup_logger(name: str = "txo", log_dir: str = DEFAULT_LOG_DIR,
                 level: int = logging.INFO) -> logging.Logger:
    """
    Configure the TXO logger (console + file). Safe to call repeatedly.

    Args:
        name: Logger name
        log_dir: Directory for the log file
        level: Console log level

    Returns:
        The configured logger
    """
    global _logger
    with _lock:
        if _logger is not None:
            return _logger

        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False

        console = logging.StreamHandler(sys.stdout)
        console.setLevel(level)
        console.setFormatter(logging.Formatter(LOG_FORMAT))
        console.addFilter(_TokenRedactingFilter())
        logger.addHandler(console)

        try:
            Path(log_dir).mkdir(parents=True, exist_ok=True)
            file_handler = logging.FileHandler(
                os.path.join(log_dir, f"{name}.log"), encoding="utf-8")
            file_handler.setLevel(logging.DEBUG)
            file_handler.setFormatter(logging.Formatter(LOG_FORMAT))
            file_handler.addFilter(_TokenRedactingFilter())
            logger.addHandler(file_handler)
        except OSError as e:
            logger.warning(f"File logging disabled: {e}")

        _logger = logger
        return _logger


def get_logger(name: Optional[str] = None) -> logging.Logger:
    """Return the shared TXO logger, or a child of it when name is given."""
    base = _logger or setup_logger()
    if name:
        return base.getChild(name.split(".")[-1])
    return base
