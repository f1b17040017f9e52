"""The anonymous boundary of POST /signup: what an attacker on the internet can and cannot get.

Each test names the finding of issue 9 it protects against."""

from __future__ import annotations

import io
import json
import logging
import uuid
from types import ModuleType
from typing import Any

import pytest

from tests.support.api_stack import JAVA_ACCOUNTS, ORIGIN, ApiStack, wire
from tests.support.emulator_clients import Api, make_client
from tests.support.lambda_events import (
    FakeLambdaContext,
    authorizer_event,
    body_of,
    http_event,
    load_function,
)

STEAM_ID = "76561198012345678"
NOTCH = {"minecraft": {"name": "Notch", "edition": "java"}}


def post(
    module: ModuleType,
    body: Any = None,
    *,
    source_ip: str = "203.0.113.7",
    headers: dict[str, str] | None = None,
    raw_body: str | None = None,
    base64_body: bool = False,
) -> dict[str, Any]:
    event = http_event(
        "POST",
        "/signup",
        body=body,
        raw_body=raw_body,
        base64_body=base64_body,
        headers={"origin": ORIGIN, **(headers or {})},
    )
    event["requestContext"]["http"]["sourceIp"] = source_ip
    result: dict[str, Any] = module.lambda_handler(event, FakeLambdaContext())
    return result


def signup_function(api_stack: ApiStack, monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    """A new sandbox of the signup function with ``env`` set, wired like the fixture's."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    module = load_function("signup")
    wire(module, api_stack.emulator, api_stack.steam)
    return module


def logged_function(
    api_stack: ApiStack, monkeypatch: pytest.MonkeyPatch, name: str, **env: str
) -> tuple[ModuleType, io.StringIO]:
    """A new sandbox of function ``name`` logging every event into the returned buffer."""
    service = f"boundary-{name}-{uuid.uuid4().hex[:8]}"  # a fresh Powertools logger and handler
    for key, value in {
        **env,
        "POWERTOOLS_SERVICE_NAME": service,
        "POWERTOOLS_LOGGER_LOG_EVENT": "true",
    }.items():
        monkeypatch.setenv(key, value)
    module = load_function(name)
    wire(module, api_stack.emulator, api_stack.steam)
    (handler,) = logging.getLogger(service).handlers
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    handler.setStream(buffer)
    return module, buffer


def paynow(api_stack: ApiStack) -> Api:
    emulator = api_stack.emulator
    return Api(emulator, make_client(emulator, "transport"), "transport")


def operations(api_stack: ApiStack) -> list[str | None]:
    return [r.operation for r in api_stack.paynow_calls()]


# -- 1. unverified Minecraft signup handing out other identities' customers -------------------------


def test_minecraft_name_of_a_steam_linked_customer_is_409_and_mints_nothing(api_stack: ApiStack) -> None:
    # What a CSV row "steam_id,uuid,name" (or an update-mode import) creates.
    linked = paynow(api_stack).create(
        steam_id=STEAM_ID,
        minecraft_uuid=JAVA_ACCOUNTS["Notch"],
        name="Notch",
        metadata={"email": "notch@example.com", "crm_id": "C-17"},
    )
    api_stack.emulator.inspect.clear_requests()

    response = post(api_stack.signup, NOTCH)

    assert response["statusCode"] == 409
    body = body_of(response)
    assert body["code"] == "verified_sign_in_required"
    assert "sign in" in body["message"]
    text = response["body"]
    for leaked in (linked["id"], STEAM_ID, "notch@example.com", "C-17", "token"):
        assert leaked not in text
    assert "create_token" not in operations(api_stack)


def test_minecraft_only_customer_gets_a_minimal_view_without_metadata(api_stack: ApiStack) -> None:
    paynow(api_stack).create(
        minecraft_uuid=JAVA_ACCOUNTS["Notch"], name="Notch", metadata={"email": "notch@example.com"}
    )
    response = post(api_stack.signup, NOTCH)
    assert response["statusCode"] == 200
    body = body_of(response)
    assert body["created"] is False
    assert set(body) == {"customer", "platform", "created", "token"}
    assert set(body["customer"]) == {"id", "display_name"}
    assert "notch@example.com" not in response["body"]
    assert JAVA_ACCOUNTS["Notch"] not in response["body"]


def test_minecraft_signup_new_only_creates_but_never_signs_into_an_existing_customer(
    api_stack: ApiStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = signup_function(api_stack, monkeypatch, MINECRAFT_SIGNUP="new-only")
    first = post(module, NOTCH)
    assert first["statusCode"] == 200
    assert body_of(first)["created"] is True
    api_stack.emulator.inspect.clear_requests()

    again = post(module, NOTCH)
    assert again["statusCode"] == 409
    assert body_of(again)["code"] == "verified_sign_in_required"
    assert "create_token" not in operations(api_stack)


def test_minecraft_signup_disabled_refuses_names_before_any_paynow_call(
    api_stack: ApiStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = signup_function(api_stack, monkeypatch, MINECRAFT_SIGNUP="disabled")
    api_stack.emulator.inspect.clear_requests()
    response = post(module, NOTCH)
    assert response["statusCode"] == 403
    assert body_of(response)["code"] == "signup_method_disabled"
    assert operations(api_stack) == []
    assert api_stack.emulator.inspect.count() == 0


# -- 4. per-client limit ------------------------------------------------------------------------------


def test_one_client_is_limited_while_another_still_signs_up(
    api_stack: ApiStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = signup_function(
        api_stack, monkeypatch, SIGNUP_CLIENT_LIMIT="2", SIGNUP_CLIENT_WINDOW_SECONDS="60"
    )
    attacker, visitor = "198.51.100.9", "192.0.2.44"
    assert [post(module, NOTCH, source_ip=attacker)["statusCode"] for _ in range(2)] == [200, 200]
    api_stack.emulator.inspect.clear_requests()

    limited = post(module, NOTCH, source_ip=attacker)
    assert limited["statusCode"] == 429
    assert body_of(limited)["code"] == "too_many_requests"
    assert 1 <= int(limited["headers"]["Retry-After"]) <= 60
    assert operations(api_stack) == []  # a limited request costs the shared PayNow quota nothing

    assert post(module, NOTCH, source_ip=visitor)["statusCode"] == 200


def test_ipv6_clients_are_limited_per_64_block(api_stack: ApiStack, monkeypatch: pytest.MonkeyPatch) -> None:
    module = signup_function(api_stack, monkeypatch, SIGNUP_CLIENT_LIMIT="1")
    assert post(module, NOTCH, source_ip="2001:db8:1:2::1")["statusCode"] == 200
    # Rotating addresses inside one /64 (what every IPv6 subscriber can do) does not escape it.
    assert post(module, NOTCH, source_ip="2001:db8:1:2:ffff::9")["statusCode"] == 429
    assert post(module, NOTCH, source_ip="2001:db8:1:3::1")["statusCode"] == 200


# -- 5. content types -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "raw"),
    [
        ("application/x-www-form-urlencoded", "minecraft=Notch"),
        (
            "multipart/form-data; boundary=xyz",
            '--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--xyz--',
        ),
        ("multipart/form-data", "--x\r\n\r\n--x--"),
        (
            "multipart/form-data; boundary=b",
            '--b\r\nContent-Disposition: form-data; name="ä€"\r\n\r\n€\r\n--b--',
        ),
        ("text/plain", json.dumps(NOTCH)),
        ("application/jsonx", json.dumps(NOTCH)),
        (None, json.dumps(NOTCH)),
    ],
)
def test_anything_but_json_is_415_with_the_json_error_body(
    api_stack: ApiStack, content_type: str | None, raw: str
) -> None:
    event = http_event("POST", "/signup", raw_body=raw, headers={"origin": ORIGIN})
    if content_type is None:
        del event["headers"]["content-type"]
    else:
        event["headers"]["content-type"] = content_type
    response = api_stack.signup.lambda_handler(event, FakeLambdaContext())
    assert response["statusCode"] == 415
    assert body_of(response)["code"] == "unsupported_media_type"
    assert response["headers"]["Content-Type"] == "application/json"
    assert api_stack.paynow_calls() == []


@pytest.mark.parametrize(
    "content_type", ["APPLICATION/JSON", "application/json; charset=UTF-8", "Application/Json;charset=utf-8"]
)
def test_json_is_parsed_in_any_case_and_with_parameters(api_stack: ApiStack, content_type: str) -> None:
    response = post(api_stack.signup, raw_body=json.dumps(NOTCH), headers={"content-type": content_type})
    assert response["statusCode"] == 200, response


def test_a_missing_body_is_a_validation_error(api_stack: ApiStack) -> None:
    event = http_event("POST", "/signup", headers={"origin": ORIGIN})
    response = api_stack.signup.lambda_handler(event, FakeLambdaContext())
    assert response["statusCode"] == 422
    assert body_of(response)["code"] == "validation_error"


def test_a_body_that_is_not_base64_is_400(api_stack: ApiStack) -> None:
    response = post(api_stack.signup, raw_body="%%%not base64", base64_body=True)
    assert response["statusCode"] == 400
    assert body_of(response)["code"] == "invalid_json"


# -- 3. anyone could crash any function through the log filter ------------------------------------------


def test_a_field_named_like_an_api_key_is_a_422_not_a_crash(api_stack: ApiStack) -> None:
    response = post(api_stack.signup, {"pnapi_x": "y", "minecraft": NOTCH["minecraft"]})
    assert response["statusCode"] == 422
    assert body_of(response)["code"] == "validation_error"


def test_event_logging_with_an_api_key_lookalike_in_the_body_does_not_crash(
    api_stack: ApiStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, log = logged_function(api_stack, monkeypatch, "signup")
    response = post(module, {"pnapi_v1_secretvalue": "pnapi_v1_0123456789", "minecraft": NOTCH["minecraft"]})
    assert response["statusCode"] == 422
    out = log.getvalue()
    assert '"rawPath":"/signup"' in out.replace(" ", "")  # the event was logged
    assert "v1_0123456789" not in out
    assert "v1_secretvalue" not in out


@pytest.mark.parametrize("scheme", ["", "Bearer ", "Basic ", "bearer  "])
def test_a_cold_authorizer_logging_its_event_never_shows_the_caller_key(
    api_stack: ApiStack, monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    authorizer, log = logged_function(api_stack, monkeypatch, "authorizer")
    key = "unregistered-caller-key-0123456789abcdef"  # never loaded, so only the filter's rules mask it
    decision = authorizer.lambda_handler(authorizer_event(f"{scheme}{key}"), FakeLambdaContext())
    assert decision == {"isAuthorized": False}
    out = log.getvalue()
    assert "identitySource" in out  # the event was logged
    assert key not in out
