"""Import outcome events ("Import Completed" / "Import Failed") on the EventBridge bus."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from customers.adapters.eventbridge import SOURCE

if TYPE_CHECKING:
    from mypy_boto3_events.client import EventBridgeClient


class ImportEventPublisher:
    def __init__(self, client: EventBridgeClient, bus_name: str) -> None:
        self._client = client
        self._bus = bus_name

    def publish(self, detail_type: str, detail: Mapping[str, Any]) -> None:
        """Raises when the event was not accepted, so the invocation fails and the outcome is republished."""
        result = self._client.put_events(
            Entries=[
                {
                    "Source": SOURCE,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail),
                    "EventBusName": self._bus,
                }
            ]
        )
        if result.get("FailedEntryCount"):
            failure = result["Entries"][0]
            raise RuntimeError(
                f"{detail_type} event rejected: {failure.get('ErrorCode')} {failure.get('ErrorMessage')}"
            )
