"""The import-linter contracts in pyproject.toml fail `make lint` when the layer breaks its layering.

Each case copies the layer, adds one import the README's Architecture section forbids, and runs
`lint-imports` on the copy: the contract guarding that rule must report it broken.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.processes import run_captured

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(layer: Path) -> subprocess.CompletedProcess[str]:
    return run_captured(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=layer,
        env={**os.environ, "PYTHONPATH": str(layer)},
        timeout=120,
    )


@pytest.fixture
def layer_copy(tmp_path: Path) -> Path:
    for package in ("customers", "paynow"):
        shutil.copytree(
            ROOT / "layers/shared" / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    return tmp_path


def test_the_layer_as_committed_keeps_every_contract(layer_copy: Path) -> None:
    result = _lint_imports(layer_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("customers/importer/engine.py", "import boto3", "Domain (common and features) imports no AWS SDK"),
        ("customers/common/ports.py", "import httpx", "Domain (common and features) imports no AWS SDK"),
        (
            "customers/signup/service.py",
            "from customers.signup import routes",
            "Feature edges (routes, actions, triggers) are imported only by bootstrap",
        ),
        (
            "customers/trusted/service.py",
            "from customers.adapters import dynamo_state",
            "Adapters are imported only by bootstrap",
        ),
        (
            "customers/adapters/eventbridge.py",
            "from customers.bootstrap import aws_clients",
            "Adapters never import bootstrap",
        ),
        (
            "customers/bootstrap/importer.py",
            "import os",
            "Bootstrap reads the environment only through the settings models",
        ),
        (
            "paynow/client.py",
            "from aws_lambda_powertools.utilities import parameters",
            "The paynow client imports no AWS code",
        ),
        ("paynow/retry.py", "import botocore", "The paynow client imports no AWS code"),
        ("customers/importer/service.py", "import paynow_emulator", "Nothing in layers/ imports local/"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    layer_copy: Path, module: str, line: str, contract: str
) -> None:
    path = layer_copy / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    result = _lint_imports(layer_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken


def _longest_chain(imports: dict[str, set[str]]) -> list[str]:
    """The longest chain of modules each importing the next (the graph is acyclic)."""
    memo: dict[str, list[str]] = {}

    def chain(module: str) -> list[str]:
        if module not in memo:
            below = [chain(d) for d in sorted(imports.get(module, ()))]
            memo[module] = [module, *max(below, key=len, default=[])]
        return memo[module]

    return max((chain(m) for m in imports), key=len, default=[])


def _importer_graph() -> dict[str, set[str]]:
    import grimp

    # Typing-only imports are not executed, so they add no level at run time.
    graph = grimp.build_graph("customers", cache_dir=None, exclude_type_checking_imports=True)
    inside = {m for m in graph.modules if m.startswith("customers.importer")}
    return {m: graph.find_modules_directly_imported_by(m) & inside for m in inside}


def test_longest_chain_finds_the_deepest_path() -> None:
    imports = {"a": {"b", "c"}, "b": {"d"}, "c": set(), "d": {"e"}, "e": set()}
    assert _longest_chain(imports) == ["a", "b", "d", "e"]


def test_the_importer_is_at_most_five_import_levels_deep() -> None:
    chain = _longest_chain(_importer_graph())
    assert len(chain) <= 5, " -> ".join(chain)
