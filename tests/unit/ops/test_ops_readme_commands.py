"""README names only commands that exist: `make X` targets, `python -m X --help` that works.

The parts of README that need a real AWS account cannot run here; this keeps the commands they
name honest. The parts that run against the local stack are run verbatim by
tests/e2e/test_readme_deploy.py.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from tests.support.processes import run_captured

REPO = Path(__file__).resolve().parents[3]
README = (REPO / "README.md").read_text(encoding="utf-8")
MAKE_TARGETS = sorted(set(re.findall(r"(?:`|^\s*)make ([a-z][a-z0-9-]*)", README, flags=re.MULTILINE)))
MODULES = sorted(set(re.findall(r"python -m ([a-z_][a-z0-9_.]*)", README)))


def makefile_targets() -> set[str]:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][a-z0-9-]*):", text, flags=re.MULTILINE))


def test_readme_names_the_deploy_commands() -> None:
    assert {"deploy", "secrets", "smoke", "dev"} <= set(MAKE_TARGETS)
    assert "ops" in MODULES
    assert "sam deploy --guided" not in README


@pytest.mark.parametrize("target", MAKE_TARGETS)
def test_every_make_target_readme_names_exists(target: str) -> None:
    assert target in makefile_targets(), f"README names `make {target}`, which the Makefile lacks"


@pytest.mark.parametrize("module", MODULES)
def test_every_python_module_readme_names_answers_help(module: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(["local", "layers/shared"])}
    completed = run_captured([sys.executable, "-m", module, "--help"], env=env, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "usage:" in completed.stdout.lower()


@pytest.mark.parametrize(
    "subcommand",
    [
        ["deploy"],
        ["secrets", "paynow-key"],
        ["secrets", "caller-key"],
        ["smoke"],
        ["events", "invoke"],
        ["openapi"],
    ],
)
def test_ops_subcommands_readme_uses_answer_help(subcommand: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": "local"}
    completed = run_captured([sys.executable, "-m", "ops", *subcommand, "--help"], env=env, timeout=120)
    assert completed.returncode == 0, completed.stderr
    for option in re.findall(rf"-m ops {' '.join(subcommand)}[^\n`]*", README):
        for flag in re.findall(r"(--[a-z-]+)", option):
            assert flag in completed.stdout, f"README passes {flag} to `ops {' '.join(subcommand)}`"


CSV_VALIDATE = "PYTHONPATH=layers/shared:local .venv/bin/python -m import_tools.cli validate FILE.csv"


def test_the_csv_sections_validate_command_runs_verbatim(tmp_path: Path) -> None:
    assert f"```sh\n{CSV_VALIDATE}\n```" in README
    # A checkout-shaped folder, so FILE.csv and ./import-reports land in tmp_path, not the repository.
    for name in ("layers", "local", ".venv"):
        (tmp_path / name).symlink_to(REPO / name)
    (tmp_path / "FILE.csv").write_text("steamid;Username\n76561198012345678;Alice\n7.65612E+16;Bob\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    completed = run_captured(["bash", "-c", CSV_VALIDATE], cwd=tmp_path, env=env, timeout=120)
    assert completed.returncode == 1, completed.stderr  # one row rejected
    assert list((tmp_path / "import-reports").rglob("rejected.csv"))
