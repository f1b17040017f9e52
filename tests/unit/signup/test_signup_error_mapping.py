"""Each failure maps to a status a client can act on, with a JSON body and no internals."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from customers.api.error_mapping import to_api_error
from customers.common import errors
from paynow import errors as paynow_errors
from paynow.errors import ErrorDetail


@pytest.mark.parametrize(
    ("error", "status", "code", "retry_after"),
    [
        (errors.InvalidSteamAssertionError("nope"), 401, "invalid_steam_assertion", None),
        (errors.UnauthenticatedError("who"), 401, "unauthenticated", None),
        (errors.MinecraftAccountNotFoundError("no such"), 404, "minecraft_account_not_found", None),
        (errors.CustomerNotFoundError("no such"), 404, "customer_not_found", None),
        (errors.BadRequestError("customerId: bad"), 400, "bad_request", None),
        (errors.SteamUnavailableError("down"), 503, "steam_unavailable", 2),
        (errors.IdentityBusyError("busy"), 503, "identity_busy", 1),
        (paynow_errors.RateLimitedError("slow", status=429, retry_after=2.2), 429, "rate_limited", 3),
        (paynow_errors.RateLimitedError("slow", status=429), 429, "rate_limited", 1),
        (paynow_errors.ServerError("boom", status=500), 502, "upstream_error", None),
        (paynow_errors.TransportError("timeout", request_sent=True), 503, "upstream_unavailable", 2),
        (paynow_errors.UnauthorizedError("key", status=401), 502, "upstream_unauthorized", None),
        (paynow_errors.ConflictError("dup", status=409), 409, "conflict", None),
        (RuntimeError("secret detail /var/task/app.py line 3"), 500, "internal_error", None),
        (
            ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "x"}}, "PutItem"
            ),
            503,
            "dependency_unavailable",
            1,
        ),
    ],
)
def test_mapping(error: BaseException, status: int, code: str, retry_after: int | None) -> None:
    api_error = to_api_error(error)
    response = api_error.response()
    assert (api_error.status, api_error.code, api_error.retry_after) == (status, code, retry_after)
    assert response.status_code == status
    assert response.content_type == "application/json"
    assert (response.headers.get("Retry-After") if retry_after else None) == (
        str(retry_after) if retry_after else None
    )
    body = api_error.body()
    json.dumps(body)
    assert body["status"] == status
    assert body["code"] == code
    assert "app.py" not in body["message"]
    assert "Traceback" not in body["message"]


def test_paynow_validation_errors_name_the_fields() -> None:
    error = paynow_errors.ValidationError(
        "invalid",
        status=400,
        errors=(ErrorDetail(code="too_big", message="at most 50 keys", path="metadata", validation=None),),
    )
    api_error = to_api_error(error)
    assert api_error.status == 400
    assert [f.model_dump() for f in api_error.fields] == [{"field": "metadata", "message": "at most 50 keys"}]
