from __future__ import annotations

import pytest
from devstack_helpers import CapturedConsole


@pytest.fixture
def console() -> CapturedConsole:
    return CapturedConsole()
