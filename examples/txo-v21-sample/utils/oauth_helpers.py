"""
OAuth 2.0 client-credentials helpers (Azure AD / Entra ID style).

Tokens are cached in memory until shortly before they expire.
"""

import threading
import time
from typing import Any, Dict, Optional, Tuple

import requests

from utils.exceptions import HelpfulError
from utils.logger import get_logger

logger = get_logger(__name__)

TOKEN_URL_TEMPLATE = "https://login.microsoftonline.com/{tenant_id}/oauth2/v2.0/token"
EXPIRY_MARGIN_SECONDS = 300


class TokenCache:
    """Thread-safe in-memory token cache keyed by tenant/client/scope."""

    def __init__(self):
        self._cache: Dict[str, Tuple[str, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, default: Optional[str] = None) -> Optional[str]:
        """Return a cached, non-expired token or ``default``."""
        with self._lock:
            entry = self._cache.get(key, None)
            if entry is None:
                return default
            token, expires_at = entry
            if time.time() >= expires_at - EXPIRY_MARGIN_SECONDS:
                del self._cache[key]
                return default
            return token

    def set(self, key: str, token: str, expires_in: int) -> None:
        with self._lock:
            self._cache[key] = (token, time.time() + expires_in)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


class OAuthClient:
    """Client-credentials flow with optional token caching."""

    def __init__(self, tenant_id: Optional[str] = None, cache_tokens: bool = True,
                 timeout: int = 30):
        self.tenant_id = tenant_id
        self.cache = _token_cache if cache_tokens else None
        self.timeout = timeout

    @staticmethod
    def _cache_key(tenant_id: str, client_id: str, scope: str) -> str:
        return f"{tenant_id}:{client_id}:{scope}"

    def get_client_credentials_token(self, client_id: str, client_secret: str,
                                     scope: str, tenant_id: Optional[str] = None) -> str:
        """Acquire an access token, using the cache when possible."""
        tenant_id = tenant_id or self.tenant_id
        if not tenant_id:
            raise HelpfulError(
                what_went_wrong="No tenant ID given for OAuth token request",
                how_to_fix="Add 'tenant-id' to the global section of your config",
                example='"global": {"tenant-id": "00000000-0000-0000-0000-000000000000"}',
            )

        cache = self.cache
        cache_key = self._cache_key(tenant_id, client_id, scope)
        if cache is not None:
            cached = cache.get(cache_key)
            if cached:
                logger.debug("Using cached OAuth token")
                return cached

        response = requests.post(
            TOKEN_URL_TEMPLATE.format(tenant_id=tenant_id),
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret,
                "scope": scope,
            },
            timeout=self.timeout,
        )

        if response.status_code != 200:
            token_error = self._parse_json(response)
            raise HelpfulError(
                what_went_wrong=(
                    f"Token request failed ({response.status_code}): "
                    f"{token_error.get('error_description', token_error.get('error', 'unknown'))}"
                ),
                how_to_fix="Check client-id, tenant-id and the client secret in your secrets file",
                example="config/demo-test-config-secrets.json: {\"client-secret\": \"...\"}",
            )

        token_data = self._parse_json(response)
        access_token = token_data.get("access_token")
        if not access_token:
            raise HelpfulError(
                what_went_wrong="Token endpoint returned no access_token",
                how_to_fix="Verify the OAuth scope; it usually ends with '/.default'",
            )

        expires_in = int(token_data.get("expires_in", 3600))
        if cache is not None:
            cache.set(cache_key, access_token, expires_in)
        logger.info(f"Acquired OAuth token (expires in {expires_in // 60} min)")
        return access_token

    @staticmethod
    def _parse_json(response: requests.Response) -> Dict[str, Any]:
        try:
            return response.json()
        except ValueError:
            return {}


_token_cache = TokenCache()
_default_client = OAuthClient(cache_tokens=True)


def get_client_credentials_token(tenant_id: str, client_id: str,
                                 client_secret: str, scope: str) -> str:
    """Module-level convenience wrapper around the default OAuth client."""
    return _default_client.get_client_credentials_token(
        client_id=client_id,
        client_secret=client_secret,
        scope=scope,
        tenant_id=tenant_id,
    )


def clear_token_cache() -> None:
    """Forget all cached tokens (mainly for tests)."""
    _token_cache.clear()
