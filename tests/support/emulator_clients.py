"""Helpers for the emulator's tests (a uniquely named module: other areas have their own conftests).

Every response a test client sees is validated against the official OpenAPI spec (loaded from
../shared beside the repository, never copied), so each behaviour test is also a contract test.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
from paynow_emulator import PayNowEmulator
from paynow_emulator.spec import SpecContract

CONTRACT = SpecContract()


class ValidatingTransport(httpx.BaseTransport):
    """Checks every API response against the spec before the test sees it."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        response.read()
        if not request.url.path.startswith("/_emulator"):
            problems = CONTRACT.response_errors(
                request.method, request.url.path, response.status_code, response.content
            )
            assert not problems, f"{request.method} {request.url.path} -> {response.status_code}: {problems}"
        return response

    def close(self) -> None:
        self._inner.close()


class SyncASGITransport(httpx.BaseTransport):
    """httpx.ASGITransport driven from a sync client, so one test body exercises the ASGI app too."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            response = await self._inner.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return self._loop.run_until_complete(send())

    def close(self) -> None:
        self._loop.close()


@dataclass
class Api:
    """A plain httpx client on one emulator, plus the paths tests need."""

    emu: PayNowEmulator
    http: httpx.Client
    kind: str

    @property
    def customers(self) -> str:
        return f"/v1/stores/{self.emu.store_id}/customers"

    def customer(self, customer_id: str) -> str:
        return f"{self.customers}/{customer_id}"

    def tokens(self, customer_id: str) -> str:
        return f"{self.customers}/{customer_id}/tokens"

    def create(self, **body: Any) -> dict[str, Any]:
        response = self.http.post(self.customers, json=body)
        assert response.status_code == 200, response.text
        created: dict[str, Any] = response.json()
        return created

    def lookup(self, **params: str) -> httpx.Response:
        return self.http.get(f"{self.customers}/lookup", params=params)

    def storefront(self, token: str, **headers: str) -> httpx.Response:
        return self.http.get("/v1/store/customer", headers={"Authorization": f"Customer {token}", **headers})


def make_client(emu: PayNowEmulator, kind: str, **kwargs: Any) -> httpx.Client:
    inner: httpx.BaseTransport = emu.transport() if kind == "transport" else SyncASGITransport(emu.asgi_app)
    return httpx.Client(
        transport=ValidatingTransport(inner),
        base_url="https://api.paynow.gg",
        headers={"Authorization": f"APIKey {emu.api_key}"},
        **kwargs,
    )


STEAM_A = "76561197960287930"
STEAM_B = "76561198000000001"
NOTCH_UUID = "069a79f4-44e9-4726-a5be-fca90e38aaf5"

# The key the integration tests give the PayNow emulator.
EMULATOR_API_KEY = "pnapi_v1_integration_5e1f0a"
