"""Fixtures for the emulator's unit tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from paynow_emulator import Faults, PayNowEmulator

from tests.support.emulator_clients import Api, make_client


@pytest.fixture
def emu() -> PayNowEmulator:
    return PayNowEmulator(faults=Faults(seed=1))


@pytest.fixture(params=["transport", "asgi"])
def api(request: pytest.FixtureRequest, emu: PayNowEmulator) -> Iterator[Api]:
    with make_client(emu, request.param) as http:
        yield Api(emu=emu, http=http, kind=request.param)


@pytest.fixture
def make_api(emu: PayNowEmulator) -> Iterator[Callable[..., Api]]:
    clients: list[httpx.Client] = []

    def build(kind: str = "transport", **kwargs: Any) -> Api:
        client = make_client(emu, kind, **kwargs)
        clients.append(client)
        return Api(emu=emu, http=client, kind=kind)

    yield build
    for client in clients:
        client.close()
