"""Moto-backed AWS for tests in any area: dummy credentials, the state table, Secrets Manager, the bus.

Imported as ``tests.support.fake_aws`` (the repository root is on pytest's pythonpath), so the module
name cannot clash with the bare-name helper modules of the test areas.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS
from moto import mock_aws


def use_fake_credentials(monkeypatch: pytest.MonkeyPatch, region: str) -> None:
    """Dummy credentials, and nothing left that could point boto3 at a real account or endpoint."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": region,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def create_state_table(dynamodb: Any, name: str) -> None:
    """The functions' state table as template.yaml declares it: partition key ``pk`` (S) only."""
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


@contextmanager
def mocked_secretsmanager(monkeypatch: pytest.MonkeyPatch, region: str = "eu-west-1") -> Iterator[Any]:
    """A moto Secrets Manager client, with Powertools' parameter providers fresh on entry and exit."""
    use_fake_credentials(monkeypatch, region)
    # Powertools keeps one provider (and its cache) per process; start each test from scratch.
    DEFAULT_PROVIDERS.clear()
    with mock_aws():
        yield boto3.client("secretsmanager")
    DEFAULT_PROVIDERS.clear()


@dataclass(frozen=True)
class EventTap:
    """An SQS queue that receives every event of one source put on a custom bus."""

    sqs: Any
    queue_url: str

    @classmethod
    def on_new_bus(cls, region: str, bus: str, source: str = "paynow.customers") -> EventTap:
        """Create the bus (as template.yaml does) and the rule and queue that copy its events out."""
        events = boto3.client("events", region_name=region)
        events.create_event_bus(Name=bus)
        sqs = boto3.client("sqs", region_name=region)
        queue_url = sqs.create_queue(QueueName="event-tap")["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]
        events.put_rule(Name="event-tap", EventBusName=bus, EventPattern=json.dumps({"source": [source]}))
        events.put_targets(
            Rule="event-tap", EventBusName=bus, Targets=[{"Id": "q", "Arn": attributes["QueueArn"]}]
        )
        return cls(sqs, queue_url)

    def drain(self) -> list[dict[str, Any]]:
        """The events published since the last drain, oldest first."""
        seen: list[dict[str, Any]] = []
        while batch := self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            seen.extend(json.loads(m["Body"]) for m in batch)
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
            )
        return seen
