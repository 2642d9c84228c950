"""TxoRestAPI and create_rest_api: retries, backoff, 429, paging, 202 polling."""

import copy
import json
from unittest import mock

import pytest
import requests

from conftest import SAMPLE_CONFIG
from utils.api_factory import CircuitBreaker, RateLimiter, clear_api_cache, create_rest_api
from utils.exceptions import ApiOperationError, ApiTimeoutError
from utils.rest_api_helpers import TxoRestAPI

BASE = SAMPLE_CONFIG["global"]["api-base-url"]


def response(status=200, body=None, headers=None) -> requests.Response:
    """A real requests.Response, as the HTTP layer would return it."""
    made = requests.Response()
    made.status_code = status
    made._content = b"" if body is None else json.dumps(body).encode("utf-8")
    made.headers.update(headers or {})
    return made


def with_token(cfg=SAMPLE_CONFIG):
    ready = copy.deepcopy(cfg)
    ready["_token"] = "token-123"
    return ready


@pytest.fixture
def http():
    """Every request any session makes goes to this mock, never the network."""
    with mock.patch("requests.Session.request") as request:
        yield request


@pytest.fixture
def api(http, no_sleep):
    return create_rest_api(with_token())


def requested_urls(http):
    return [c.args[1] for c in http.call_args_list]


def test_get_returns_the_parsed_json_of_a_relative_url(api, http):
    http.side_effect = [response(body={"id": 7})]

    assert api.get("customers(7)") == {"id": 7}
    assert requested_urls(http) == [BASE + "customers(7)"]
    assert http.call_args.kwargs["timeout"] == 60


def test_an_empty_response_is_none(api, http):
    http.side_effect = [response(204)]

    assert api.delete("customers(7)") is None
    assert http.call_args.kwargs["headers"] == {"If-Match": "*"}


def test_server_errors_are_retried_with_exponential_backoff(api, http, no_sleep):
    http.side_effect = [response(503), response(502), response(body={"ok": True})]

    assert api.get("items") == {"ok": True}
    assert http.call_count == 3
    assert no_sleep == [1.0, 2.0]


def test_retries_give_up_after_max_retries(api, http, no_sleep):
    http.side_effect = [response(503, {"error": {"message": "busy"}})] * 3

    with pytest.raises(ApiOperationError, match="failed after 3 attempts"):
        api.get("items")
    assert no_sleep == [1.0, 2.0, 4.0]


def test_a_429_waits_for_retry_after(api, http, no_sleep):
    http.side_effect = [response(429, headers={"Retry-After": "7"}), response(body=[1])]

    assert api.get("items") == [1]
    assert no_sleep == [7]


def test_timeouts_and_connection_errors_are_retried(api, http, no_sleep):
    http.side_effect = [requests.Timeout("slow"), requests.ConnectionError("reset"),
                        response(body={"ok": 1})]

    assert api.get("items") == {"ok": 1}
    assert len(no_sleep) == 2


def test_persistent_timeouts_end_in_an_api_error(api, http):
    http.side_effect = [requests.Timeout("slow")] * 3

    with pytest.raises(ApiOperationError, match="Request timed out"):
        api.get("items")


def test_a_client_error_raises_with_the_odata_message(api, http):
    http.side_effect = [response(404, {"error": {"message": "Customer 9 not found"}})]

    with pytest.raises(ApiOperationError) as raised:
        api.get("customers(9)")

    assert raised.value.status_code == 404
    assert "Customer 9 not found" in str(raised.value)
    assert http.call_count == 1


def test_202_accepted_is_polled_until_it_succeeds(api, http, no_sleep):
    location = "https://api.example.com/operations/1"
    http.side_effect = [
        response(202, headers={"Location": location, "Retry-After": "2"}),
        response(202, headers={"Retry-After": "3"}),
        response(200, {"status": "Succeeded", "id": "op-1"}),
    ]

    assert api.post("jobs", {"run": True}) == {"status": "Succeeded", "id": "op-1"}
    assert requested_urls(http) == [BASE + "jobs", location, location]
    assert [float(s) for s in no_sleep] == [2.0, 3.0]


def test_a_failed_async_operation_raises(api, http):
    http.side_effect = [
        response(202, headers={"Location": "https://api.example.com/operations/2"}),
        response(200, {"status": "Failed", "error": {"message": "quota exceeded"}}),
    ]

    with pytest.raises(ApiOperationError, match="quota exceeded"):
        api.post("jobs")


def test_an_async_operation_that_never_ends_times_out(http, no_sleep):
    cfg = with_token()
    cfg["script-behavior"]["api-timeouts"]["async-max-wait"] = 1
    api = create_rest_api(cfg)
    http.side_effect = [response(202, headers={"Location": "https://api.example.com/op"}),
                        response(202)]
    clock = iter([0.0, 0.5, 5.0])  # start, one poll, then past the deadline

    with mock.patch("time.monotonic", lambda: next(clock)):
        with pytest.raises(ApiTimeoutError, match="did not complete within 1s"):
            api.get("slow")


def test_get_all_follows_next_links(api, http):
    http.side_effect = [
        response(body={"value": [1, 2], "@odata.nextLink": BASE + "items?page=2"}),
        response(body={"value": [3]}),
    ]

    assert api.get_all("items") == [1, 2, 3]


def test_fetch_in_batches_pages_with_top_and_skip(api, http):
    http.side_effect = [response(body={"value": [1, 2]}), response(body={"value": [3]})]

    batches = list(api.fetch_in_batches("items?$filter=x", {"read-batch-size": 2}))

    assert batches == [[1, 2], [3]]
    assert requested_urls(http) == [BASE + "items?$filter=x&$top=2&$skip=0",
                                    BASE + "items?$filter=x&$top=2&$skip=2"]


def test_fetch_in_batches_without_a_batch_config_uses_20(api, http):
    http.side_effect = [response(body={"value": [1]})]

    assert list(api.fetch_in_batches("items")) == [[1]]
    assert requested_urls(http) == [BASE + "items?$top=20&$skip=0"]


def test_rate_limiting_and_circuit_breaking_follow_script_behavior(http):
    cfg = with_token()
    cfg["script-behavior"]["rate-limiting"] = {"enabled": True, "calls-per-second": 5, "burst-size": 2}
    cfg["script-behavior"]["circuit-breaker"] = {"enabled": True, "failure-threshold": 3,
                                                 "timeout-seconds": 30}

    api = create_rest_api(cfg)

    assert isinstance(api.rate_limiter, RateLimiter) and api.rate_limiter.rate == 5
    assert isinstance(api.circuit_breaker, CircuitBreaker)
    assert api.circuit_breaker.failure_threshold == 3
    assert create_rest_api(with_token()).rate_limiter is None


def test_an_open_circuit_stops_requests(http, no_sleep):
    cfg = with_token()
    cfg["script-behavior"]["circuit-breaker"] = {"enabled": True, "failure-threshold": 1,
                                                 "timeout-seconds": 30}
    api = create_rest_api(cfg)
    http.side_effect = [response(500, {"error": {"message": "boom"}})]

    with pytest.raises(ApiOperationError, match="boom"):
        api.get("items")
    with pytest.raises(ApiOperationError, match="Circuit breaker is open"):
        api.get("items")
    assert http.call_count == 1


def test_cached_clients_are_shared_per_token(http):
    clear_api_cache()
    first = create_rest_api(with_token(), use_cache=True)

    assert create_rest_api(with_token(), use_cache=True) is first
    clear_api_cache()
    assert create_rest_api(with_token(), use_cache=True) is not first


def test_script_behavior_settings_that_are_missing(http, migrated):
    cfg = with_token()
    del cfg["script-behavior"]["retry-strategy"]

    if migrated(1):
        # Phase 1: configuration is complete or the client refuses to start.
        with pytest.raises(KeyError, match="retry-strategy"):
            TxoRestAPI(cfg)
    else:
        assert TxoRestAPI(cfg).max_retries == 3


def test_an_enabled_rate_limit_without_a_rate(http, migrated):
    cfg = with_token()
    cfg["script-behavior"]["rate-limiting"] = {"enabled": True}

    if migrated(1):
        with pytest.raises(KeyError, match="calls-per-second"):
            create_rest_api(cfg)
    else:
        assert create_rest_api(cfg).rate_limiter.rate == 10
