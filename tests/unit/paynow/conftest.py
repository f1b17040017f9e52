"""Fixtures for the PayNow client unit tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from paynow.client import PayNowClient
from paynow.retry import RetryPolicy

from tests.support.fake_aws import mocked_secretsmanager
from tests.support.fake_clock import FakeClock
from tests.support.scripted_paynow import API_KEY, SPEC_PATH, STORE_ID, WALL_NOW, ScriptedPayNow


@pytest.fixture
def fake_time() -> FakeClock:
    return FakeClock()


@pytest.fixture
def policy(fake_time: FakeClock) -> RetryPolicy:
    return RetryPolicy(
        sleep=fake_time.sleep,
        clock=fake_time.monotonic,
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
    with mocked_secretsmanager(monkeypatch) as client:
        yield client
