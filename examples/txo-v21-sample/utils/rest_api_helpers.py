"""
REST/OData helpers for TXO scripts.

TxoRestAPI wraps requests with retries, exponential backoff, 429 handling,
OData paging and 202 Accepted async-operation polling. Sessions are reused
per thread through SessionManager.
"""

import os
import threading
import time
from typing import Any, Dict, Iterator, List, Optional
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter

from utils.exceptions import ApiOperationError, ApiTimeoutError
from utils.logger import get_logger

logger = get_logger(__name__)

DEFAULT_TIMEOUTS: Dict[str, Any] = {
    "rest": 60,
    "async-max-wait": 300,
    "async-poll-interval": 5,
}

RETRYABLE_STATUS = {502, 503, 504}
ASYNC_RUNNING_STATES = {"notstarted", "running", "inprogress", "pending"}


class SessionManager:
    """Hand out one requests.Session per thread and per key."""

    def __init__(self, pool_size: int = 10):
        self.pool_size = pool_size
        self._local = threading.local()

    def _create_session(self) -> requests.Session:
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=self.pool_size,
                              pool_maxsize=self.pool_size)
        session.mount("https://", adapter)
        session.mount("http://", adapter)

        proxy = os.environ.get("HTTPS_PROXY")
        if proxy:
            session.proxies["https"] = proxy
            logger.debug("Using HTTPS proxy from environment")
        return session

    def get_session(self, key: str = "default") -> requests.Session:
        """Return the session for ``key`` in the current thread."""
        sessions = getattr(self._local, "sessions", None)
        if sessions is None:
            sessions = {}
            self._local.sessions = sessions
        if key not in sessions:
            sessions[key] = self._create_session()
        return sessions[key]

    def close_all(self) -> None:
        """Close the sessions owned by the current thread."""
        sessions = getattr(self._local, "sessions", {})
        for session in sessions.values():
            session.close()
        sessions.clear()


class TxoRestAPI:
    """REST client with retries, paging and async (202) handling."""

    _session_manager = SessionManager()

    def __init__(self, config: Dict[str, Any],
                 timeout_config: Optional[Dict[str, Any]] = None):
        self.config = config
        self.base_url = config["global"]["api-base-url"].rstrip("/") + "/"
        self.timeouts = {**DEFAULT_TIMEOUTS, **(timeout_config or {})}
        self.rate_limiter = None
        self.circuit_breaker = None

        delay = config.get("script-behavior", {}).get("api-delay-seconds", 1)
        self.delay = float(delay)
        self.max_retries = config.get("script-behavior", {}).get("retry-strategy", {}).get("max-retries", 3)
        self.timeouts.setdefault("max-retries", self.max_retries)
        logger.info(f"Using delay {config.get('script-behavior', {}).get('api-delay-seconds', 1)}s")

        self.session = self._session_manager.get_session(self.base_url)
        self.session.headers.update({
            "Authorization": f"Bearer {config['_token']}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        })

    # ------------------------------------------------------------------
    # Public HTTP verbs
    # ------------------------------------------------------------------

    def get(self, url: str, **kwargs) -> Any:
        """HTTP GET; returns parsed JSON (or None for empty responses)."""
        return self._execute_request("GET", url, **kwargs)

    def post(self, url: str, data: Optional[Dict[str, Any]] = None, **kwargs) -> Any:
        """HTTP POST with a JSON body."""
        return self._execute_request("POST", url, json=data, **kwargs)

    def patch(self, url: str, data: Dict[str, Any], etag: str = "*", **kwargs) -> Any:
        """HTTP PATCH with optimistic concurrency (If-Match)."""
        headers = kwargs.pop("headers", {})
        headers.setdefault("If-Match", etag)
        return self._execute_request("PATCH", url, json=data, headers=headers, **kwargs)

    def delete(self, url: str, etag: str = "*", **kwargs) -> Any:
        """HTTP DELETE."""
        headers = kwargs.pop("headers", {})
        headers.setdefault("If-Match", etag)
        return self._execute_request("DELETE", url, headers=headers, **kwargs)

    # ------------------------------------------------------------------
    # OData convenience
    # ------------------------------------------------------------------

    def get_entity(self, entity_set: str, key: str) -> Optional[Dict[str, Any]]:
        """Fetch a single entity by key, e.g. customers('10000')."""
        url = f"{entity_set}('{key}')"
        return self.get(url)

    def get_all(self, url: str, max_pages: Optional[int] = None) -> List[Dict[str, Any]]:
        """Follow @odata.nextLink and return every record."""
        records: List[Dict[str, Any]] = []
        pages = 0
        next_url: Optional[str] = url

        while next_url:
            page = self.get(next_url) or {}
            records.extend(page.get("value", []))
            pages += 1
            logger.debug(f"Fetched page {pages} with {len(page.get('value', []))} records")

            next_url = page.get("@odata.nextLink")
            if max_pages and pages >= max_pages:
                logger.info(f"Stopping after {pages} pages (max_pages reached)")
                break
            if next_url and self.delay > 0:
                time.sleep(self.delay)

        return records

    def fetch_in_batches(self, url: str,
                         batch_config: Optional[Dict[str, Any]] = None) -> Iterator[List[Dict[str, Any]]]:
        """Yield records in $top/$skip batches."""
        batch_config = batch_config or {}
        batch_size = batch_config.get("read-batch-size", 20)
        max_records = batch_config.get("max-records")
        separator = "&" if "?" in url else "?"
        skip = 0

        while True:
            page = self.get(f"{url}{separator}$top={batch_size}&$skip={skip}") or {}
            batch = page.get("value", [])
            if not batch:
                break
            yield batch

            skip += len(batch)
            if len(batch) < batch_size:
                break
            if max_records and skip >= max_records:
                break
            time.sleep(self.delay)

    # ------------------------------------------------------------------
    # Internals
    # ------------------------------------------------------------------

    def _build_url(self, url: str) -> str:
        if url.startswith(("http://", "https://")):
            return url
        return urljoin(self.base_url, url.lstrip("/"))

    def _sleep_backoff(self, attempt: int, backoff_factor: float) -> None:
        wait = min(backoff_factor ** attempt, 60)
        logger.debug(f"Backing off {wait:.1f}s before retry")
        time.sleep(wait)

    def _record_failure(self) -> None:
        if self.circuit_breaker is not None:
            self.circuit_breaker.record_failure()

    def _record_success(self) -> None:
        if self.circuit_breaker is not None:
            self.circuit_breaker.record_success()

    @staticmethod
    def _extract_error_message(response: requests.Response) -> str:
        """Pull the OData error message out of an error response."""
        try:
            error_body = response.json()
            message = error_body.get("error", {}).get("message", "Unknown error")
        except ValueError:
            message = response.text[:500] or "Unknown error"
        return message

    def _execute_request(self, method: str, url: str, **kwargs) -> Any:
        """
        Execute an HTTP request with rate limiting, circuit breaking and retries.

        Transient failures (timeouts, connection errors, 429, 502-504) are
        retried with exponential backoff. 202 Accepted responses are handed
        to the async poller. Anything else >= 400 raises ApiOperationError.
        """
        full_url = self._build_url(url)
        max_retries = self.timeouts.get("max-retries", 3)  # retries per request
        retry_strategy = self.config.get("script-behavior", {}).get("retry-strategy", {})
        backoff_factor = retry_strategy.get("backoff-factor", 2.0)
        respect_retry_after = retry_strategy.get("respect-retry-after", True)
        last_error: Optional[Exception] = None

        for attempt in range(max_retries + 1):
            if self.circuit_breaker is not None and self.circuit_breaker.is_open():
                raise ApiOperationError(
                    "Circuit breaker is open - too many recent failures",
                    url=full_url,
                )
            if self.rate_limiter is not None:
                self.rate_limiter.acquire()

            try:
                logger.debug(f"{method} {full_url} (attempt {attempt + 1}/{max_retries + 1})")
                response = self.session.request(
                    method,
                    full_url,
                    timeout=self.timeouts.get("rest", 60),
                    **kwargs,
                )
            except requests.Timeout as e:
                last_error = ApiTimeoutError(f"Request timed out: {e}", url=full_url)
                self._record_failure()
                logger.warning(f"Timeout on {method} {full_url}")
                self._sleep_backoff(attempt, backoff_factor)
                continue
            except requests.ConnectionError as e:
                last_error = ApiOperationError(f"Connection error: {e}", url=full_url)
                self._record_failure()
                logger.warning(f"Connection error on {method} {full_url}")
                self._sleep_backoff(attempt, backoff_factor)
                continue

            if response.status_code == 429:
                last_error = ApiOperationError("Rate limited", status_code=429, url=full_url)
                if respect_retry_after:
                    wait = int(response.headers.get("Retry-After", 5))
                else:
                    wait = backoff_factor ** attempt
                logger.warning(f"Rate limited (429), waiting {wait}s")
                time.sleep(wait)
                continue

            if response.status_code in RETRYABLE_STATUS:
                self._record_failure()
                last_error = ApiOperationError(
                    self._extract_error_message(response),
                    status_code=response.status_code,
                    url=full_url,
                )
                logger.warning(f"Server error {response.status_code} on {method} {full_url}")
                self._sleep_backoff(attempt, backoff_factor)
                continue

            if response.status_code == 202:
                self._record_success()
                return self._handle_async_operation(response)

            if response.status_code >= 400:
                self._record_failure()
                raise ApiOperationError(
                    self._extract_error_message(response),
                    status_code=response.status_code,
                    url=full_url,
                )

            self._record_success()
            if response.status_code == 204 or not response.content:
                return None
            return response.json()

        raise ApiOperationError(
            f"{method} failed after {max_retries + 1} attempts: {last_error}",
            url=full_url,
        )

    def _handle_async_operation(self, response: requests.Response) -> Any:
        """Poll the Location of a 202 Accepted response until it completes."""
        location = response.headers.get("Location") or response.headers.get("Operation-Location")
        if not location:
            logger.debug("202 Accepted without Location header - nothing to poll")
            return None

        retry_after = response.headers.get("Retry-After",
                                           self.timeouts.get("async-poll-interval", 5))
        max_wait = self.timeouts.get("async-max-wait", 300)
        deadline = time.monotonic() + max_wait
        logger.info(f"Waiting for async operation (max {max_wait}s)")

        while time.monotonic() < deadline:
            time.sleep(float(retry_after))
            poll = self.session.get(location, timeout=self.timeouts.get("rest", 60))

            if poll.status_code == 202:
                retry_after = poll.headers.get("Retry-After", retry_after)
                continue
            if poll.status_code >= 400:
                raise ApiOperationError(
                    self._extract_error_message(poll),
                    status_code=poll.status_code,
                    url=location,
                )

            status = poll.json() if poll.content else {}
            state = str(status.get("status", "succeeded")).lower()
            if state in ASYNC_RUNNING_STATES:
                continue
            if state == "failed":
                raise ApiOperationError(
                    f"Async operation failed: {status.get('error', {}).get('message', 'no details')}",
                    url=location,
                )
            return status

        raise ApiTimeoutError(f"Async operation did not complete within {max_wait}s", url=location)
