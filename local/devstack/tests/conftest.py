from __future__ import annotations

from collections.abc import Iterator

import pytest
from devstack.resources import Aws, MotoServer
from devstack_helpers import CapturedConsole


@pytest.fixture
def console() -> CapturedConsole:
    return CapturedConsole()


@pytest.fixture(scope="module")
def aws() -> Iterator[Aws]:
    """A moto server on a free loopback port, shared by one test module's tests."""
    server = MotoServer("127.0.0.1", 0)
    yield Aws(server.url)
    server.stop()
