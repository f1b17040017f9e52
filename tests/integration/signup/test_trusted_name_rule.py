"""The ``name`` namespace of trusted resolve cannot be confused with platform identities, and
metadata sent with a resolve is never silently dropped (issue 9, finding 2: name squatting)."""

from __future__ import annotations

from typing import Any

from tests.support.api_stack import ApiStack
from tests.support.lambda_events import FakeLambdaContext, body_of, http_event


def resolve(api_stack: ApiStack, body: dict[str, Any]) -> dict[str, Any]:
    event = http_event("POST", "/customers/resolve", body=body, caller="store-backend")
    result: dict[str, Any] = api_stack.trusted.lambda_handler(event, FakeLambdaContext())
    return result


def direct(api_stack: ApiStack, payload: dict[str, Any]) -> Any:
    return api_stack.trusted.lambda_handler(payload, FakeLambdaContext())


def test_a_name_squatted_by_a_minecraft_signup_is_refused_not_resolved(api_stack: ApiStack) -> None:
    # Anyone can sign up the Minecraft account "Notch": its customer is named "Notch".
    squat = api_stack.signup.lambda_handler(
        http_event("POST", "/signup", body={"minecraft": {"name": "Notch", "edition": "java"}}),
        FakeLambdaContext(),
    )
    assert squat["statusCode"] == 200
    api_stack.emulator.inspect.clear_requests()

    # The store's backend resolves its own account named "Notch".
    response = resolve(
        api_stack, {"identifier": {"name": "Notch"}, "metadata": {"crm_id": "C-1"}, "token": True}
    )

    assert response["statusCode"] == 409
    body = body_of(response)
    assert body["code"] == "name_belongs_to_platform_customer"
    assert "minecraft_uuid" in body["message"]
    assert [r.operation for r in api_stack.paynow_calls()] == ["lookup"]  # no token minted

    refused = direct(api_stack, {"action": "resolve", "identifier": {"name": "Notch"}, "token": True})
    assert refused["error"]["code"] == "name_belongs_to_platform_customer"


def test_a_name_only_customer_resolves_by_name(api_stack: ApiStack) -> None:
    created = body_of(resolve(api_stack, {"identifier": {"name": "Store Account 7"}}))
    assert created["created"] is True
    found = body_of(resolve(api_stack, {"identifier": {"name": "Store Account 7"}}))
    assert found["created"] is False
    assert found["customer"]["id"] == created["customer"]["id"]
    assert found["not_applied"] == []


def test_metadata_and_name_for_an_existing_customer_are_reported_not_applied(api_stack: ApiStack) -> None:
    body = {"identifier": {"steam_id": "76561198012345678"}, "name": "Gabe", "metadata": {"tier": "gold"}}
    first = body_of(resolve(api_stack, body))
    assert first["created"] is True
    assert first["not_applied"] == []
    assert first["customer"]["metadata"] == {"tier": "gold"}

    again = body_of(resolve(api_stack, {**body, "metadata": {"tier": "platinum"}}))
    assert again["created"] is False
    assert again["not_applied"] == ["name", "metadata"]
    assert again["customer"]["metadata"] == {"tier": "gold"}

    by_invoke = direct(api_stack, {"action": "resolve", **body})
    assert by_invoke["not_applied"] == ["name", "metadata"]
