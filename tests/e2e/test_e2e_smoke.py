"""`make smoke` against the running local stack: the command an operator runs after a deploy."""

from __future__ import annotations

import json
import os
import subprocess

from devstack_e2e import REPO, Stack

from tests.support.processes import run_captured

CHECKS = (
    "stack outputs",
    "signup preflight (CORS)",
    "signup (Minecraft)",
    "trusted route without a key",
    "trusted resolve",
    "trusted token",
    "token on the storefront",
    "trusted invalidate",
    "CSV import (2 rows)",
    "import DLQ empty",
    "revocation DLQ empty",
)


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MAKE"))}
    env["PYTHONPATH"] = "local"
    return run_captured(command, env=env, timeout=300)


def _ops_smoke(stack: Stack, *options: str) -> subprocess.CompletedProcess[str]:
    python = str(REPO / ".venv" / "bin" / "python")
    return _run(python, "-m", "ops", "smoke", "--local", "--devstack", str(stack.workdir), *options)


def _rows(output: str) -> dict[str, str]:
    rows = {}
    for line in output.splitlines():
        for check in CHECKS:
            if line.startswith(check + " "):
                rows[check] = line[len(check) :].split()[0]
    return rows


def test_make_smoke_passes_against_the_local_stack(stack: Stack) -> None:
    completed = _run("make", "--no-print-directory", "smoke", f"DEVSTACK={stack.workdir}")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    # This stack does not revoke tokens on chargebacks (OnChargeback=none): that check skips.
    assert _rows(completed.stdout) == {**dict.fromkeys(CHECKS, "PASS"), "revocation DLQ empty": "SKIP"}
    assert "smoke OK: 10 passed, 0 failed, 1 skipped" in completed.stdout
    # Run again: the smoke customers exist now, and every check still passes.
    again = _run("make", "--no-print-directory", "smoke", f"DEVSTACK={stack.workdir}")
    assert again.returncode == 0, again.stdout


def test_smoke_fails_with_a_table_when_the_caller_key_is_wrong(stack: Stack) -> None:
    completed = _ops_smoke(stack, "--caller-key", "wrong-key-0123456789abcdefghij", "--skip-minecraft")
    assert completed.returncode == 1, completed.stdout + completed.stderr
    rows = _rows(completed.stdout)
    assert rows["trusted resolve"] == "FAIL"
    assert rows["trusted token"] == "SKIP"
    assert rows["signup (Minecraft)"] == "SKIP"
    assert rows["CSV import (2 rows)"] == "PASS"
    assert "HTTP 403" in completed.stdout
    assert "smoke FAILED" in completed.stdout
    assert "Traceback" not in completed.stderr


def test_smoke_without_a_running_local_stack_says_how_to_start_one(tmp_path: object) -> None:
    completed = _run("make", "--no-print-directory", "smoke", f"DEVSTACK={tmp_path}")
    assert completed.returncode != 0
    assert "start it with `make dev`" in completed.stderr


def test_smoke_fails_while_an_import_waits_in_the_dlq(stack: Stack) -> None:
    outputs = json.loads((stack.workdir / "outputs.json").read_text())["outputs"]
    sqs = stack.aws("sqs")
    sqs.send_message(QueueUrl=outputs["ImportDLQUrl"], MessageBody='{"requestContext": {}}')
    try:
        completed = _ops_smoke(stack)
    finally:
        sqs.purge_queue(QueueUrl=outputs["ImportDLQUrl"])
    assert completed.returncode == 1, completed.stdout
    assert _rows(completed.stdout)["import DLQ empty"] == "FAIL"
    assert "1 failed import(s)" in completed.stdout
