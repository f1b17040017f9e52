"""Fixtures: the three handlers in-process with moto, the PayNow emulator and the Steam stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws
from paynow_emulator import PayNowEmulator
from steam_openid import SteamOpenIdStandIn

from tests.support.api_stack import (
    API_KEY_SECRET,
    BEDROCK_ACCOUNTS,
    BUS,
    CALLERS_SECRET,
    JAVA_ACCOUNTS,
    ORIGIN,
    OTHER_ORIGIN,
    REGION,
    STEAM_URL,
    TABLE,
    ApiStack,
    provision,
    wire,
)
from tests.support.fake_aws import use_fake_credentials
from tests.support.lambda_events import load_function


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fake_credentials(monkeypatch, REGION)
    for name, value in {
        "POWERTOOLS_SERVICE_NAME": "paynow-customers",
        "POWERTOOLS_METRICS_NAMESPACE": "PayNowCustomers",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "DEBUG",
        "EVENT_BUS_NAME": BUS,
        "STATE_TABLE": TABLE,
        "PAYNOW_API_KEY_SECRET": API_KEY_SECRET,
        "PAYNOW_API_URL": "https://api.paynow.test",
        "STEAM_OPENID_URL": STEAM_URL,
        "ALLOWED_ORIGINS": f"{ORIGIN},{OTHER_ORIGIN}",
        "CALLER_KEYS_SECRET": CALLERS_SECRET,
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def emulator() -> PayNowEmulator:
    emulator = PayNowEmulator()
    for name, uuid in JAVA_ACCOUNTS.items():
        emulator.add_minecraft_account(name, uuid, "java")
    for name, uuid in BEDROCK_ACCOUNTS.items():
        emulator.add_minecraft_account(name, uuid, "bedrock")
    return emulator


@pytest.fixture
def steam() -> SteamOpenIdStandIn:
    return SteamOpenIdStandIn(STEAM_URL)


@pytest.fixture
def api_stack(
    aws_env: None, emulator: PayNowEmulator, steam: SteamOpenIdStandIn, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ApiStack]:
    monkeypatch.setenv("PAYNOW_STORE_ID", emulator.store_id)
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    with mock_aws():
        tap = provision(emulator)
        modules = {}
        for name in ("signup", "trusted", "authorizer"):
            modules[name] = load_function(name)
            wire(modules[name], emulator, steam)
        yield ApiStack(emulator, steam, modules["signup"], modules["trusted"], modules["authorizer"], tap)
    parameters.clear_caches()  # type: ignore[no-untyped-call]
