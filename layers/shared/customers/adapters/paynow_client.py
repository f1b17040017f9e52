"""The PayNow client as the functions build it: key from Secrets Manager, registered for redaction."""

from __future__ import annotations

import functools
import os
import ssl
from collections.abc import Mapping

import httpx
from paynow.api_key import ApiKeyProvider
from paynow.client import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, PayNowClient
from paynow.retry import RetryPolicy

from customers.adapters.secrets_api_key import SecretApiKeyProvider
from customers.common import redaction
from customers.common.settings import PayNowFunctionSettings


class RedactedKeyProvider:
    """Registers the key with the log redaction before anyone can use it."""

    def __init__(self, inner: ApiKeyProvider) -> None:
        self._inner = inner

    def get(self, force: bool = False) -> str:
        key = self._inner.get(force)
        redaction.secrets.add(key)
        return key

    def __repr__(self) -> str:
        return f"RedactedKeyProvider({self._inner!r})"


def paynow_client(
    settings: PayNowFunctionSettings,
    transport: httpx.BaseTransport | None = None,
    retry: RetryPolicy | None = None,
    *,
    verify: ssl.SSLContext | bool = True,
) -> PayNowClient:
    return PayNowClient(
        store_id=settings.paynow_store_id,
        api_key=RedactedKeyProvider(SecretApiKeyProvider(settings.paynow_api_key_secret)),
        base_url=settings.paynow_api_url,
        transport=transport,
        retry=retry,
        verify=verify,
    )


def client_from_environment(
    environ: Mapping[str, str] | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    retry: RetryPolicy | None = None,
) -> PayNowClient:
    """Configured by PAYNOW_API_URL (optional), PAYNOW_STORE_ID and PAYNOW_API_KEY_SECRET (operator tools)."""
    env = os.environ if environ is None else environ
    missing = [name for name in ("PAYNOW_STORE_ID", "PAYNOW_API_KEY_SECRET") if not env.get(name)]
    if missing:
        raise ValueError(f"environment variable(s) not set: {', '.join(missing)}")
    return PayNowClient(
        env["PAYNOW_STORE_ID"],
        SecretApiKeyProvider(env["PAYNOW_API_KEY_SECRET"]),
        base_url=env.get("PAYNOW_API_URL") or DEFAULT_BASE_URL,
        transport=transport,
        timeout=timeout,
        retry=retry,
    )


@functools.cache
def default_client() -> PayNowClient:
    """The sandbox's one client, built from the environment on first use and reused afterwards."""
    return client_from_environment()
