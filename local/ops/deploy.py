"""`make deploy`: ``sam build`` then ``sam deploy``, guided the first time, from samconfig.toml after.

"The first time" means: the chosen config environment of samconfig.toml holds no
``parameter_overrides`` yet (the guided deploy asks for the parameters and offers to save them
there). It refuses to start in a shell that points AWS at the local stack.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ops.awsenv import refuse_local

REPO = Path(__file__).resolve().parents[2]


class DeployError(RuntimeError):
    """Deploying cannot start; the message says why."""


def saved_parameters(samconfig: Path, config_env: str) -> str | None:
    """The ``parameter_overrides`` saved for ``config_env`` (``None``: deploy guided)."""
    if not samconfig.is_file():
        return None
    try:
        document: dict[str, Any] = tomllib.loads(samconfig.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DeployError(f"{samconfig} is not valid TOML: {exc}") from exc
    section = document.get(config_env, {}).get("deploy", {}).get("parameters", {})
    value = section.get("parameter_overrides")
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    return str(value) if value else None


def commands(
    sam: str, *, samconfig: Path, config_env: str, guided: bool, build: bool, extra: Sequence[str]
) -> list[list[str]]:
    """The SAM CLI commands to run, in order."""
    deploy = [sam, "deploy", "--config-file", str(samconfig), "--config-env", config_env]
    if guided or saved_parameters(samconfig, config_env) is None:
        deploy.append("--guided")
    steps = []
    if build:
        steps.append([sam, "build", "--config-file", str(samconfig), "--config-env", config_env])
    steps.append([*deploy, *extra])
    return steps


def run(
    sam: str,
    *,
    samconfig: Path,
    config_env: str,
    guided: bool,
    build: bool,
    extra: Sequence[str],
    environ: Mapping[str, str] | None = None,
) -> int:
    refuse_local("deploy")
    if not Path(sam).is_file() and "/" in sam:
        raise DeployError(f"SAM CLI not found at {sam} (make tools installs it)")
    env = {**(os.environ if environ is None else environ), "SAM_CLI_TELEMETRY": "0"}
    # The layer's Makefile pip-installs its wheels with this interpreter (no Docker needed).
    env.setdefault("PYTHON", sys.executable)
    for command in commands(
        sam, samconfig=samconfig, config_env=config_env, guided=guided, build=build, extra=extra
    ):
        print("+ " + " ".join(command), file=sys.stderr, flush=True)
        code = subprocess.call(command, cwd=samconfig.parent, env=env)  # noqa: S603 - our own argv, no shell
        if code != 0:
            return code
    stack = _stack_name(samconfig, config_env)
    print(
        f"\nDeployed. Check it end to end:  make smoke STACK={stack}"
        + ("" if config_env == "default" else f"  (config env {config_env})"),
        file=sys.stderr,
    )
    return 0


def _stack_name(samconfig: Path, config_env: str) -> str:
    try:
        document = tomllib.loads(samconfig.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return "<stack name>"
    for command in ("deploy", "global"):
        name = document.get(config_env, {}).get(command, {}).get("parameters", {}).get("stack_name")
        if name:
            return str(name)
    return "<stack name>"
