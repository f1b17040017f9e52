"""Verified PayNow events onto the stack's EventBridge bus: source ``paynow.webhooks``, detail-type
the event type, detail the envelope ``{event_type, event_id, timestamp, body}``.

An entry over EventBridge's 256 KB limit is published as a reference instead: the raw body goes to
S3 and the detail carries ``body_ref`` ``{bucket, key, bytes, sha256}`` in place of ``body``.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_events.client import EventBridgeClient
    from mypy_boto3_s3.client import S3Client

SOURCE = "paynow.webhooks"
# EventBridge counts Source, DetailType, Detail, Resources and 14 bytes for Time against 256 KiB.
MAX_ENTRY_BYTES = 256 * 1024
_TIME_BYTES = 14


class PublishError(RuntimeError):
    """EventBridge did not take the entry."""


def entry_size(detail_type: str, detail: str) -> int:
    return _TIME_BYTES + len(SOURCE.encode()) + len(detail_type.encode()) + len(detail.encode())


class EventBridgeWebhookBus:
    def __init__(
        self,
        bus_name: str,
        events: EventBridgeClient,
        s3: S3Client,
        *,
        bucket: str,
        prefix: str = "webhooks/",
        max_entry_bytes: int = MAX_ENTRY_BYTES,
    ) -> None:
        self._bus = bus_name
        self._events = events
        self._s3 = s3
        self._bucket = bucket
        self._prefix = prefix
        self._max = max_entry_bytes

    def publish(self, envelope: dict[str, Any], raw_body: bytes) -> None:
        detail_type = str(envelope["event_type"])
        detail = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)
        if entry_size(detail_type, detail) > self._max:
            detail = json.dumps(self._by_reference(envelope, raw_body), separators=(",", ":"))
        result = self._events.put_events(
            Entries=[
                {"Source": SOURCE, "DetailType": detail_type, "Detail": detail, "EventBusName": self._bus}
            ]
        )
        if result.get("FailedEntryCount"):
            failure = result["Entries"][0]
            raise PublishError(f"{failure.get('ErrorCode')}: {failure.get('ErrorMessage')}")

    def _by_reference(self, envelope: dict[str, Any], raw_body: bytes) -> dict[str, Any]:
        key = f"{self._prefix}{envelope['event_id']}.json"
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=raw_body, ContentType="application/json")
        reference = {
            "bucket": self._bucket,
            "key": key,
            "bytes": len(raw_body),
            "sha256": hashlib.sha256(raw_body).hexdigest(),
        }
        kept = {k: envelope[k] for k in ("event_type", "event_id", "timestamp") if k in envelope}
        return kept | {"body_ref": reference}
