"""The one way every function builds its PayNow client: key from Secrets Manager, registered for redaction."""

from __future__ import annotations

import httpx
from paynow.auth import ApiKeyProvider, SecretApiKeyProvider
from paynow.client import PayNowClient

from customers import redaction
from customers.function_settings import PayNowFunctionSettings


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
    settings: PayNowFunctionSettings, transport: httpx.BaseTransport | None = None
) -> PayNowClient:
    return PayNowClient(
        store_id=settings.paynow_store_id,
        api_key=RedactedKeyProvider(SecretApiKeyProvider(settings.paynow_api_key_secret)),
        base_url=settings.paynow_api_url,
        transport=transport,
    )
