"""Trusted operations behind the caller-key authorizer, over HTTP and by direct Lambda invoke."""

from __future__ import annotations

from devstack_e2e import Stack


def test_trusted_routes_refuse_missing_and_wrong_keys_before_any_paynow_call(stack: Stack) -> None:
    before = len(stack.paynow_requests())
    body = {"identifier": {"steam_id": "76561197960500001"}}
    missing = stack.api("POST", "/customers/resolve", body=body)
    wrong = stack.api("POST", "/customers/resolve", body=body, key="not-the-key")
    mint = stack.api("POST", "/customers/629428931539243008/tokens", key="not-the-key")
    revoke = stack.api("DELETE", "/customers/629428931539243008/tokens")
    assert (missing.status_code, missing.json()) == (401, {"message": "Unauthorized"})
    assert (wrong.status_code, wrong.json()) == (403, {"message": "Forbidden"})
    assert mint.status_code == 403
    assert revoke.status_code == 401
    assert len(stack.paynow_requests()) == before


def test_resolve_mint_and_invalidate_tokens(stack: Stack) -> None:
    key = stack.caller_key
    resolved = stack.api(
        "POST",
        "/customers/resolve",
        body={"identifier": {"steam_id": "76561197960500002"}, "name": "Trusted Tester", "token": True},
        key=key,
    )
    assert resolved.status_code == 200, resolved.text
    customer = resolved.json()["customer"]
    assert resolved.json()["created"] is True
    assert customer["name"] == "Trusted Tester"
    first_token = resolved.json()["token"]

    minted = stack.api("POST", f"/customers/{customer['id']}/tokens", key=key)
    assert minted.status_code == 200, minted.text
    second_token = minted.json()["token"]
    assert stack.storefront_status(first_token)[0] == 200
    assert stack.storefront_status(second_token)[0] == 200

    revoked = stack.api("DELETE", f"/customers/{customer['id']}/tokens", key=key)
    assert revoked.status_code == 204
    assert stack.storefront_status(first_token)[0] == 401
    assert stack.storefront_status(second_token)[0] == 401

    found = stack.api(
        "POST", "/customers/resolve", body={"identifier": {"steam_id": "76561197960500002"}}, key=key
    )
    assert found.json()["created"] is False
    assert found.json()["customer"]["id"] == customer["id"]


def test_unknown_customer_is_404(stack: Stack) -> None:
    response = stack.api("POST", "/customers/629428931539243008/tokens", key=stack.caller_key)
    assert response.status_code == 404


def test_direct_invoke_without_api_gateway(stack: Stack) -> None:
    response, result = stack.invoke(
        "TrustedFunction",
        {"action": "resolve", "identifier": {"minecraft_java_name": "Notch"}, "token": True},
    )
    assert "FunctionError" not in response, result
    customer_id = result["customer"]["id"]
    assert stack.storefront_status(result["token"])[0] == 200
    response, minted = stack.invoke("TrustedFunction", {"action": "create_token", "customer_id": customer_id})
    assert "FunctionError" not in response, minted
    response, _ = stack.invoke("TrustedFunction", {"action": "invalidate_tokens", "customer_id": customer_id})
    assert "FunctionError" not in response
    assert stack.storefront_status(minted["token"])[0] == 401
