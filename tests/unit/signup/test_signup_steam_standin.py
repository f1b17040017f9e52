"""The Steam OpenID stand-in over its ASGI app: login redirect and check_authentication."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from steam_openid import SteamOpenIdStandIn

ENDPOINT = "http://testserver/openid/login"


class AsgiClient:
    """Sync calls into the ASGI app (httpx's ASGI transport is async-only)."""

    def __init__(self, app: Any) -> None:
        self._app = app

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self._app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(go())

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        kwargs.pop("follow_redirects", None)
        return self._request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self._request("POST", url, **kwargs)


def _login(client: AsgiClient, **extra: str) -> httpx.Response:
    params = {
        "openid.ns": "http://specs.openid.net/auth/2.0",
        "openid.mode": "checkid_setup",
        "openid.return_to": "https://shop.example.com/steam/return?state=1",
        "openid.realm": "https://shop.example.com",
        "openid.identity": "http://specs.openid.net/auth/2.0/identifier_select",
        "openid.claimed_id": "http://specs.openid.net/auth/2.0/identifier_select",
        **extra,
    }
    return client.get("/openid/login", params=params, follow_redirects=False)


def test_login_redirects_with_an_assertion_that_verifies_once() -> None:
    stand_in = SteamOpenIdStandIn(ENDPOINT)
    client = AsgiClient(stand_in.asgi_app)
    response = _login(client, steamid="76561198012345678")
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert location.netloc == "shop.example.com"
    assert location.path == "/steam/return"
    params = dict(parse_qsl(location.query))
    assert params["state"] == "1"
    assert params["openid.claimed_id"] == "https://steamcommunity.com/openid/id/76561198012345678"
    assert params["openid.op_endpoint"] == ENDPOINT
    assertion = {k: v for k, v in params.items() if k.startswith("openid.")}
    check = {**assertion, "openid.mode": "check_authentication"}
    assert "is_valid:true" in client.post("/openid/login", data=check).text
    assert "is_valid:false" in client.post("/openid/login", data=check).text  # nonce used


def test_tampered_assertions_and_bad_requests_are_refused() -> None:
    stand_in = SteamOpenIdStandIn(ENDPOINT)
    client = AsgiClient(stand_in.asgi_app)
    assertion = stand_in.mint("https://shop.example.com/cb")
    assertion["openid.return_to"] = "https://evil.example/cb"
    check = {**assertion, "openid.mode": "check_authentication"}
    assert "is_valid:false" in client.post("/openid/login", data=check).text
    assert _login(client, **{"openid.return_to": "https://evil.example/"}).status_code == 400
    assert _login(client, steamid="123").status_code == 400


def test_in_process_transport_matches_the_app() -> None:
    stand_in = SteamOpenIdStandIn(ENDPOINT)
    with httpx.Client(transport=stand_in.transport()) as client:
        assertion = stand_in.mint("https://shop.example.com/cb")
        answer = client.post(ENDPOINT, data={**assertion, "openid.mode": "check_authentication"})
    assert answer.text.splitlines()[-1] == "is_valid:true"
