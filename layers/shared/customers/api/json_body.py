"""The resolver's JSON body parser and the JSON-only request validation."""

from __future__ import annotations

import binascii
import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.types import EventHandlerInstance


def parse_json_body(text: str) -> Any:
    """The resolver's body parser: JSON that ``json`` cannot hold (nesting past the recursion
    limit, an integer over 4300 digits) is invalid JSON to the caller, not an internal error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError):
        raise json.JSONDecodeError("nested too deeply or a number too long", text, 0) from None


def is_json_media_type(content_type: str | None) -> bool:
    """``application/json`` in any case, with or without parameters (``; charset=utf-8``)."""
    return (content_type or "").split(";", 1)[0].strip().lower() == "application/json"


class JsonOnlyValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, reading bodies only as JSON.

    Powertools also parses form and multipart bodies (and a body without a Content-Type as JSON);
    this API documents JSON only, so any other media type, or a body with no Content-Type at all, is
    refused with 415 before it is parsed. Overrides ``_get_body`` (Powertools is pinned) because
    validation runs before any router middleware could look at the request.
    """

    def _get_body(self, app: EventHandlerInstance) -> dict[str, Any]:
        event = app.current_event
        content_type = event.headers.get("content-type")
        if (content_type is not None or event.body) and not is_json_media_type(content_type):
            shown = (content_type or "none")[:100]
            raise RequestUnsupportedContentType(
                "Unsupported content type",
                errors=[
                    {
                        "type": "unsupported_content_type",
                        "loc": ("body",),
                        "msg": f"Unsupported content type: {shown}",
                    }
                ],
            )
        try:
            return self._parse_json_data(app)
        except binascii.Error:
            raise RequestValidationError(
                [{"type": "json_invalid", "loc": ("body",), "msg": "the body is not valid base64"}]
            ) from None
