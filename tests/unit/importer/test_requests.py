import json
from pathlib import Path
from typing import Any

import pytest
from customers.importer.triggers import ImportRequest, UnsupportedEventError, parse_event

EVENTS = Path(__file__).resolve().parents[3] / "events" / "importer"


def _event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return event


def test_s3_notification_key_is_url_decoded() -> None:
    assert parse_event(_event("s3-put.json")) == [
        ImportRequest(
            bucket="paynow-import-123456789012-us-east-1-1a2b3c4d",
            key="incoming/customers 2026.csv",
            version_id="3sL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY",
        )
    ]


def test_eventbridge_object_created() -> None:
    assert parse_event(_event("eventbridge-object-created.json")) == [
        ImportRequest(
            bucket="paynow-import-123456789012-us-east-1-1a2b3c4d",
            key="incoming/customers 2026.csv",
            version_id="IYV3p45BT0ac8hjHg1houSdS1a.Mro8e",
        )
    ]


def test_direct_and_continuation_payloads() -> None:
    assert parse_event(_event("direct.json")) == [
        ImportRequest(bucket="paynow-import-123456789012-us-east-1-1a2b3c4d", key="incoming/customers.csv")
    ]
    continuation = {"continuation": {"bucket": "paynow-customers-import", "key": "incoming/a.csv", "hop": 3}}
    assert parse_event(continuation)[0].hop == 3


def test_other_s3_events_are_ignored() -> None:
    event = _event("s3-put.json")
    event["Records"][0]["eventName"] = "ObjectRemoved:Delete"
    assert parse_event(event) == []


@pytest.mark.parametrize("event", [{}, {"bucket": "b"}, {"bucket": "bkt", "key": "k", "surprise": 1}])
def test_unsupported_payloads_are_refused_clearly(event: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedEventError, match="expected an S3 notification"):
        parse_event(event)
