"""Every operation's success and error bodies against the official OpenAPI schemas.

The client fixture already validates each response it sees; this file makes the coverage explicit
(one case per operation and per error status) and proves the check itself can fail.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from paynow_emulator import Faults, RateLimit

from tests.support.emulator_clients import CONTRACT, NOTCH_UUID, STEAM_A, Api


def _check(method: str, path: str, response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert CONTRACT.response_errors(method, path, response.status_code, response.content) == []
    if status >= 400:
        body = response.json()
        assert {"status", "code", "message", "trace_id"} <= set(body)
        assert body["status"] == status


def test_each_operation_success_matches_its_schema(api: Api) -> None:
    api.emu.add_minecraft_account("Notch", NOTCH_UUID, "java")
    full = api.create(
        steam_id=STEAM_A,
        name="Notch",
        minecraft_platform="java",
        xbox_xuid="2535405290000000",
        metadata={"k": "v"},
    )
    cid = full["id"]
    assert {"steam", "minecraft", "profile", "minecraft_uuid"} <= set(full)
    calls = [
        ("GET", api.customers, None, 200),
        ("POST", api.customers, {"name": "new"}, 200),
        ("GET", api.customer(cid), None, 200),
        ("PATCH", api.customer(cid), {"metadata": {"x": "y"}}, 200),
        ("GET", f"{api.customers}/lookup?steam_id={STEAM_A}", None, 200),
        ("POST", f"{api.customers}/bulk", [{"name": "b1"}, {"steam_id": 76561198000000002}], 200),
        ("POST", api.tokens(cid), None, 200),
        ("DELETE", api.tokens(cid), None, 204),
    ]
    for method, path, body, status in calls:
        response = (
            api.http.request(method, path, json=body) if body is not None else api.http.request(method, path)
        )
        _check(method, path.split("?")[0], response, status)
    token = api.http.post(api.tokens(cid)).json()["token"]
    _check("GET", "/v1/store/customer", api.storefront(token), 200)


def test_each_error_status_matches_the_error_schema(api: Api) -> None:
    taken = api.create(steam_id=STEAM_A)
    bad_auth = {"Authorization": "APIKey nope"}
    cases: list[tuple[str, str, dict[str, Any], int]] = [
        ("POST", api.customers, {"json": {"steam_id": "x", "bogus": 1}}, 400),
        ("GET", api.customers, {"headers": bad_auth}, 401),
        ("GET", api.customer("123456789"), {}, 404),
        ("GET", f"{api.customers}/lookup?name=nobody", {}, 404),
        ("PUT", api.customers, {"json": {}}, 405),
        ("POST", api.customers, {"json": {"steam_id": STEAM_A}}, 409),
        ("POST", f"{api.customers}/bulk", {"json": [{}, {"steam_id": STEAM_A}]}, 409),
        ("POST", api.customers, {"content": b"name=x", "headers": {"content-type": "text/plain"}}, 415),
        ("DELETE", api.tokens("12x"), {}, 400),
    ]
    for method, path, kwargs, status in cases:
        _check(method, path.split("?")[0], api.http.request(method, path, **kwargs), status)
    _check("GET", "/v1/store/customer", api.storefront("revoked"), 401)
    api.emu.faults = Faults(rate_limit=RateLimit(0.001, 1))
    api.http.get(api.customer(taken["id"]))
    _check("GET", api.customer(taken["id"]), api.http.get(api.customer(taken["id"])), 429)
    api.emu.faults = Faults(error_count=1, error_status=502)
    _check("PATCH", api.customer(taken["id"]), api.http.patch(api.customer(taken["id"]), json={}), 502)


def test_the_schema_check_rejects_what_paynow_would_not_send(api: Api) -> None:
    customer = api.create(name="a")
    path = api.customer(customer["id"])

    def problems(body: object) -> list[str]:
        found: list[str] = CONTRACT.response_errors("GET", path, 200, httpx.Response(200, json=body).content)
        return found

    assert problems(customer) == []
    assert problems({**customer, "id": int(customer["id"])})
    assert problems({**customer, "surprise": 1})
    assert problems({k: v for k, v in customer.items() if k != "metadata"})
    assert problems({**customer, "steam": {"id": STEAM_A}})
    assert CONTRACT.response_errors("DELETE", api.tokens(customer["id"]), 204, b"{}")
    assert CONTRACT.response_errors("GET", path, 404, b'{"message": "only"}')


@pytest.mark.parametrize(
    "body",
    [
        {"steam_id": STEAM_A, "name": "a", "metadata": {"k": "v"}},
        {"minecraft_uuid": NOTCH_UUID, "minecraft_platform": "java"},
        {"xbox_xuid": "2535405290000000"},
    ],
)
def test_bodies_the_emulator_accepts_are_valid_spec_requests(api: Api, body: dict[str, object]) -> None:
    assert CONTRACT.request_errors("POST", api.customers, body) == []
    assert CONTRACT.request_errors("POST", f"{api.customers}/bulk", [body]) == []
    assert api.http.post(api.customers, json=body).status_code == 200


def test_spec_request_schema_rejects_unknown_fields_like_the_emulator(api: Api) -> None:
    assert CONTRACT.request_errors("POST", api.customers, {"email": "x"})
    assert api.http.post(api.customers, json={"email": "x"}).status_code == 400
