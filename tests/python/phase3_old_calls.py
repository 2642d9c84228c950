"""Run in a sample project after `apply --phase 3`: the v2.1 call forms
still work, warn at the caller's line, and managers are independent."""

import inspect
import warnings
import weakref

import utils.api_factory as a
import utils.load_n_save as l
import utils.oauth_helpers as o


def here():
    return inspect.currentframe().f_back.f_lineno


def deprecated_at(line, caught):
    assert caught, f"no warning for the call on line {line}"
    for w in caught:
        assert w.category is DeprecationWarning, w
        assert (w.filename, w.lineno) == (__file__, line), (w.filename, w.lineno, line)


# Two managers hold separate state; the weak cache stays weak.
m1, m2 = o.OAuthManager(), o.OAuthManager()
assert m1.token_cache is not m2.token_cache
assert m1.default_client.cache is m1.token_cache
f1, f2 = a.ApiFactory(), a.ApiFactory()
assert f1.api_cache is not f2.api_cache and f1.cache_lock is not f2.cache_lock
assert isinstance(f1.api_cache, weakref.WeakValueDictionary)
assert type(f1.cache_lock) is type(a.threading.Lock())

# A client made as v2.1 code made it shares the default manager's cache.
assert o.OAuthClient().cache is o.default_oauth_manager().token_cache
assert o.OAuthClient(cache_tokens=False).cache is None


class Response:
    status_code = 200

    def json(self):
        return {"access_token": "tok", "expires_in": 3600}


posts = []
o.requests.post = lambda url, data, timeout: posts.append(url) or Response()

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    line = here(); token = o.get_client_credentials_token("tenant", "client", "secret", "s/.default")
deprecated_at(line, caught)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    line = here(); again = o.get_client_credentials_token(tenant_id="tenant", client_id="client", client_secret="secret", scope="s/.default")
deprecated_at(line, caught)
assert token == again == "tok"
assert len(posts) == 1, "the second call is served from the one shared token cache"
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    line = here(); o.clear_token_cache()
deprecated_at(line, caught)
assert o.default_oauth_manager().token_cache.get("tenant:client:s/.default") is None

# create_rest_api stays a plain backward-compatible function (no warning).
config = {"_token": "t", "global": {"api-base-url": "https://api.example"}, "script-behavior": {}}
with warnings.catch_warnings():
    warnings.simplefilter("error")
    first = a.create_rest_api(config, use_cache=True)
    assert a.create_rest_api(config, True) is first
    assert a.create_rest_api(config) is not first
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    line = here(); a.clear_api_cache()
deprecated_at(line, caught)
assert a.create_rest_api(config, use_cache=True) is not first

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    line = here(); handler = l.get_data_handler()
deprecated_at(line, caught)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    assert l.get_data_handler() is handler

# Replacing the default manager (for tests) is what module functions use.
fresh = o.OAuthManager()
o.set_default_oauth_manager(fresh)
assert o.default_oauth_manager() is fresh
print("ok")
