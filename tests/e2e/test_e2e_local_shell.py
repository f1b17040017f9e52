"""A shell that sourced the local stack's env.sh cannot deploy or write secrets to it by accident."""

from __future__ import annotations

import json
import os
import subprocess

from devstack_e2e import Stack

from tests.support.processes import run_captured

LIST_BUCKETS = r"""
.venv/bin/python - <<'EOF'
import boto3
print("buckets:", " ".join(b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]))
EOF
"""


def _bash(stack: Stack, script: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MAKE", "DEVSTACK"))}
    env["PYTHONPATH"] = "local"
    return run_captured(
        ["bash", "-c", f"set -uo pipefail\nsource {stack.info['env_file']}\n{script}"],
        env=env,
        timeout=300,
    )


def test_the_sourced_shell_reaches_the_local_stack(stack: Stack) -> None:
    completed = _bash(stack, LIST_BUCKETS)
    assert completed.returncode == 0, completed.stderr
    assert stack.info["bucket"] in completed.stdout


def test_make_deploy_refuses_a_sourced_shell(stack: Stack) -> None:
    completed = _bash(stack, "make --no-print-directory deploy")
    assert completed.returncode != 0
    assert "refusing to deploy" in completed.stderr
    assert "sourced the local stack's environment" in completed.stderr
    assert "devstack_deactivate" in completed.stderr
    assert "sam build" not in completed.stderr + completed.stdout


def test_the_secrets_command_refuses_a_sourced_shell_unless_told_local(stack: Stack) -> None:
    refused = _bash(stack, ".venv/bin/python -m ops secrets caller-key --caller e2e")
    assert refused.returncode == 2
    assert "refusing to write secrets" in refused.stderr
    assert "pass --local" in refused.stderr

    written = _bash(
        stack, ".venv/bin/python -m ops secrets caller-key --local --name e2e/callers --caller e2e"
    )
    assert written.returncode == 0, written.stderr
    key = written.stdout.strip()
    stored = stack.aws("secretsmanager").get_secret_value(SecretId="e2e/callers")["SecretString"]
    assert json.loads(stored) == {"callers": {"e2e": key}}


def test_after_deactivating_local_writes_are_refused_and_aws_is_yours_again(stack: Stack) -> None:
    completed = _bash(
        stack,
        "devstack_deactivate\n"
        'echo "profile=${AWS_PROFILE-unset} config=${AWS_CONFIG_FILE-unset} api=${API-unset}"\n'
        ".venv/bin/python -m ops secrets caller-key --local --caller e2e",
    )
    assert "profile=unset config=unset api=unset" in completed.stdout
    assert completed.returncode == 2
    assert "calls would go to AWS" in completed.stderr
