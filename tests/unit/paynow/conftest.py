"""Fixtures for the PayNow client unit tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS
from moto import mock_aws
from paynow.client import PayNowClient
from paynow.retry import RetryPolicy
from paynow_fakes import API_KEY, SPEC_PATH, STORE_ID, WALL_NOW, FakeTime, ScriptedPayNow


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def policy(fake_time: FakeTime) -> RetryPolicy:
    return RetryPolicy(
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        wall_clock=lambda: WALL_NOW,
        random=lambda: 0.5,
    )


@pytest.fixture
def make_client(policy: RetryPolicy) -> Iterator[Callable[[ScriptedPayNow], PayNowClient]]:
    clients: list[PayNowClient] = []

    def make(api: ScriptedPayNow, api_key: Any = API_KEY) -> PayNowClient:
        client = PayNowClient(
            STORE_ID, api_key, base_url="https://paynow.test", transport=api.transport, retry=policy
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="session")
def openapi_spec() -> dict[str, Any]:
    if not SPEC_PATH.is_file():
        pytest.fail(f"PayNow OpenAPI spec not found at {SPEC_PATH} (shared/ must sit beside the repo)")
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text())
    return spec


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
