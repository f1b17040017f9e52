"""Fixtures: the PayNow client wired to the in-process emulator, sharing one fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from paynow.client import PayNowClient
from paynow.retry import RetryPolicy
from paynow_emulator import PayNowEmulator

from tests.support.emulator_clients import EMULATOR_API_KEY
from tests.support.fake_aws import mocked_secretsmanager
from tests.support.fake_clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emulator(clock: FakeClock) -> PayNowEmulator:
    return PayNowEmulator(api_keys=(EMULATOR_API_KEY,), clock=clock.monotonic)


@pytest.fixture
def policy(clock: FakeClock) -> RetryPolicy:
    return RetryPolicy(sleep=clock.sleep, clock=clock.monotonic, random=lambda: 0.5)


@pytest.fixture
def client(emulator: PayNowEmulator, policy: RetryPolicy) -> Iterator[PayNowClient]:
    with PayNowClient(
        emulator.store_id, EMULATOR_API_KEY, transport=emulator.transport(), retry=policy
    ) as paynow:
        yield paynow


@pytest.fixture
def secretsmanager(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with mocked_secretsmanager(monkeypatch) as client:
        yield client
