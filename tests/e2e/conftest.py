"""The local stack started as `make dev` starts it, on free loopback ports, shared by the e2e tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from devstack_e2e import Stack, start_stack, stop_stack, wait_ready


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("devstack")
    # Every e2e browser shares one loopback address: the per-client signup limit (tested in
    # tests/integration/signup/test_signup_boundary.py) would stand for all of them at once.
    process, ready, log = start_stack(workdir, "--parameter", "SignupClientLimit=10000")
    info = wait_ready(process, ready, log)
    yield Stack(info=info, workdir=workdir, log=log)
    stop_stack(process)
