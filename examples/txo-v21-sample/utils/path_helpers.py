"""
Directory layout helpers.

Can also be run directly to check a project's layout:

    python -m utils.path_helpers
"""

import sys
import tempfile
from pathlib import Path
from typing import List, Union

from utils.exceptions import HelpfulError as HE
from utils.logger import get_logger

logger = get_logger(__name__)

REQUIRED_DIRS = ("config", "schemas", "output", "logs")


def find_config_file(org_id: str, env_type: str,
                     config_dir: Union[str, Path] = "config") -> Path:
    """Return the path of the org/env config file."""
    path = Path(config_dir) / f"{org_id}-{env_type}-config.json"
    if not path.exists():
        raise HE(
            what_went_wrong=f"No config file for {org_id}/{env_type}",
            how_to_fix=f"Create {path.name} in {config_dir}/",
            example=f"cp config/demo-test-config.json {path}",
        )
    return path


def require_writable(directory: Union[str, Path]) -> Path:
    """Make sure ``directory`` exists and files can be written to it."""
    path = Path(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as e:
        logger.error(f"Directory '{path}' is not writable: {e}")
        sys.exit(1)
    return path


def check_layout(base: Union[str, Path] = ".") -> List[str]:
    """Return the required directories missing under ``base``."""
    base_path = Path(base)
    return [name for name in REQUIRED_DIRS if not (base_path / name).is_dir()]


def main() -> int:
    """Check the TXO directory layout of the current working directory."""
    missing = check_layout(Path.cwd())
    if missing:
        logger.error(f"Missing directories: {', '.join(missing)}")
        sys.exit(1)

    try:
        for name in ("output", "logs"):
            require_writable(name)
    except HE as e:
        logger.error(str(e))
        sys.exit(2)

    logger.info("Directory layout OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
