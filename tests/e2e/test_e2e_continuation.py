"""The importer's self-continuation through the local Lambda endpoint (AWS_ENDPOINT_URL_LAMBDA).

A stack of its own runs the import function with a short local timeout and a slow PayNow, so one
file needs several invocations; each hop is an asynchronous `lambda.invoke` the stack delivers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from devstack_e2e import Stack, start_stack, stop_stack, wait_for, wait_ready

ROWS = 3000
FIRST_STEAM_ID = 76561197960900000


@pytest.fixture(scope="module")
def slow_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir: Path = tmp_path_factory.mktemp("devstack-continuation")
    process, ready, log = start_stack(workdir, "--timeout", "ImportFunction=72")
    info = wait_ready(process, ready, log)
    with httpx.Client(trust_env=False) as client:
        client.patch(info["emulator_url"] + "/_emulator/faults", json={"latency_s": 1.5}).raise_for_status()
    yield Stack(info=info, workdir=workdir, log=log)
    stop_stack(process)


def test_a_file_too_long_for_one_invocation_continues_in_the_next(slow_stack: Stack) -> None:
    rows = "".join(f"{FIRST_STEAM_ID + i}\n" for i in range(ROWS))
    s3 = slow_stack.aws("s3")
    key = slow_stack.info["incoming_prefix"] + "long.csv"
    s3.put_object(Bucket=slow_stack.info["bucket"], Key=key, Body=("steam_id\n" + rows).encode())
    summary = slow_stack.wait_summary("long.csv", timeout_s=240)
    assert summary["status"] == "completed", summary
    assert summary["counts"]["created"] == ROWS
    assert summary["hops"] >= 2
    # The stack logs an asynchronous invocation when it returns, which is after the summary is written.
    wait_for(
        lambda: True if "lambda invoke (Event)" in slow_stack.log.read_text() else None,
        30,
        "the continuation's asynchronous invocation in the stack's log",
    )
    assert slow_stack.emulator("/_emulator/customers")["count"] == ROWS
