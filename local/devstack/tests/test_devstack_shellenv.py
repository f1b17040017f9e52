"""env.sh in a real bash: the shell reaches only the local stack, and devstack_deactivate undoes it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from devstack.shellenv import write_shell_files

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
SHOW = r"""
.venv/bin/python - <<'EOF'
import json, os, boto3
session = boto3.Session()
print(json.dumps({
    "env": {k: v for k, v in os.environ.items() if k.startswith(("AWS_", "DEVSTACK", "API"))},
    "s3": session.client("s3").meta.endpoint_url,
    "lambda": session.client("lambda").meta.endpoint_url,
    "key": getattr(session.get_credentials(), "access_key", None),
}))
EOF
"""
REPO = Path(__file__).resolve().parents[3]


def _write(workdir: Path) -> Path:
    return write_shell_files(
        workdir,
        {"API": "http://127.0.0.1:3000", "CALLER_KEY": "dev_key with 'quotes'"},
        aws_endpoint="http://127.0.0.1:5050",
        lambda_endpoint="http://127.0.0.1:3001",
        region="us-east-1",
        credentials=CREDENTIALS,
        outputs={"outputs": {}},
    )


def _run(script: str, env: dict[str, str]) -> list[dict[str, object]]:
    completed = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]


def _base_env() -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "DEVSTACK_ENV"}
    return {
        **keep,
        "AWS_ACCESS_KEY_ID": "AKIAREALKEY",
        "AWS_SECRET_ACCESS_KEY": "real secret with spaces",
        "AWS_PROFILE": "prod",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_CONFIG_FILE": "/nonexistent/config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
    }


def _env(shown: dict[str, object]) -> dict[str, str]:
    env = shown["env"]
    assert isinstance(env, dict)
    return env


def test_a_sourced_shell_reaches_only_the_local_stack_until_deactivated(tmp_path: Path) -> None:
    env_file = _write(tmp_path)
    before_env = _base_env()
    before_env.pop("AWS_PROFILE")  # a profile that does not exist would stop boto3 before sourcing
    inside, again, after = _run(
        f"source {env_file}\n{SHOW}\nsource {env_file}\n{SHOW}\ndevstack_deactivate\n"
        f"! declare -F devstack_deactivate\n{SHOW}",
        before_env,
    )
    assert inside["s3"] == "http://127.0.0.1:5050"
    assert inside["lambda"] == "http://127.0.0.1:3001"
    assert inside["key"] == "testing"
    assert _env(inside)["AWS_PROFILE"] == "devstack"
    assert _env(inside)["AWS_CONFIG_FILE"] == str(tmp_path / "aws" / "config")
    assert _env(inside)["API"] == "http://127.0.0.1:3000"
    assert "AWS_ACCESS_KEY_ID" not in _env(inside)
    assert "AWS_DEFAULT_REGION" not in _env(inside)
    # Sourcing twice must not save the local settings as "yours".
    assert again == inside
    restored = {k: v for k, v in before_env.items() if k.startswith("AWS_")}
    assert _env(after) == restored
    assert after["key"] == "AKIAREALKEY"
    assert "amazonaws.com" in str(after["s3"])


def test_deactivate_unsets_what_was_unset_before(tmp_path: Path) -> None:
    env_file = _write(tmp_path)
    env = {k: v for k, v in _base_env().items() if not k.startswith("AWS_")}
    env["AWS_DEFAULT_REGION"] = "eu-west-1"
    (after,) = _run(f"source {env_file}\ndevstack_deactivate\n{SHOW}", env)
    assert _env(after) == {"AWS_DEFAULT_REGION": "eu-west-1"}


def test_the_files_are_for_the_owner_only(tmp_path: Path) -> None:
    _write(tmp_path)
    for name in ("env.sh", "outputs.json", "aws/config", "aws/credentials"):
        assert (tmp_path / name).stat().st_mode & 0o077 == 0, name
