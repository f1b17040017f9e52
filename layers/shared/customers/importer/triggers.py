"""Which object to import, from any of the event shapes the import function accepts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event, S3EventBridgeNotificationEvent
from pydantic import BaseModel, ValidationError

from customers.importer.model.request import ImportRequest

# ImportRequest lives in model/ so the service need not import Powertools; kept importable from here.
__all__ = ["Continuation", "ImportRequest", "UnsupportedEventError", "parse_event"]


class Continuation(BaseModel):
    continuation: ImportRequest


class UnsupportedEventError(ValueError):
    """The payload is none of the accepted shapes."""


def parse_event(event: Mapping[str, Any]) -> list[ImportRequest]:
    """S3 notification (one request per record), EventBridge "Object Created", continuation, or direct."""
    if "Records" in event:
        requests = []
        for record in S3Event(dict(event)).records:
            if not record.event_name.startswith("ObjectCreated"):
                continue
            requests.append(
                ImportRequest(
                    bucket=record.s3.bucket.name,
                    # S3 notifications URL-encode keys (a space arrives as '+').
                    key=unquote_plus(record.s3.get_object.key),
                    version_id=record.s3.get_object.version_id,
                )
            )
        return requests
    if event.get("source") == "aws.s3" and "detail" in event:
        notification = S3EventBridgeNotificationEvent(dict(event))
        if notification.detail_type != "Object Created":
            return []
        detail = notification.detail
        return [
            ImportRequest(
                bucket=detail.bucket.name, key=detail.object.key, version_id=detail.object.get("version-id")
            )
        ]
    try:
        if "continuation" in event:
            return [Continuation.model_validate(event).continuation]
        return [ImportRequest.model_validate(event)]
    except ValidationError as exc:
        raise UnsupportedEventError(
            'expected an S3 notification, an EventBridge "Object Created" event, '
            f'or {{"bucket": ..., "key": ...}}: {exc.errors(include_url=False)}'
        ) from exc
