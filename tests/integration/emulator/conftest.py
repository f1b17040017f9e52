"""The emulator served by uvicorn on a free loopback port, shared by this folder's tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from paynow_emulator import Faults, PayNowEmulator
from paynow_emulator.server import BackgroundServer


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[PayNowEmulator, BackgroundServer]]:
    emu = PayNowEmulator()
    with BackgroundServer(emu) as server:
        yield emu, server


@pytest.fixture
def emu(served: tuple[PayNowEmulator, BackgroundServer]) -> PayNowEmulator:
    emulator = served[0]
    emulator.inspect.reset()
    emulator.faults = Faults()
    return emulator


@pytest.fixture
def http(served: tuple[PayNowEmulator, BackgroundServer], emu: PayNowEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=served[1].url,
        headers={"Authorization": f"APIKey {emu.api_key}"},
        timeout=httpx.Timeout(5.0),
    ) as client:
        yield client
