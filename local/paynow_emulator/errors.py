"""Error bodies in PayNow's shape: always status, code and message; trace_id; errors[] when relevant."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    code: str
    message: str
    path: str
    validation: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "path": self.path, "validation": self.validation}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "trace_id": secrets.token_hex(16),
        }
        if self.errors:
            body["errors"] = [error.to_dict() for error in self.errors]
        return body


def validation_failed(errors: list[FieldError], status: int = 400) -> ApiError:
    """One error for a list of field errors; the top-level code is shared by all of them or bad-request."""
    codes = {error.code for error in errors}
    code = codes.pop() if len(codes) == 1 else "bad-request"
    message = errors[0].message if len(errors) == 1 else f"{errors[0].message} (and {len(errors) - 1} more)"
    return ApiError(status, code, message, errors)
