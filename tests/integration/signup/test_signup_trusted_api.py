"""Trusted routes behind the caller-key authorizer, and the same operations by direct invocation."""

from __future__ import annotations

from typing import Any

import boto3
import httpx
import pytest
from paynow_emulator import Faults

from tests.support.api_stack import CALLERS, CALLERS_SECRET, JAVA_ACCOUNTS, REGION, ApiStack
from tests.support.lambda_events import FakeLambdaContext, authorizer_event, body_of, http_event

TOKENS_ROUTE = "/customers/{customerId}/tokens"


def gateway(
    api_stack: ApiStack, method: str, path: str, *, authorization: str | None, body: Any = None
) -> dict[str, Any]:
    """What API Gateway does for a route with CallerKeyAuthorizer: no identity source → 401,
    authorizer says no → 403, otherwise the route with the authorizer's context."""
    if not authorization:
        return {"statusCode": 401, "body": '{"message":"Unauthorized"}'}
    route = TOKENS_ROUTE if path.endswith("/tokens") else path
    decision = api_stack.invoke(
        api_stack.authorizer, authorizer_event(authorization, route_key=f"{method} {route}", path=path)
    )
    if not decision["isAuthorized"]:
        return {"statusCode": 403, "body": '{"message":"Forbidden"}'}
    params = {"customerId": path.split("/")[2]} if route == TOKENS_ROUTE else None
    event = http_event(
        method, path, route=route, body=body, path_parameters=params, caller=decision["context"]["caller"]
    )
    result: dict[str, Any] = api_stack.invoke(api_stack.trusted, event)
    return result


def bearer(caller: str = "store-backend") -> str:
    return f"Bearer {CALLERS[caller]}"


def storefront_status(api_stack: ApiStack, token: str) -> int:
    with httpx.Client(transport=api_stack.emulator.transport(), base_url="https://api.paynow.test") as client:
        return client.get("/v1/store/customer", headers={"Authorization": f"Customer {token}"}).status_code


IDENTIFIERS = {
    "steam_id": "76561198012345678",
    "minecraft_uuid": JAVA_ACCOUNTS["jeb_"],
    "xbox_xuid": "2535405290123456",
    "minecraft_java_name": "Notch",
    "minecraft_bedrock_name": "Steve Bedrock",
    "name": "Alice",
}


@pytest.mark.parametrize("kind", sorted(IDENTIFIERS))
def test_resolve_creates_once_then_finds(api_stack: ApiStack, kind: str) -> None:
    body: dict[str, Any] = {"identifier": {kind: IDENTIFIERS[kind]}, "metadata": {"source": "backend"}}
    first = gateway(api_stack, "POST", "/customers/resolve", authorization=bearer(), body=body)
    assert first["statusCode"] == 200, first
    created = body_of(first)
    assert created["created"] is True
    assert created["token"] is None
    assert created["customer"]["metadata"] == {"source": "backend"}
    assert [r.operation for r in api_stack.paynow_calls()] == ["lookup", "create"]

    api_stack.emulator.inspect.clear_requests()
    again = body_of(
        gateway(
            api_stack,
            "POST",
            "/customers/resolve",
            authorization=bearer("automation"),
            body={**body, "token": True},
        )
    )
    assert (again["created"], again["customer"]["id"]) == (False, created["customer"]["id"])
    assert [r.operation for r in api_stack.paynow_calls()] == ["lookup", "create_token"]
    assert storefront_status(api_stack, again["token"]) == 200
    assert len(api_stack.published_events()) == 1


def test_resolve_names_a_new_customer(api_stack: ApiStack) -> None:
    body = {"identifier": {"steam_id": IDENTIFIERS["steam_id"]}, "name": "Gabe", "token": True}
    result = body_of(gateway(api_stack, "POST", "/customers/resolve", authorization=bearer(), body=body))
    assert result["customer"]["name"] == "Gabe"
    assert result["token"]


def test_tokens_can_be_minted_and_revoked(api_stack: ApiStack) -> None:
    customer = body_of(
        gateway(
            api_stack,
            "POST",
            "/customers/resolve",
            authorization=bearer(),
            body={"identifier": {"name": "Bob"}},
        )
    )["customer"]
    path = f"/customers/{customer['id']}/tokens"
    first = gateway(api_stack, "POST", path, authorization=bearer())
    second = gateway(api_stack, "POST", path, authorization=bearer())
    assert first["statusCode"] == second["statusCode"] == 200
    tokens = [body_of(first)["token"], body_of(second)["token"]]
    assert [storefront_status(api_stack, t) for t in tokens] == [200, 200]

    revoked = gateway(api_stack, "DELETE", path, authorization=bearer())
    assert revoked["statusCode"] == 204
    assert not revoked.get("body")
    assert [storefront_status(api_stack, t) for t in tokens] == [401, 401]


def test_unknown_customer_is_404_and_a_malformed_id_is_400_without_paynow(api_stack: ApiStack) -> None:
    missing = gateway(api_stack, "POST", "/customers/429000000000000001/tokens", authorization=bearer())
    assert missing["statusCode"] == 404
    assert body_of(missing)["code"] == "customer_not_found"
    api_stack.emulator.inspect.clear_requests()
    for bad in ("abc", "-1", "99999999999999999999999"):
        response = gateway(api_stack, "DELETE", f"/customers/{bad}/tokens", authorization=bearer())
        assert response["statusCode"] == 400, bad
        assert body_of(response)["message"].startswith("customerId: ")
    assert api_stack.paynow_calls() == []


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (None, 401),
        ("Bearer wrong-key-wrong-key-wrong-key", 403),
        (f"Basic {CALLERS['store-backend']}", 403),
        (CALLERS["store-backend"], 403),
        (f"Bearer {CALLERS['store-backend']}x", 403),
    ],
)
def test_unauthenticated_calls_never_reach_paynow(
    api_stack: ApiStack, authorization: str | None, status: int
) -> None:
    for method, path, body in (
        ("POST", "/customers/resolve", {"identifier": {"name": "Eve"}, "token": True}),
        ("POST", "/customers/429000000000000001/tokens", None),
        ("DELETE", "/customers/429000000000000001/tokens", None),
    ):
        assert (
            gateway(api_stack, method, path, authorization=authorization, body=body)["statusCode"] == status
        )
    assert api_stack.paynow_calls() == []


def test_the_route_itself_refuses_a_request_without_authorizer_context(api_stack: ApiStack) -> None:
    event = http_event("POST", "/customers/resolve", body={"identifier": {"name": "Eve"}})
    response = api_stack.invoke(api_stack.trusted, event)
    assert response["statusCode"] == 401
    assert api_stack.paynow_calls() == []


def test_authorizer_fails_loudly_when_its_secret_is_unreadable(api_stack: ApiStack) -> None:
    from aws_lambda_powertools.utilities import parameters

    boto3.client("secretsmanager", region_name=REGION).delete_secret(
        SecretId=CALLERS_SECRET, ForceDeleteWithoutRecovery=True
    )
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    with pytest.raises(parameters.exceptions.GetParameterError):
        api_stack.invoke(api_stack.authorizer, authorizer_event(bearer()))


def test_direct_invocation(api_stack: ApiStack) -> None:
    resolved = api_stack.invoke(
        api_stack.trusted,
        {
            "action": "resolve",
            "identifier": {"steam_id": 76561198012345678},
            "metadata": {"crm": "42"},
            "token": True,
        },
    )
    assert resolved["created"] is True
    assert resolved["customer"]["metadata"] == {"crm": "42"}
    customer_id = resolved["customer"]["id"]
    token = api_stack.invoke(api_stack.trusted, {"action": "create_token", "customer_id": customer_id})[
        "token"
    ]
    assert storefront_status(api_stack, token) == 200
    assert api_stack.invoke(
        api_stack.trusted, {"action": "invalidate_tokens", "customer_id": customer_id}
    ) == {
        "customer_id": customer_id,
        "invalidated": True,
    }
    assert storefront_status(api_stack, token) == storefront_status(api_stack, resolved["token"]) == 401
    assert [e["detail"]["via"] for e in api_stack.published_events()] == ["trusted"]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"action": "explode"}, 422, "validation_error"),
        # Looks like an HTTP API event but is not one: a clear error, not a crash in the resolver.
        ({"version": "2.0", "requestContext": {}}, 422, "validation_error"),
        ({"action": "create_token", "customer_id": "x1"}, 422, "validation_error"),
        ({"action": "create_token", "customer_id": "429000000000000001"}, 404, "customer_not_found"),
        (
            {"action": "resolve", "identifier": {"minecraft_java_name": "Nobody_Here"}},
            404,
            "minecraft_account_not_found",
        ),
    ],
)
def test_direct_invocation_errors_are_returned(
    api_stack: ApiStack, payload: dict[str, Any], status: int, code: str
) -> None:
    result = api_stack.invoke(api_stack.trusted, payload)
    assert result["error"]["status"] == status
    assert result["error"]["code"] == code


def test_direct_invocation_raises_retryable_failures(api_stack: ApiStack) -> None:
    api_stack.emulator.faults = Faults(error_rate=1.0)
    context = FakeLambdaContext(timeout_s=2.5)
    with pytest.raises(Exception, match="upstream_error") as caught:
        api_stack.trusted.lambda_handler({"action": "resolve", "identifier": {"name": "Zed"}}, context)
    assert type(caught.value).__name__ == "RetryableError"
