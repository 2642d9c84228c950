"""
Configuration loading for TXO scripts.

Loads ``config/{org_id}-{env}-config.json`` plus the optional
``config/{org_id}-{env}-config-secrets.json`` and validates the result
against ``schemas/org-env-config-schema.json``.
"""

import json
import sys
from pathlib import Path
from typing import Any, Dict, Optional

import jsonschema

from utils.exceptions import HelpfulError
from utils.logger import get_logger

logger = get_logger(__name__)

CONFIG_DIR = Path("config")
SCHEMA_DIR = Path("schemas")


class ConfigLoader:
    """Load, merge and validate the org/env configuration."""

    def __init__(self, org_id: str, env_type: str,
                 config_dir: Path = CONFIG_DIR, schema_dir: Path = SCHEMA_DIR):
        self.org_id = org_id
        self.env_type = env_type
        self.config_dir = Path(config_dir)
        self.schema_dir = Path(schema_dir)
        self._config: Dict[str, Any] = {}

    @property
    def config(self) -> Dict[str, Any]:
        """The loaded configuration (empty until load_config() is called)."""
        return self._config

    @property
    def config_filename(self) -> str:
        return f"{self.org_id}-{self.env_type}-config.json"

    @property
    def secrets_filename(self) -> str:
        return f"{self.org_id}-{self.env_type}-config-secrets.json"

    def load_config(self) -> Dict[str, Any]:
        """
        Load the main config file and merge secrets into it.

        Secrets are stored under keys prefixed with an underscore
        (e.g. ``_client_secret``) so they never collide with real config.
        """
        config_path = self.config_dir / self.config_filename
        if not config_path.exists():
            raise HelpfulError(
                what_went_wrong=f"Config file '{config_path}' not found",
                how_to_fix=f"Create {self.config_filename} in the config/ directory",
                example=f"cp config/demo-test-config.json {config_path}",
            )

        with open(config_path, "r", encoding="utf-8") as f:
            self._config = json.load(f)
        logger.debug(f"Loaded {config_path}")

        secrets = self._load_secrets()
        for key, value in secrets.items():
            # Convert "client-secret" -> "_client_secret"
            self._config[f"_{key.replace('-', '_')}"] = value

        global_section = self.config.get("global", {})
        logger.info(
            f"Configuration loaded for {self.org_id}/{self.env_type} "
            f"({len(global_section)} global settings)"
        )
        return self._config

    def _load_secrets(self) -> Dict[str, Any]:
        """Load the secrets file; a missing file is only a warning."""
        secrets_path = self.config_dir / self.secrets_filename
        if not secrets_path.exists():
            logger.warning(f"No secrets file found at {secrets_path}")
            return {}
        with open(secrets_path, "r", encoding="utf-8") as f:
            return json.load(f)

    def validate_schema(self, config: Optional[Dict[str, Any]] = None) -> None:
        """Validate the configuration against the org-env JSON schema."""
        config = config if config is not None else self._config
        schema_filename = "org-env-config-schema.json"
        schema_path = self.schema_dir / schema_filename

        # Runtime keys (_token, _client_secret, ...) are not part of the schema
        public_config = {k: v for k, v in config.items() if not k.startswith("_")}

        try:
            with open(schema_path, "r", encoding="utf-8") as f:
                schema = json.load(f)
            jsonschema.validate(instance=public_config, schema=schema)
            logger.info("Configuration validated against schema")
        except FileNotFoundError as e:
            logger.error(f"Schema file not found: {schema_filename}")
            sys.exit(1)
        except json.JSONDecodeError as e:
            logger.error(f"Invalid JSON in schema file {schema_filename}: {e}")
            logger.info(f"Check the file with: python -m json.tool {schema_path}")
            sys.exit(1)
        except jsonschema.ValidationError:
            logger.error(f"Configuration {self.config_filename} does not match schema")
            sys.exit(1)

    def get_value(self, key: str, default: Any = None) -> Any:
        """Return a top-level config value, or ``default`` if absent."""
        return self._config.get(key, default)

    def inject_token(self, token: str) -> None:
        """Store the acquired OAuth token for use by the API helpers."""
        config = self._config
        config["_token"] = token
        logger.debug("Token injected into configuration")

    def get_client_credentials(self) -> Dict[str, str]:
        """Return the OAuth client-credentials triple for this org."""
        config = self._config
        global_config = config["global"]
        return {
            "tenant_id": global_config["tenant-id"],
            "client_id": global_config["client-id"],
            "client_secret": config.get("_client_secret", ""),
            "scope": global_config["oauth-scope"],
        }
