"""The PayNow API key on a request: the provider protocol, a static key, and the httpx auth.

The key is held only inside providers whose ``repr`` hides it, and is put on the request by
``ApiKeyAuth``. Where a deployed key comes from (Secrets Manager) is an adapter of the application:
``customers.adapters.secrets_api_key``.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import Protocol

import httpx

# Printable ASCII without spaces: anything else is a corrupted secret, and would otherwise surface
# as an obscure header error (or worse, a header injection).
_USABLE_KEY = re.compile(r"[\x21-\x7e]+")


class ApiKeyError(ValueError):
    """The configured key (or the secret holding it) is unusable. The message never contains the key."""


class ApiKeyProvider(Protocol):
    def get(self, force: bool = False) -> str:
        """The current key; ``force=True`` bypasses any cache (called after a 401)."""
        ...


class StaticApiKey:
    """A key given directly (tests, local tools). A 401 cannot heal it."""

    __slots__ = ("_key",)

    def __init__(self, key: str) -> None:
        self._key = checked_key(key, source="the API key given")

    def get(self, force: bool = False) -> str:
        return self._key

    def __repr__(self) -> str:
        return "StaticApiKey(<redacted>)"


def checked_key(key: str, *, source: str) -> str:
    """``key`` when it is usable on a request; ``ApiKeyError`` naming ``source`` otherwise."""
    if not isinstance(key, str) or not _USABLE_KEY.fullmatch(key):
        raise ApiKeyError(f"{source} does not hold a usable API key (empty, or has spaces/control chars)")
    return key


class ApiKeyAuth(httpx.Auth):
    """Sends ``Authorization: APIKey <key>``; on a 401, re-reads the key once and resends.

    Resending after a 401 is safe for every method: an unauthenticated request did nothing.
    The resend happens only when the re-read key differs, so a plainly wrong key costs one
    extra secret read, not a second request.
    """

    def __init__(self, provider: ApiKeyProvider) -> None:
        self._provider = provider

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        key = self._provider.get()
        request.headers["Authorization"] = f"APIKey {key}"
        response = yield request
        if response.status_code != 401:
            return
        fresh = self._provider.get(force=True)
        if fresh != key:
            request.headers["Authorization"] = f"APIKey {fresh}"
            yield request

    def __repr__(self) -> str:
        return f"ApiKeyAuth({self._provider!r})"
