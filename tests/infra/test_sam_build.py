"""`sam build` succeeds without Docker and produces an arm64, cp313 artifact with cp313 bytecode.

The layer's wheels come from the package index (as `make build` and Lambda deployments need), so this
check needs the same registry access as bootstrapping .venv; it takes a few seconds. The layer's
bytecode needs the Lambda runtime's python3.13 on this machine (as `make build` does)."""

from __future__ import annotations

import email.parser
import os
import subprocess
import sys
from pathlib import Path

import pytest
from devstack.template_model import load_template
from packaging.utils import canonicalize_name

from tests.support.processes import run_captured

from .layer_requirements import RUNTIME_PROVIDED, pinned_requirements, runtime_imports
from .tools import FUNCTION_DIRS, ROOT, TEMPLATE_PATH, find_tool

pytestmark = pytest.mark.infra

ELF_MAGIC = b"\x7fELF"
EM_AARCH64 = 183
LAYER_UNZIPPED_LIMIT = 250 * 1024 * 1024
# Top-level modules of the distributions in RUNTIME_PROVIDED.
RUNTIME_MODULES = {"boto3", "botocore", "s3transfer", "urllib3", "dateutil", "six"}
# SnapStart's runtime hooks: part of Lambda's Python runtime (3.12+), not a distribution to bundle.
RUNTIME_MODULES |= {"snapshot_restore_py"}


def _elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == ELF_MAGIC, f"{path} is not an ELF file"
    # e_ident[EI_DATA] == 1: little-endian header fields.
    return int.from_bytes(header[18:20], "little" if header[5] == 1 else "big")


# importlib.util.MAGIC_NUMBER of CPython 3.13, and the PEP 552 flags of an unchecked hash-based .pyc.
PYC_MAGIC_313 = (3571).to_bytes(2, "little") + b"\r\n"
PYC_UNCHECKED_HASH = 0b01


def _lambda_python() -> str:
    """The interpreter the layer Makefile compiles with (empty: none on this machine)."""
    result = subprocess.run(
        ["make", "-s", "--no-print-directory", "-C", str(ROOT / "layers" / "shared"), "lambda-python"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.fixture(scope="module")
def lambda_python() -> str:
    return _lambda_python()


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory, lambda_python: str) -> Path:
    out = tmp_path_factory.mktemp("sam-build") / "build"
    env = {
        **os.environ,
        "SAM_CLI_TELEMETRY": "0",
        # The layer Makefile runs pip with this interpreter; any python >= 3.11 with pip will do.
        "PYTHON": sys.executable,
    }
    if not lambda_python:
        # The build would stop; build without bytecode so the other checks still run (the
        # bytecode check skips, saying why).
        env["LAYER_BYTECODE"] = "none"
    result = run_captured(
        [find_tool("sam"), "build", "--template-file", str(TEMPLATE_PATH), "--build-dir", str(out)],
        env=env,
        timeout=280,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-4000:]
    assert "Build Succeeded" in result.stdout + result.stderr
    return out


def test_built_template_points_at_the_built_artifacts(build_dir: Path) -> None:
    built = load_template(build_dir / "template.yaml")
    resources = built["Resources"]
    assert resources["SharedLayer"]["Properties"]["ContentUri"] == "SharedLayer"
    for name in FUNCTION_DIRS:
        assert resources[name]["Properties"]["CodeUri"] == name
        assert (build_dir / name / "app.py").is_file()


def test_layer_holds_the_code_and_the_pinned_distributions(build_dir: Path) -> None:
    python = build_dir / "SharedLayer" / "python"
    assert (python / "paynow" / "client.py").is_file()
    assert (python / "customers" / "__init__.py").is_file()
    installed = {}
    for dist_info in python.glob("*.dist-info"):
        fields = email.parser.HeaderParser().parsestr((dist_info / "METADATA").read_text(encoding="utf-8"))
        installed[canonicalize_name(fields["Name"])] = fields["Version"]
    pinned = {
        name: next(iter(requirement.specifier)).version for name, requirement in pinned_requirements().items()
    }
    assert installed == pinned
    assert not set(installed) & RUNTIME_PROVIDED
    foreign = [path for path in python.rglob("*.pyc") if not path.name.endswith(".cpython-313.pyc")]
    assert not foreign, f"bytecode of another python must not ship: {foreign[:3]}"
    size = sum(path.stat().st_size for path in python.rglob("*") if path.is_file())
    assert size < LAYER_UNZIPPED_LIMIT // 2


def test_native_extensions_are_for_lambda_arm64_python_313(build_dir: Path) -> None:
    extensions = list((build_dir / "SharedLayer" / "python").rglob("*.so"))
    assert any(path.name.startswith("_pydantic_core") for path in extensions)
    for path in extensions:
        assert path.name.endswith((".cpython-313-aarch64-linux-gnu.so", ".abi3.so")), path.name
        assert _elf_machine(path) == EM_AARCH64, f"{path.name} is not an arm64 binary"


def test_every_import_of_the_shipped_code_resolves_in_lambda(build_dir: Path) -> None:
    """What the functions and the layer import is in the layer, the standard library or the runtime."""
    layer = build_dir / "SharedLayer" / "python"
    assert not (layer / "customers" / "importer" / "cli.py").exists(), "the operator CLI is not shipped"
    shipped = sorted((layer / "paynow").rglob("*.py")) + sorted((layer / "customers").rglob("*.py"))
    shipped += [path for name in FUNCTION_DIRS for path in sorted((build_dir / name).glob("*.py"))]
    assert len(shipped) > len(FUNCTION_DIRS)
    for path in shipped:
        siblings = {sibling.stem for sibling in path.parent.glob("*.py")}
        for module in runtime_imports(path) - set(sys.stdlib_module_names) - RUNTIME_MODULES - siblings:
            in_layer = (layer / module).is_dir() or (layer / f"{module}.py").is_file()
            assert in_layer, (
                f"{path.relative_to(build_dir)} imports {module}, which Lambda would not find: "
                "add its distribution to layers/shared/requirements.txt"
            )


def test_layer_ships_unchecked_cpython_313_bytecode_for_every_module(
    build_dir: Path, lambda_python: str
) -> None:
    """A read-only /opt cannot cache bytecode: without it every cold start compiles the layer."""
    if not lambda_python:
        pytest.skip("no python3.13 on this machine: `make build` stops here (LAYER_BYTECODE=none opts out)")
    python = build_dir / "SharedLayer" / "python"
    sources = sorted(python.rglob("*.py"))
    assert len(sources) > 100
    missing, stale = [], []
    for source in sources:
        pyc = source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc"
        if not pyc.is_file():
            missing.append(source.relative_to(python))
            continue
        header = pyc.read_bytes()[:16]
        flags = int.from_bytes(header[4:8], "little")
        if header[:4] != PYC_MAGIC_313 or flags != PYC_UNCHECKED_HASH:
            stale.append(source.relative_to(python))
    assert not missing, f"{len(missing)} modules without cpython-313 bytecode, e.g. {missing[:5]}"
    assert not stale, f"not 3.13 unchecked hash-based .pyc: {stale[:5]}"


def _compile_layer(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "mod.py").write_text("VALUE = 1\n", encoding="utf-8")
    overrides = [f"{name}={value}" for name, value in variables.items()]
    return run_captured(
        ["make", "-s", "--no-print-directory", "-C", str(ROOT / "layers" / "shared"), "compile-layer",
         f"LAYER_ROOT={tmp_path}", *overrides],
        timeout=None,
    )  # fmt: skip


def test_without_python_313_the_layer_build_stops_and_says_how_to_get_it(tmp_path: Path) -> None:
    result = _compile_layer(tmp_path, LAMBDA_PYTHON="")
    assert result.returncode != 0
    assert "no python3.13 was found" in result.stderr
    assert "pyenv install 3.13" in result.stderr
    assert "LAYER_BYTECODE=none" in result.stderr
    assert not (tmp_path / "__pycache__").exists()


def test_the_opt_out_builds_without_bytecode_loudly(tmp_path: Path) -> None:
    result = _compile_layer(tmp_path, LAMBDA_PYTHON="", LAYER_BYTECODE="none")
    assert result.returncode == 0, result.stderr
    assert "WARNING: LAYER_BYTECODE=none: the layer ships WITHOUT bytecode" in result.stdout
    assert not (tmp_path / "__pycache__").exists()
