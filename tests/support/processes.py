"""Run a command as a test's subject: output kept as text, the exit status left to the test to assert."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_captured(
    args: Sequence[str],
    *,
    timeout: float | None,
    env: Mapping[str, str] | None = None,
    cwd: Path | str = REPO,
) -> subprocess.CompletedProcess[str]:
    """``args`` run in ``cwd`` (the repository root, where README's commands run) with ``env``.

    Never raises on the exit status: each test asserts ``returncode`` and shows the output it needs.
    ``timeout`` has no default so each call keeps its own bound (None: only pytest-timeout's).
    """
    return subprocess.run(
        list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
