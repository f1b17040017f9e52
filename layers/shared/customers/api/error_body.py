"""The JSON body of every error response, and its OpenAPI entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel, Field


class FieldError(BaseModel):
    field: str = Field(description="Where the problem is, e.g. body.minecraft.name")
    message: str


class ErrorBody(BaseModel):
    status: int
    code: str
    message: str
    errors: list[FieldError] | None = None


@dataclass(frozen=True)
class ApiError:
    status: int
    code: str
    message: str
    fields: list[FieldError] = field(default_factory=list)
    retry_after: int | None = None

    @property
    def retryable(self) -> bool:
        return self.status == 429 or self.status >= 500

    def body(self) -> dict[str, Any]:
        return ErrorBody(
            status=self.status, code=self.code, message=self.message, errors=self.fields or None
        ).model_dump(exclude_none=True)

    def response(self) -> Response[Any]:
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else None
        return Response(
            status_code=self.status,
            content_type=content_types.APPLICATION_JSON,
            body=self.body(),
            headers=headers,
        )


def error_response(description: str) -> OpenAPIResponse:
    """An OpenAPI response entry whose body is an ``ErrorBody``."""
    return {"description": description, "content": {"application/json": {"model": ErrorBody}}}


ERROR_RESPONSES: dict[int, OpenAPIResponse] = {
    400: error_response("Malformed request (names the field)"),
    415: error_response("The body is not sent as application/json"),
    422: error_response("Validation failed (names the fields)"),
    429: error_response("PayNow is rate limiting; see Retry-After"),
    502: error_response("PayNow failed"),
    503: error_response("PayNow or Steam unavailable, or the identity is busy; see Retry-After"),
}
