"""OAuth client-credentials tokens: request, caching, expiry, errors."""

from unittest import mock

import pytest

from utils.exceptions import HelpfulError
from utils.oauth_helpers import OAuthClient, clear_token_cache, get_client_credentials_token

TENANT = "00000000-0000-0000-0000-000000000000"


class TokenResponse:
    """What requests.post returns for the token endpoint."""

    def __init__(self, status_code=200, body=None):
        self.status_code = status_code
        self._body = body

    def json(self):
        if self._body is None:
            raise ValueError("no JSON")
        return self._body


@pytest.fixture
def token_endpoint():
    clear_token_cache()
    with mock.patch("requests.post") as post:
        post.return_value = TokenResponse(body={"access_token": "tok-1", "expires_in": 3600})
        yield post
    clear_token_cache()


def test_a_token_is_requested_with_the_client_credentials(token_endpoint):
    token = get_client_credentials_token(TENANT, "client-a", "secret", "api/.default")

    assert token == "tok-1"
    url = token_endpoint.call_args.args[0]
    assert url == f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
    assert token_endpoint.call_args.kwargs["data"] == {
        "grant_type": "client_credentials",
        "client_id": "client-a",
        "client_secret": "secret",
        "scope": "api/.default",
    }


def test_tokens_are_cached_per_tenant_client_and_scope(token_endpoint):
    get_client_credentials_token(TENANT, "client-a", "secret", "api/.default")
    get_client_credentials_token(TENANT, "client-a", "secret", "api/.default")
    assert token_endpoint.call_count == 1

    get_client_credentials_token(TENANT, "client-b", "secret", "api/.default")
    assert token_endpoint.call_count == 2


def test_clearing_the_cache_requests_a_new_token(token_endpoint):
    get_client_credentials_token(TENANT, "client-a", "secret", "api/.default")
    clear_token_cache()
    get_client_credentials_token(TENANT, "client-a", "secret", "api/.default")

    assert token_endpoint.call_count == 2


def test_a_token_close_to_expiry_is_not_reused(token_endpoint):
    token_endpoint.return_value = TokenResponse(body={"access_token": "short", "expires_in": 60})

    get_client_credentials_token(TENANT, "client-a", "secret", "api/.default")
    get_client_credentials_token(TENANT, "client-a", "secret", "api/.default")

    assert token_endpoint.call_count == 2


def test_a_client_without_caching_always_asks(token_endpoint):
    client = OAuthClient(tenant_id=TENANT, cache_tokens=False)

    client.get_client_credentials_token("client-a", "secret", "api/.default")
    client.get_client_credentials_token("client-a", "secret", "api/.default")

    assert token_endpoint.call_count == 2


def test_a_rejected_request_explains_itself(token_endpoint):
    token_endpoint.return_value = TokenResponse(
        400, {"error": "invalid_client", "error_description": "AADSTS7000215: bad secret"})

    with pytest.raises(HelpfulError) as raised:
        OAuthClient(tenant_id=TENANT).get_client_credentials_token("c", "wrong", "s")

    assert "Token request failed (400): AADSTS7000215: bad secret" in raised.value.what_went_wrong
    assert "client secret" in raised.value.how_to_fix


def test_a_response_without_a_token_is_an_error(token_endpoint):
    token_endpoint.return_value = TokenResponse(body={"token_type": "Bearer"})

    with pytest.raises(HelpfulError, match="no access_token"):
        OAuthClient(tenant_id=TENANT).get_client_credentials_token("c", "s", "scope")


def test_a_tenant_is_required(token_endpoint):
    with pytest.raises(HelpfulError, match="No tenant ID"):
        OAuthClient().get_client_credentials_token("c", "s", "scope")
    token_endpoint.assert_not_called()
