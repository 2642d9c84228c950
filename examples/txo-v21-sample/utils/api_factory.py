"""
Factory for REST API clients.

create_rest_api() builds a TxoRestAPI with optional rate limiting and
circuit breaking, driven by the "script-behavior" section of the config.
Instances can be cached per token so repeated calls reuse the session.
"""

import hashlib
import threading
import time
from typing import Any, Dict, Optional
from weakref import WeakValueDictionary

from utils.logger import get_logger
from utils.rest_api_helpers import TxoRestAPI

logger = get_logger(__name__)

_api_cache: WeakValueDictionary = WeakValueDictionary()
_cache_lock = threading.Lock()


class RateLimiter:
    """Simple token-bucket rate limiter."""

    def __init__(self, calls_per_second: float, burst_size: int = 1):
        self.rate = calls_per_second
        self.capacity = max(burst_size, 1)
        self.tokens = float(self.capacity)
        self.last_refill = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Block until a call is allowed."""
        with self._lock:
            while True:
                now = time.monotonic()
                elapsed = now - self.last_refill
                self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
                self.last_refill = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                time.sleep((1 - self.tokens) / self.rate)


class CircuitBreaker:
    """Open the circuit after N consecutive failures, retry after a timeout."""

    def __init__(self, failure_threshold: int = 5, timeout_seconds: int = 60):
        self.failure_threshold = failure_threshold
        self.timeout_seconds = timeout_seconds
        self.failures = 0
        self.opened_at: Optional[float] = None

    def is_open(self) -> bool:
        if self.opened_at is None:
            return False
        if time.monotonic() - self.opened_at >= self.timeout_seconds:
            # Half-open: allow one trial request
            self.opened_at = None
            self.failures = 0
            return False
        return True

    def record_success(self) -> None:
        self.failures = 0
        self.opened_at = None

    def record_failure(self) -> None:
        self.failures += 1
        if self.failures >= self.failure_threshold:
            self.opened_at = time.monotonic()
            logger.warning(f"Circuit breaker opened after {self.failures} failures")


def _create_rate_limiter(config: Dict[str, Any]) -> Optional[RateLimiter]:
    """Create a rate limiter if enabled in script-behavior."""
    script_behavior = config.get("script-behavior", {})
    rate_config = script_behavior.get("rate-limiting", {})

    if not rate_config.get("enabled", False):
        return None

    calls = rate_config.get("calls-per-second", 10)
    burst = rate_config.get("burst-size", 1)
    logger.debug(f"Rate limiting enabled: {calls} calls/s, burst {burst}")
    return RateLimiter(calls_per_second=calls, burst_size=burst)


def _create_circuit_breaker(config: Dict[str, Any]) -> Optional[CircuitBreaker]:
    """Create a circuit breaker if enabled in script-behavior."""
    script_behavior = config.get("script-behavior", {})
    breaker_config = script_behavior.get("circuit-breaker", {})

    if not breaker_config.get("enabled", False):
        return None

    return CircuitBreaker(
        failure_threshold=breaker_config.get("failure-threshold", 5),
        timeout_seconds=breaker_config.get("timeout-seconds", 60),
    )


def _cache_key(config: Dict[str, Any]) -> str:
    """Derive a cache key from the base URL and the token (never log it)."""
    token = config["_token"]
    base_url = config["global"]["api-base-url"]
    digest = hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]
    return f"{base_url}:{digest}"


def create_rest_api(config: Dict[str, Any], use_cache: bool = False) -> TxoRestAPI:
    """
    Create a configured REST API client.

    Args:
        config: Loaded configuration (must contain "_token")
        use_cache: Reuse an existing client for the same token

    Returns:
        TxoRestAPI instance
    """
    if use_cache:
        key = _cache_key(config)
        with _cache_lock:
            cached = _api_cache.get(key)
            if cached is not None:
                logger.debug("Reusing cached REST API client")
                return cached

    timeout_config = config.get("script-behavior", {}).get("api-timeouts", {})
    api = TxoRestAPI(config, timeout_config=timeout_config)
    api.rate_limiter = _create_rate_limiter(config)
    api.circuit_breaker = _create_circuit_breaker(config)

    if use_cache:
        with _cache_lock:
            _api_cache[key] = api

    return api


def clear_api_cache() -> None:
    """Drop all cached clients (mainly for tests)."""
    with _cache_lock:
        _api_cache.clear()
