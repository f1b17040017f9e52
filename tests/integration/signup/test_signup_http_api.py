"""POST /signup through the real handler: HTTP API v2 events, moto, the emulator and the Steam stand-in."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from paynow_emulator import Faults, RateLimit

from tests.support.api_stack import BEDROCK_ACCOUNTS, JAVA_ACCOUNTS, ORIGIN, OTHER_ORIGIN, ApiStack
from tests.support.lambda_events import FakeLambdaContext, body_of, http_event

STEAM_ID = "76561198012345678"


def signup(
    api_stack: ApiStack, body: object, *, origin: str | None = ORIGIN, timeout_s: float = 29.0
) -> dict[str, Any]:
    event = http_event("POST", "/signup", body=body, headers={"origin": origin} if origin else None)
    result: dict[str, Any] = api_stack.signup.lambda_handler(event, FakeLambdaContext(timeout_s=timeout_s))
    return result


def steam_body(
    api_stack: ApiStack, steam_id: str = STEAM_ID, return_to: str = f"{ORIGIN}/"
) -> dict[str, Any]:
    return {"steam": api_stack.steam.mint(return_to, steam_id=steam_id)}


def storefront(api_stack: ApiStack, token: str) -> httpx.Response:
    with httpx.Client(transport=api_stack.emulator.transport(), base_url="https://api.paynow.test") as client:
        return client.get(
            "/v1/store/customer",
            headers={"Authorization": f"Customer {token}", "x-paynow-store-id": api_stack.emulator.store_id},
        )


IDENTITIES: dict[str, Callable[[ApiStack], dict[str, Any]]] = {
    "steam": steam_body,
    "minecraft_java": lambda api_stack: {"minecraft": {"name": "Notch", "edition": "java"}},
    "minecraft_bedrock": lambda api_stack: {"minecraft": {"name": "Steve Bedrock", "edition": "bedrock"}},
}


@pytest.mark.parametrize("kind", sorted(IDENTITIES))
def test_new_then_existing_customer(api_stack: ApiStack, kind: str) -> None:
    first = signup(api_stack, IDENTITIES[kind](api_stack))
    assert first["statusCode"] == 200, first
    created = body_of(first)
    assert created["created"] is True
    assert [r.operation for r in api_stack.paynow_calls()] == ["lookup", "create", "create_token"]

    api_stack.emulator.inspect.clear_requests()
    second = body_of(signup(api_stack, IDENTITIES[kind](api_stack)))
    assert second["created"] is False
    assert second["customer"]["id"] == created["customer"]["id"]
    assert [r.operation for r in api_stack.paynow_calls()] == ["lookup", "create_token"]
    assert api_stack.emulator.inspect.count() == 1

    # The browser gets a minimal view: which customer, what to call the player, which platform.
    assert set(created) == {"customer", "platform", "created", "token"}
    assert set(created["customer"]) == {"id", "display_name"}
    assert created["platform"] == kind
    stored = api_stack.emulator.inspect.customer(created["customer"]["id"])
    assert stored is not None
    if kind == "steam":
        assert stored["steam_id"] == STEAM_ID
    elif kind == "minecraft_java":
        assert stored["minecraft_uuid"] == JAVA_ACCOUNTS["Notch"]
        assert created["customer"]["display_name"] == "Notch"
    else:
        assert stored["minecraft_uuid"] == BEDROCK_ACCOUNTS["Steve Bedrock"]

    # Both tokens work on the storefront; the event says who was created, without any token.
    for token in (created["token"], second["token"]):
        assert storefront(api_stack, token).json()["id"] == created["customer"]["id"]
    events = api_stack.published_events()
    assert [(e["source"], e["detail-type"]) for e in events] == [("paynow.customers", "Customer Created")]
    assert events[0]["detail"]["customer"]["id"] == created["customer"]["id"]
    assert events[0]["detail"]["identity_kind"] == kind
    text = str(events)
    assert created["token"] not in text
    assert second["token"] not in text


def test_cors_headers_only_for_allowed_origins(api_stack: ApiStack) -> None:
    allowed = signup(api_stack, IDENTITIES["minecraft_java"](api_stack), origin=OTHER_ORIGIN)
    assert allowed["headers"]["Access-Control-Allow-Origin"] == OTHER_ORIGIN
    foreign = signup(api_stack, IDENTITIES["minecraft_java"](api_stack), origin="https://evil.example")
    assert "Access-Control-Allow-Origin" not in foreign["headers"]
    preflight = api_stack.signup.lambda_handler(
        http_event(
            "OPTIONS",
            "/signup",
            headers={"origin": ORIGIN, "access-control-request-method": "POST"},
        ),
        FakeLambdaContext(),
    )
    assert preflight["statusCode"] == 204
    assert preflight["headers"]["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in preflight["headers"]["Access-Control-Allow-Methods"]


def test_unknown_minecraft_name_is_a_clear_404(api_stack: ApiStack) -> None:
    response = signup(api_stack, {"minecraft": {"name": "Nobody_Here", "edition": "java"}})
    assert response["statusCode"] == 404
    assert body_of(response) == {
        "status": 404,
        "code": "minecraft_account_not_found",
        "message": "no Minecraft Java Edition account is named 'Nobody_Here'",
    }
    assert api_stack.emulator.inspect.count() == 0


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "body"),
        ({"minecraft": {"name": "x y", "edition": "java"}}, 422, "body.minecraft"),
        ({"minecraft": {"name": "Notch", "edition": "pocket"}}, 422, "body.minecraft.edition"),
        ({"minecraft": {"name": "Notch", "edition": "java"}, "extra": 1}, 422, "body.extra"),
        ({"steam": {"next": "/"}}, 422, "body.steam"),
    ],
)
def test_validation_errors_name_the_field(
    api_stack: ApiStack, body: dict[str, Any], status: int, field: str
) -> None:
    response = signup(api_stack, body)
    assert response["statusCode"] == status
    payload = body_of(response)
    assert payload["code"] == "validation_error"
    assert any(e["field"].startswith(field) for e in payload["errors"]), payload
    assert api_stack.paynow_calls() == []


def test_a_body_that_is_not_json_is_a_400(api_stack: ApiStack) -> None:
    event = http_event("POST", "/signup", raw_body="{not json")
    response = api_stack.signup.lambda_handler(event, FakeLambdaContext())
    assert response["statusCode"] == 400
    assert body_of(response)["code"] == "invalid_json"


def test_base64_encoded_bodies_are_accepted(api_stack: ApiStack) -> None:
    event = http_event("POST", "/signup", body=IDENTITIES["minecraft_java"](api_stack), base64_body=True)
    assert api_stack.signup.lambda_handler(event, FakeLambdaContext())["statusCode"] == 200


def _tampered(api_stack: ApiStack) -> dict[str, Any]:
    body = steam_body(api_stack)
    claimed = "https://steamcommunity.com/openid/id/76561198099999999"
    body["steam"]["openid.claimed_id"] = body["steam"]["openid.identity"] = claimed
    return body


def _forged(api_stack: ApiStack) -> dict[str, Any]:
    from steam_openid import SteamOpenIdStandIn

    from tests.support.api_stack import STEAM_URL

    return {"steam": SteamOpenIdStandIn(STEAM_URL).mint(f"{ORIGIN}/", steam_id=STEAM_ID)}


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_forged, "did not confirm"),
        (_tampered, "did not confirm"),
        (
            lambda api_stack: steam_body(api_stack, return_to="https://evil.example/"),
            "allowed origin",
        ),
    ],
)
def test_bad_steam_assertions_are_401_without_paynow(
    api_stack: ApiStack, make: Callable[[ApiStack], dict[str, Any]], reason: str
) -> None:
    response = signup(api_stack, make(api_stack))
    assert response["statusCode"] == 401
    assert body_of(response)["code"] == "invalid_steam_assertion"
    assert reason in body_of(response)["message"]
    assert api_stack.paynow_calls() == []


def test_a_replayed_assertion_is_401_without_paynow(api_stack: ApiStack) -> None:
    # A provider that does not remember nonces: only our state table stops the replay.
    api_stack.steam.enforce_nonce = False
    body = steam_body(api_stack)
    assert signup(api_stack, body)["statusCode"] == 200
    api_stack.emulator.inspect.clear_requests()
    replay = signup(api_stack, body)
    assert replay["statusCode"] == 401
    assert "already used" in body_of(replay)["message"]
    assert api_stack.paynow_calls() == []


def test_paynow_rate_limit_maps_to_429_with_retry_after(api_stack: ApiStack) -> None:
    api_stack.emulator.faults = Faults(rate_limit=RateLimit(per_second=0.01, burst=1))
    assert signup(api_stack, IDENTITIES["minecraft_java"](api_stack))["statusCode"] == 429
    response = signup(api_stack, IDENTITIES["minecraft_java"](api_stack), timeout_s=3)
    assert response["statusCode"] == 429
    assert int(response["headers"]["Retry-After"]) >= 1
    assert body_of(response)["code"] == "rate_limited"


def test_paynow_5xx_after_retries_maps_to_502(api_stack: ApiStack) -> None:
    api_stack.emulator.faults = Faults(error_rate=1.0)
    # Room for every attempt (5, backoff under 3.2 s in all) even on a loaded machine.
    response = signup(api_stack, IDENTITIES["minecraft_java"](api_stack), timeout_s=8)
    assert response["statusCode"] == 502
    assert body_of(response) == {
        "status": 502,
        "code": "upstream_error",
        "message": "PayNow failed to handle the request; retry later",
    }
    assert len(api_stack.paynow_calls()) > 1  # lookup is idempotent: it was retried within the deadline


def test_paynow_unreachable_maps_to_503(api_stack: ApiStack) -> None:
    api_stack.emulator.faults = Faults(drop_rate=1.0)
    response = signup(api_stack, IDENTITIES["minecraft_java"](api_stack), timeout_s=2.5)
    assert response["statusCode"] == 503
    assert body_of(response)["code"] == "upstream_unavailable"
    assert "Retry-After" in response["headers"]


def test_unknown_routes_are_json_404(api_stack: ApiStack) -> None:
    response = api_stack.signup.lambda_handler(http_event("GET", "/nope"), FakeLambdaContext())
    assert response["statusCode"] == 404
    assert body_of(response)["code"] == "not_found"


@pytest.mark.parametrize("outage", ["status", "unreachable"])
def test_steam_outage_is_503_and_the_sign_in_stays_usable(api_stack: ApiStack, outage: str) -> None:
    body = steam_body(api_stack)
    if outage == "status":
        api_stack.steam.fail_status = 503
    else:
        api_stack.steam.unreachable = True
    response = signup(api_stack, body)
    assert response["statusCode"] == 503
    assert body_of(response)["code"] == "steam_unavailable"
    assert response["headers"]["Retry-After"] == "2"
    assert api_stack.paynow_calls() == []
    api_stack.steam.fail_status, api_stack.steam.unreachable = None, False
    assert signup(api_stack, body)["statusCode"] == 200


# Requests a client got wrong are answered as the client's mistake (4xx JSON), not as a 500.

NOTCH = {"minecraft": {"name": "Notch", "edition": "java"}}


def _signup(api_stack: ApiStack, **kwargs: Any) -> dict[str, Any]:
    response: dict[str, Any] = api_stack.invoke(api_stack.signup, http_event("POST", "/signup", **kwargs))
    return response


def _assert_refused(response: dict[str, Any], status: int, code: str) -> dict[str, Any]:
    assert response["statusCode"] == status
    assert response["headers"]["Content-Type"] == "application/json"
    body: dict[str, Any] = body_of(response)
    assert (body["status"], body["code"]) == (status, code)
    return body


@pytest.mark.parametrize("content_type", ["text/plain;charset=UTF-8", "application/xml"])
def test_a_body_not_sent_as_json_is_415_naming_the_content_type_to_use(
    api_stack: ApiStack, content_type: str
) -> None:
    # fetch() with a string body and no explicit header sends text/plain.
    response = _signup(api_stack, body=NOTCH, headers={"content-type": content_type, "origin": ORIGIN})
    body = _assert_refused(response, 415, "unsupported_media_type")
    assert "application/json" in body["message"]
    assert response["headers"]["Access-Control-Allow-Origin"] == ORIGIN
    assert api_stack.paynow_calls() == []


def test_a_base64_body_that_is_not_utf8_is_invalid_json(api_stack: ApiStack) -> None:
    event = http_event("POST", "/signup", raw_body="{}")
    event["body"] = base64.b64encode(b'{"minecraft": {"name": "\xff\xfe"}}').decode()
    event["isBase64Encoded"] = True
    body = _assert_refused(api_stack.invoke(api_stack.signup, event), 400, "invalid_json")
    assert "UTF-8" in body["message"]


@pytest.mark.parametrize(
    "raw_body",
    ["[" * 100_000 + "]" * 100_000, '{"minecraft": {"name": 1' + "0" * 5000 + "}}"],
    ids=["nested-100k-deep", "5000-digit-number"],
)
def test_json_python_cannot_hold_is_invalid_json(api_stack: ApiStack, raw_body: str) -> None:
    _assert_refused(_signup(api_stack, raw_body=raw_body), 400, "invalid_json")
    assert api_stack.paynow_calls() == []


def test_trusted_resolve_with_a_5000_digit_number_is_invalid_json(api_stack: ApiStack) -> None:
    event = http_event(
        "POST",
        "/customers/resolve",
        raw_body='{"identifier": {"xbox_xuid": 1' + "0" * 5000 + "}}",
        caller="store-backend",
    )
    _assert_refused(api_stack.invoke(api_stack.trusted, event), 400, "invalid_json")


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_a_customer_id_of_thousands_of_digits_is_a_plain_bad_request(
    api_stack: ApiStack, method: str
) -> None:
    customer_id = "1" * 5000
    event = http_event(
        method,
        f"/customers/{customer_id}/tokens",
        route="/customers/{customerId}/tokens",
        path_parameters={"customerId": customer_id},
        caller="store-backend",
    )
    body = _assert_refused(api_stack.invoke(api_stack.trusted, event), 400, "bad_request")
    assert body["message"].startswith("customerId: invalid flake id")
    assert "int_max_str_digits" not in body["message"]
    assert api_stack.paynow_calls() == []
