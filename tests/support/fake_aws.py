"""Moto-backed AWS for tests in any area: dummy credentials, the state table, Secrets Manager.

Imported as ``tests.support.fake_aws`` (the repository root is on pytest's pythonpath), so the module
name cannot clash with the bare-name helper modules of the test areas.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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
