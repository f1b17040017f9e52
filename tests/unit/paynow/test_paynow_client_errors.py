"""Failures become typed errors a caller can branch on, whatever the server (or network) sends."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from paynow.client import PayNowClient
from paynow.errors import (
    ConflictError,
    NotFoundError,
    PayNowError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnauthorizedError,
    UnexpectedResponseError,
    ValidationError,
    outcome_unknown,
)
from paynow.models import CustomerUpsert

from tests.support.scripted_paynow import (
    CUSTOMER_ID,
    ScriptedPayNow,
    customer_json,
    error_response,
    json_response,
)

MakeClient = Callable[..., PayNowClient]


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, ValidationError),
        (422, ValidationError),
        (401, UnauthorizedError),
        (403, UnauthorizedError),
        (404, NotFoundError),
        (409, ConflictError),
        (429, RateLimitedError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (418, PayNowError),
    ],
)
def test_status_maps_to_an_error_class_carrying_the_body(
    make_client: MakeClient, status: int, error_class: type[PayNowError]
) -> None:
    api = ScriptedPayNow(error_response(status, "some-code", "Something happened", trace_id="abc123"))
    with pytest.raises(error_class) as info:
        make_client(api).update_customer(CUSTOMER_ID, CustomerUpsert(name="x"), deadline=None)
    error = info.value
    assert type(error) is error_class
    assert (error.status, error.code, error.message, error.trace_id) == (
        status,
        "some-code",
        "Something happened",
        "abc123",
    )
    assert error.operation == "update_customer"
    assert "Something happened" in str(error)
    assert "trace_id=abc123" in str(error)


def test_validation_errors_list_each_field_with_string_or_list_paths(make_client: MakeClient) -> None:
    body = {
        "status": 400,
        "code": "InvalidInput",
        "message": "Validation failed",
        "errors": [
            {
                "code": "invalid",
                "message": "cannot parse Steam ID",
                "path": "[17].steam_id",
                "validation": "x",
            },
            {"code": "too-long", "message": "too long", "path": ["name"], "validation": "max"},
            {"code": "odd", "message": "no path"},
        ],
    }
    api = ScriptedPayNow(json_response(400, body))
    with pytest.raises(ValidationError) as info:
        make_client(api).create_customer(CustomerUpsert(steam_id="nope"))
    paths = [e.path for e in info.value.errors]
    assert paths == ["[17].steam_id", "name", None]
    assert info.value.errors[0].message == "cannot parse Steam ID"
    assert "[17].steam_id: cannot parse Steam ID" in str(info.value)


def test_empty_error_body_still_says_what_happened(make_client: MakeClient) -> None:
    api = ScriptedPayNow(httpx.Response(502))
    with pytest.raises(ServerError) as info:
        make_client(api).create_customer(CustomerUpsert(name="x"))
    assert info.value.status == 502
    assert info.value.code is None
    assert "HTTP 502 Bad Gateway with an empty body" in str(info.value)


def test_non_json_error_body_is_quoted_briefly(make_client: MakeClient) -> None:
    html = "<html><body><h1>Cloudflare</h1>" + "x" * 5000 + "</body></html>"
    api = ScriptedPayNow(httpx.Response(520, text=html))
    with pytest.raises(ServerError) as info:
        make_client(api).create_customer(CustomerUpsert(name="x"))
    message = str(info.value)
    assert "non-JSON body" in message
    assert "Cloudflare" in message
    assert len(message) < 400


def test_json_error_body_of_another_shape_keeps_status_and_fallback_message(make_client: MakeClient) -> None:
    api = ScriptedPayNow(json_response(409, ["unexpected", "array"]))
    with pytest.raises(ConflictError) as info:
        make_client(api).create_customer(CustomerUpsert(name="x"))
    assert info.value.status == 409
    assert "HTTP 409 Conflict without an error message" in str(info.value)


def test_rate_limit_error_carries_retry_after(make_client: MakeClient) -> None:
    limited = error_response(429, "rate-limited", "Too many requests")
    limited.headers["Retry-After"] = "120"
    api = ScriptedPayNow(limited)
    with pytest.raises(RateLimitedError) as info:
        make_client(api).get_customer(CUSTOMER_ID)  # 120 s does not fit the default budget
    assert info.value.retry_after == 120.0
    assert len(api.requests) == 1


def test_success_with_an_unreadable_body_is_an_unexpected_response(make_client: MakeClient) -> None:
    api = ScriptedPayNow(json_response(200, {"id": CUSTOMER_ID}))
    with pytest.raises(UnexpectedResponseError) as info:
        make_client(api).create_customer(CustomerUpsert(name="x"))
    assert "store_id" in str(info.value)
    # The create was answered, so the caller must reconcile rather than blindly resend.
    assert outcome_unknown(info.value)


def test_unreadable_token_body_does_not_echo_the_token(make_client: MakeClient) -> None:
    api = ScriptedPayNow(json_response(200, {"token": ["secret-token-value"]}))
    with pytest.raises(UnexpectedResponseError) as info:
        make_client(api).create_customer_token(CUSTOMER_ID)
    assert "secret-token-value" not in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_redirects_are_not_followed(make_client: MakeClient) -> None:
    api = ScriptedPayNow(httpx.Response(307, headers={"Location": "https://elsewhere.test/"}))
    with pytest.raises(UnexpectedResponseError) as info:
        make_client(api).create_customer(CustomerUpsert(name="x"))
    assert info.value.status == 307
    assert len(api.requests) == 1


@pytest.mark.parametrize(
    ("exception", "request_sent"),
    [
        (httpx.ConnectError, False),
        (httpx.ConnectTimeout, False),
        (httpx.PoolTimeout, False),
        (httpx.ReadTimeout, True),
        (httpx.WriteTimeout, True),
        (httpx.ReadError, True),
        (httpx.WriteError, True),
        (httpx.RemoteProtocolError, True),
    ],
)
def test_network_failures_become_transport_errors_saying_whether_the_request_left(
    make_client: MakeClient, exception: type[Exception], request_sent: bool
) -> None:
    api = ScriptedPayNow(exception, json_response(200, customer_json()))
    client = make_client(api)
    if request_sent:
        with pytest.raises(TransportError) as info:
            client.create_customer(CustomerUpsert(name="x"))
        assert info.value.request_sent is True
        assert info.value.status is None
        assert outcome_unknown(info.value)
        assert exception.__name__ in str(info.value)
        assert isinstance(info.value.__cause__, exception)
        assert len(api.requests) == 1
    else:
        # Provably never sent: retried, and the create succeeds on the second try.
        assert client.create_customer(CustomerUpsert(name="x")).id == CUSTOMER_ID
        assert len(api.requests) == 2


def test_outcome_unknown_only_for_failures_that_may_have_written() -> None:
    assert outcome_unknown(ServerError("x", status=500))
    assert outcome_unknown(TransportError("x", request_sent=True))
    assert not outcome_unknown(TransportError("x", request_sent=False))
    assert not outcome_unknown(ConflictError("x", status=409))
    assert not outcome_unknown(RateLimitedError("x", status=429))
