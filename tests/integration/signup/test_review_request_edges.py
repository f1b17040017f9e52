"""Requests a client got wrong are answered as the client's mistake (4xx JSON), not as a 500."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.support.api_stack import ORIGIN, ApiStack
from tests.support.lambda_events import body_of, http_event

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
