"""Lambda sandboxes: one process per concurrent execution, the function's own environment, timeouts."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from devstack.runtime import ThrottledError
from devstack_helpers import ECHO, CapturedConsole, runtime, spec


def test_invocation_gets_event_context_and_its_own_environment(
    tmp_path: Path, console: CapturedConsole
) -> None:
    # Two functions whose code is a module named `app`, with different values of one variable.
    first = runtime(spec(tmp_path, "one", ECHO, environment={"WHO": "first"}), console)
    second = runtime(spec(tmp_path, "two", ECHO, environment={"WHO": "second"}), console)
    try:
        a = first.invoke({"n": 1}, request_id="req-1")
        b = second.invoke({"n": 2})
        again = first.invoke({"n": 3})
    finally:
        first.close()
        second.close()
    assert a.ok
    assert b.ok
    assert a.payload["event"] == {"n": 1}
    assert a.payload["request_id"] == "req-1"
    assert a.payload["function_name"] == "test-one"
    assert 0 < a.payload["remaining_ms"] <= 10_000
    assert (a.payload["env"], b.payload["env"]) == ("first", "second")
    assert a.payload["pid"] != b.payload["pid"]
    # The sandbox stays warm: module state survives, init happened once.
    assert again.payload["calls"] == 2
    assert a.init_ms is not None
    assert again.init_ms is None


def test_unhandled_exception_is_an_error_result(tmp_path: Path, console: CapturedConsole) -> None:
    code = "def lambda_handler(event, context):\n    raise KeyError('missing thing')\n"
    function = runtime(spec(tmp_path, "bad", code), console)
    try:
        result = function.invoke({})
        healthy_after = function.invoke({})
    finally:
        function.close()
    assert result.error_type == "KeyError"
    assert result.payload["errorMessage"] == "'missing thing'"
    assert any("lambda_handler" in frame for frame in result.payload["stackTrace"])
    assert healthy_after.error_type == "KeyError"
    assert "[ERROR] KeyError" in console.text


def test_timeout_kills_the_sandbox_and_the_next_call_gets_a_fresh_one(
    tmp_path: Path, console: CapturedConsole
) -> None:
    code = (
        "import os, time\n"
        "def lambda_handler(event, context):\n"
        "    if event.get('sleep'):\n"
        "        time.sleep(30)\n"
        "    return os.getpid()\n"
    )
    function = runtime(spec(tmp_path, "slow", code, timeout_s=1), console)
    try:
        first_pid = function.invoke({}).payload
        timed_out = function.invoke({"sleep": True})
        after = function.invoke({})
    finally:
        function.close()
    assert timed_out.error_type == "Sandbox.Timedout"
    assert timed_out.payload["errorMessage"] == "Task timed out after 1.00 seconds"
    assert after.ok
    assert after.init_ms is not None
    assert after.payload != first_pid


def test_import_error_is_reported_as_init_error(tmp_path: Path, console: CapturedConsole) -> None:
    function = runtime(spec(tmp_path, "broken", "import not_a_module_anywhere\n"), console)
    try:
        result = function.invoke({})
    finally:
        function.close()
    assert result.error_type == "Runtime.InitError"
    assert "not_a_module_anywhere" in result.payload["errorMessage"]


def test_non_json_result_is_a_marshal_error(tmp_path: Path, console: CapturedConsole) -> None:
    code = "def lambda_handler(event, context):\n    return object()\n"
    function = runtime(spec(tmp_path, "marshal", code), console)
    try:
        result = function.invoke({})
    finally:
        function.close()
    assert result.error_type == "Runtime.MarshalError"


def test_sys_exit_replaces_the_sandbox(tmp_path: Path, console: CapturedConsole) -> None:
    code = "import sys\ndef lambda_handler(event, context):\n    sys.exit(3)\n"
    function = runtime(spec(tmp_path, "exits", code), console)
    try:
        first = function.invoke({})
        second = function.invoke({})
    finally:
        function.close()
    assert first.error_type == second.error_type == "Runtime.ExitError"
    assert second.init_ms is not None


def test_concurrency_limit_throttles_when_asked_not_to_wait(tmp_path: Path, console: CapturedConsole) -> None:
    code = (
        "import pathlib, time\n"
        "def lambda_handler(event, context):\n"
        "    pathlib.Path(event['started']).touch()\n"
        "    time.sleep(event['s'])\n"
        "    return 'done'\n"
    )
    function = runtime(spec(tmp_path, "busy", code), console, max_concurrency=1)
    started = tmp_path / "started"
    results: list[object] = []
    try:
        busy = threading.Thread(
            target=lambda: results.append(function.invoke({"s": 1.5, "started": str(started)}).payload)
        )
        busy.start()
        for _ in range(300):  # until the first invocation holds the only slot
            if started.exists():
                break
            threading.Event().wait(0.05)
        with pytest.raises(ThrottledError):
            function.invoke({"s": 0, "started": str(started)}, wait_s=0)
        waited = function.invoke({"s": 0, "started": str(started)}, wait_s=10)
        busy.join()
    finally:
        function.close()
    assert results == ["done"]
    assert waited.payload == "done"


def test_function_output_is_relayed_to_the_console(tmp_path: Path, console: CapturedConsole) -> None:
    code = (
        "import json\n"
        "def lambda_handler(event, context):\n"
        "    print(json.dumps({'level': 'INFO', 'message': 'hello', 'service': 's', 'order': 7}))\n"
        "    return 1\n"
    )
    function = runtime(spec(tmp_path, "talks", code), console)
    try:
        function.invoke({})
    finally:
        function.close()
    for _ in range(50):
        if "hello" in console.text:
            break
        threading.Event().wait(0.05)
    assert "talks: INFO hello  order=7" in console.text
