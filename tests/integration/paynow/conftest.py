"""Fixtures: the PayNow client wired to the in-process emulator, sharing one fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS
from moto import mock_aws
from paynow.client import PayNowClient
from paynow.retry import RetryPolicy
from paynow_emulator import PayNowEmulator
from paynow_it_support import API_KEY, Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emulator(clock: Clock) -> PayNowEmulator:
    return PayNowEmulator(api_keys=(API_KEY,), clock=clock.monotonic)


@pytest.fixture
def policy(clock: Clock) -> RetryPolicy:
    return RetryPolicy(sleep=clock.sleep, clock=clock.monotonic, random=lambda: 0.5)


@pytest.fixture
def client(emulator: PayNowEmulator, policy: RetryPolicy) -> Iterator[PayNowClient]:
    with PayNowClient(emulator.store_id, API_KEY, transport=emulator.transport(), retry=policy) as paynow:
        yield paynow


@pytest.fixture
def secretsmanager(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    # Powertools keeps one provider (and its cache) per process; start each test from scratch.
    DEFAULT_PROVIDERS.clear()
    with mock_aws():
        yield boto3.client("secretsmanager")
    DEFAULT_PROVIDERS.clear()
