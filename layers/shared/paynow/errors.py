"""Typed PayNow errors: one base carrying everything PayNow sends, subclasses to branch on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One entry of ``errors[]``. ``path`` is a string in the spec and a list in older docs."""

    code: str | None
    message: str | None
    path: str | None
    validation: str | None

    @classmethod
    def from_json(cls, raw: Any) -> ErrorDetail:
        if not isinstance(raw, dict):
            return cls(code=None, message=str(raw), path=None, validation=None)
        path = raw.get("path")
        if isinstance(path, list):
            path = ".".join(str(part) for part in path)
        return cls(
            code=_str_or_none(raw.get("code")),
            message=_str_or_none(raw.get("message")),
            path=_str_or_none(path),
            validation=_str_or_none(raw.get("validation")),
        )


class PayNowError(Exception):
    """Any failure talking to PayNow.

    ``status`` is ``None`` when no HTTP response was received (see ``TransportError``).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        trace_id: str | None = None,
        errors: tuple[ErrorDetail, ...] = (),
        operation: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.trace_id = trace_id
        self.errors = errors
        self.operation = operation

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"status={self.status}")
        if self.code:
            parts.append(f"code={self.code}")
        if self.operation:
            parts.append(f"operation={self.operation}")
        if self.trace_id:
            parts.append(f"trace_id={self.trace_id}")
        if self.errors:
            parts.append(
                "errors=" + "; ".join(f"{e.path or '?'}: {e.message or e.code or '?'}" for e in self.errors)
            )
        return " ".join(parts)


class ValidationError(PayNowError):
    """400 / 422: the request was refused as invalid. ``errors`` names the offending fields."""


class UnauthorizedError(PayNowError):
    """401 / 403: the API key is missing, malformed, unknown or lacks permission."""


class NotFoundError(PayNowError):
    """404 (except on lookup, where a miss is a normal ``None`` result)."""


class ConflictError(PayNowError):
    """409: an identifier is already used by another customer of the store."""


class RateLimitedError(PayNowError):
    """429. ``retry_after`` is the server's requested delay in seconds, if it sent one."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(PayNowError):
    """5xx. On a non-idempotent call the write may or may not have happened."""


class TransportError(PayNowError):
    """No usable HTTP response: connect failure, timeout, dropped connection.

    ``request_sent`` is False only when the request provably never reached the server
    (connection refused / DNS / connect timeout); then a retry cannot create a duplicate.
    """

    def __init__(self, message: str, *, request_sent: bool, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.request_sent = request_sent


class UnexpectedResponseError(PayNowError):
    """A status or body the API does not define (e.g. a 2xx whose body is not the documented DTO).

    The server did answer, so a write may well have been applied: treat the outcome as unknown.
    """


def outcome_unknown(error: PayNowError) -> bool:
    """True when a write may have been applied although the call failed (5xx, timeout, drop, garbage)."""
    if isinstance(error, TransportError):
        return error.request_sent
    return isinstance(error, ServerError | UnexpectedResponseError)


def _str_or_none(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)
