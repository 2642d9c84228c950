"""
Small validation and interaction helpers shared by TXO scripts.
"""

import re
import sys
from typing import Any, Callable, Dict, Iterable, TypeVar

from utils.exceptions import HelpfulError
from utils.logger import get_logger

logger = get_logger(__name__)

T = TypeVar("T")

GUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


def _fail(message: str) -> None:
    """
    Log an error and stop the script.

    Raises:
        SystemExit: always, with exit code 1
    """
    logger.error(message)
    sys.exit(1)


def require_keys(data: Dict[str, Any], keys: Iterable[str], context: str) -> None:
    """Stop if any of ``keys`` is missing from ``data``."""
    missing = [key for key in keys if key not in data]
    if missing:
        _fail(f"{context}: missing required keys {missing}")


def parse_guid(value: str, field_name: str) -> str:
    """Validate and normalise a GUID."""
    if not GUID_RE.match(value or ""):
        _fail(f"{field_name} is not a valid GUID: {value!r}")
    return value.lower()


def validate_batch_size(size: int, maximum: int = 1000) -> int:
    """Check a batch size against the API's limits."""
    if size < 1 or size > maximum:
        _fail(f"Batch size must be between 1 and {maximum}, got {size}")
    return size


def call_or_exit(func: Callable[..., T], *args, **kwargs) -> T:
    """Call ``func``; a HelpfulError is logged and ends the script."""
    try:
        return func(*args, **kwargs)
    except HelpfulError as e:
        logger.error(str(e))
        sys.exit(1)


def load_mapping_file(path: str) -> Dict[str, str]:
    """
    Load a ``key = value`` mapping file used to translate IDs between systems.

    A malformed line stops the script (exit code 2); an unreadable file is
    logged and treated as an empty mapping.
    """
    mapping: Dict[str, str] = {}
    try:
        with open(path, "r", encoding="utf-8") as f:
            for line_no, line in enumerate(f, start=1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                if "=" not in line:
                    logger.error(f"{path}:{line_no}: expected 'key = value', got {line!r}")
                    sys.exit(2)
                key, value = line.split("=", 1)
                mapping[key.strip()] = value.strip()
    except Exception:
        logger.exception(f"Could not read mapping file {path}, using empty mapping")
        return {}
    logger.debug(f"Loaded {len(mapping)} mappings from {path}")
    return mapping


def confirm_or_abort(prompt: str, assume_yes: bool = False) -> None:
    """
    Ask the user to confirm a destructive operation.

    Raises:
        SystemExit: if the user does not answer "y" (exit code 0)
    """
    if assume_yes:
        return
    answer = input(f"{prompt} [y/N]: ").strip().lower()
    if answer not in ("y", "yes"):
        print("Aborted by user - nothing was changed.", file=sys.stderr)
        sys.exit(0)
