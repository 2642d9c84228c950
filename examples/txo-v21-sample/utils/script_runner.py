"""
Script entry-point helpers.

Every TXO script starts with parse_args_and_load_config(): it parses the
standard ``org_id env_type`` arguments, loads and validates the config and
(optionally) acquires an OAuth token. This module is the process entry
point, so it is allowed to terminate the process.
"""

import argparse
import logging
import sys
import time
from typing import Any, Callable, Dict, Optional, Tuple

from utils.config_loader import ConfigLoader
from utils.exceptions import HelpfulError
from utils.logger import get_logger, setup_logger
from utils.oauth_helpers import OAuthClient

logger = get_logger(__name__)


def _build_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("org_id", help="Organisation ID (e.g. 'demo')")
    parser.add_argument("env_type", help="Environment type (e.g. 'test', 'prod')")
    parser.add_argument("--debug", action="store_true", help="Enable debug logging")
    parser.add_argument("--no-validation", action="store_true",
                        help="Skip config schema validation")
    return parser


def _acquire_token(credentials: Dict[str, str],
                   client: Optional[OAuthClient] = None) -> str:
    """Get a client-credentials token, retrying transient failures."""
    client = client or OAuthClient(tenant_id=credentials["tenant_id"])
    attempts = getattr(client, "retries", 3)

    for attempt in range(1, attempts + 1):
        try:
            return client.get_client_credentials_token(
                client_id=credentials["client_id"],
                client_secret=credentials["client_secret"],
                scope=credentials["scope"],
            )
        except HelpfulError:
            raise
        except Exception as e:  # network hiccups etc.
            if attempt == attempts:
                raise
            logger.warning(f"Token request failed ({e}), retry {attempt}/{attempts}")
            time.sleep(2 * attempt)
    raise RuntimeError("unreachable")


def _log_config_summary(config: Dict[str, Any]) -> None:
    """Log the non-secret top-level config sections."""
    for section, value in config.items():
        if section.startswith("_"):
            continue
        size = len(value) if isinstance(value, (dict, list)) else 1
        logger.debug(f"config[{section!r}]: {size} entries")


def parse_args_and_load_config(description: str, require_token: bool = True,
                               validate_config: bool = True
                               ) -> Tuple[argparse.Namespace, Dict[str, Any]]:
    """
    Parse standard arguments and load the org/env configuration.

    Args:
        description: Script description shown by --help
        require_token: Acquire an OAuth token and store it as config["_token"]
        validate_config: Validate the config against the JSON schema (False skips it)

    Returns:
        (args, config)
    """
    setup_logger()
    parser = _build_parser(description)
    args = parser.parse_args()

    if args.debug:
        logging.getLogger().setLevel(logging.DEBUG)
        logger.debug("Debug logging enabled")

    try:
        loader = ConfigLoader(args.org_id, args.env_type)
        config = loader.load_config()

        if validate_config and not getattr(args, "no_validation", False):
            loader.validate_schema(config)
        else:
            logger.warning("Skipping config schema validation")

        if getattr(args, "debug", False):
            _log_config_summary(config)

        if require_token:
            token = _acquire_token(loader.get_client_credentials())
            loader.inject_token(token)
    except HelpfulError as e:
        logger.error(str(e))
        sys.exit(1)
    except KeyboardInterrupt:
        logger.warning("Interrupted by user")
        sys.exit(130)
    except Exception as e:
        logger.exception(f"Unexpected error during startup: {e}")
        sys.exit(1)

    logger.info(f"Starting: {description} [{args.org_id}/{args.env_type}]")
    return args, config


def run_script(main_func: Callable[[], Optional[int]]) -> None:
    """Run a script's main function and turn the outcome into an exit code."""
    start = time.perf_counter()
    try:
        exit_code = main_func() or 0
    except KeyboardInterrupt:
        logger.warning("Interrupted by user")
        sys.exit(130)
    except HelpfulError as e:
        logger.error(str(e))
        sys.exit(1)

    logger.info(f"Finished in {time.perf_counter() - start:.1f}s (exit code {exit_code})")
    sys.exit(exit_code)
