"""``POST /webhooks/paynow``: no caller key (the signature is the authentication); every failure is
a 4xx PayNow's retry cannot fix or a 503 it can, never a 500."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFound
from aws_lambda_powertools.metrics import MetricUnit

from customers.api.wiring import not_wired
from customers.webhooks.receiver import WebhookReceiver, WebhookUnavailableError
from customers.webhooks.signature import WebhookRefusedError

logger = Logger(child=True)
metrics = Metrics()
router = Router()  # type: ignore[no-untyped-call]
PATH = "/webhooks/paynow"


def webhook_receiver() -> WebhookReceiver:
    """What the route depends on; the function's wiring provides it in ``app.dependency_overrides``."""
    raise not_wired("webhook_receiver", "customers.bootstrap.webhooks.WebhookFunction")


def _count(name: str) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers
    )


def _raw_body(event: Any) -> bytes:
    body = event.body or ""
    if event.is_base64_encoded:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise WebhookRefusedError(400, "malformed_body", "the body is not valid base64") from None
    return body.encode("utf-8", "surrogatepass")


@router.post(PATH, include_in_schema=False)
def receive(receiver: Annotated[WebhookReceiver, Depends(webhook_receiver)]) -> Response[Any]:
    event = router.current_event
    headers = {name.lower(): value for name, value in (event.headers or {}).items()}
    # The request id names this attempt's claim on the event id (a retry is another attempt).
    request_id = str((event.raw_event.get("requestContext") or {}).get("requestId") or "")
    received = receiver.receive(headers, _raw_body(event), owner=request_id or uuid.uuid4().hex)
    _count("WebhookDuplicate" if received.duplicate else "WebhookPublished")
    return _json(200, received.body())


def answer(error: Exception) -> Response[Any]:
    """Every exception: refusals with their 4xx, anything else 503 (PayNow retries; never a 500)."""
    if isinstance(error, WebhookRefusedError):
        _count("WebhookInProgress" if error.status == 409 else "WebhookRefused")
        return _json(error.status, {"status": error.status, "code": error.code, "message": error.message})
    if isinstance(error, RouteNotFound):
        return _json(404, {"status": 404, "code": "not_found", "message": "no such route"})
    if isinstance(error, WebhookUnavailableError):
        logger.error("webhook not accepted; PayNow will retry", extra={"reason": str(error)})
    else:
        logger.exception("webhook failed unexpectedly; PayNow will retry")
    _count("WebhookUnavailable")
    body = {"status": 503, "code": "unavailable", "message": "try again later"}
    return _json(503, body, {"Retry-After": "5"})
