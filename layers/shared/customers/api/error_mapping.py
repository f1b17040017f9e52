"""Every exception becomes an ``ApiError`` a client can act on, never a stack trace."""

from __future__ import annotations

import math
from typing import Any

from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFound
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from botocore.exceptions import BotoCoreError, ClientError
from paynow import errors as paynow_errors
from paynow.api_key import ApiKeyError
from pydantic import ValidationError as PydanticValidationError

from customers.api.error_body import ApiError, FieldError
from customers.common import errors


def _loc(loc: Any) -> str:
    return ".".join(str(part) for part in loc) if isinstance(loc, list | tuple) else str(loc)


def _pydantic_fields(raw: list[Any], prefix: tuple[str, ...] = ()) -> list[FieldError]:
    result = []
    for entry in raw:
        message = str(entry.get("msg", "invalid")).removeprefix("Value error, ")
        result.append(FieldError(field=_loc((*prefix, *entry.get("loc", ()))), message=message))
    return result


def _retry_after(seconds: float | None, default: int = 1) -> int:
    return max(1, math.ceil(seconds)) if seconds is not None else default


def to_api_error(error: BaseException) -> ApiError:
    """The response for ``error``. Unknown exceptions become an opaque 500."""
    for translate in (_request_error, _domain_error, _paynow_refusal, _paynow_failure, _service_error):
        api_error = translate(error)
        if api_error is not None:
            return api_error
    return ApiError(500, "internal_error", "internal error")


def _request_error(error: BaseException) -> ApiError | None:
    """The request itself cannot be read or does not validate."""
    match error:
        case RequestUnsupportedContentType():
            return ApiError(
                415, "unsupported_media_type", "send the body as JSON with Content-Type: application/json"
            )
        case UnicodeDecodeError():
            # Only the request body is decoded on this path (a base64 body of non-UTF-8 bytes).
            return ApiError(400, "invalid_json", "the request body is not UTF-8 encoded JSON")
        case RequestValidationError():
            fields = _pydantic_fields(list(error.errors()))
            if any(e.get("type") == "json_invalid" for e in error.errors()):
                return ApiError(400, "invalid_json", "the request body is not valid JSON", fields)
            names = ", ".join(f.field for f in fields)
            return ApiError(422, "validation_error", f"invalid request: {names}", fields)
        case PydanticValidationError():
            fields = _pydantic_fields(list(error.errors(include_url=False, include_input=False)))
            return ApiError(
                422, "validation_error", f"invalid request: {', '.join(f.field for f in fields)}", fields
            )
    return None


def _domain_error(error: BaseException) -> ApiError | None:
    """The domain refused: its errors carry their own code and message."""
    match error:
        case errors.BadRequestError():
            return ApiError(400, error.code, error.message)
        case errors.InvalidSteamAssertionError() | errors.UnauthenticatedError():
            return ApiError(401, error.code, error.message)
        case errors.MinecraftAccountNotFoundError() | errors.CustomerNotFoundError():
            return ApiError(404, error.code, error.message)
        case errors.SteamUnavailableError():
            return ApiError(503, error.code, error.message, retry_after=2)
        case errors.IdentityBusyError():
            return ApiError(503, error.code, error.message, retry_after=1)
    return None


def _paynow_refusal(error: BaseException) -> ApiError | None:
    """PayNow answered and refused the request (checked before the generic ``PayNowError``)."""
    match error:
        case paynow_errors.RateLimitedError():
            return ApiError(
                429,
                "rate_limited",
                "PayNow is rate limiting this store; retry later",
                retry_after=_retry_after(error.retry_after),
            )
        case paynow_errors.ValidationError():
            fields = [
                FieldError(field=d.path or "?", message=d.message or d.code or "invalid")
                for d in error.errors
            ]
            return ApiError(400, "paynow_rejected", f"PayNow rejected the request: {error.message}", fields)
        case paynow_errors.ConflictError():
            return ApiError(409, "conflict", f"PayNow reports a conflict: {error.message}")
        case paynow_errors.NotFoundError():
            return ApiError(404, "not_found", f"PayNow: {error.message}")
    return None


def _paynow_failure(error: BaseException) -> ApiError | None:
    """PayNow could not be used: our credentials, its availability or its answer."""
    match error:
        case paynow_errors.UnauthorizedError():
            return ApiError(502, "upstream_unauthorized", "PayNow refused this service's credentials")
        case paynow_errors.TransportError():
            return ApiError(
                503, "upstream_unavailable", "PayNow did not answer in time; retry later", retry_after=2
            )
        case paynow_errors.PayNowError():
            return ApiError(502, "upstream_error", "PayNow failed to handle the request; retry later")
    return None


def _service_error(error: BaseException) -> ApiError | None:
    """No such route, or this service's own configuration or AWS dependencies failed."""
    match error:
        case RouteNotFound():
            return ApiError(404, "not_found", "no such route")
        case ApiKeyError():
            return ApiError(500, "misconfigured", "the service is misconfigured")
        case BotoCoreError() | ClientError():
            # The state table, Secrets Manager or EventBridge failed us; the request itself was fine.
            return ApiError(
                503,
                "dependency_unavailable",
                "a backing service is unavailable; retry shortly",
                retry_after=1,
            )
    return None
