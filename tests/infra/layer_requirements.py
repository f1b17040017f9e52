"""The layer's requirements file as the checks read it."""

from __future__ import annotations

import ast
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .tools import ROOT

REQUIREMENTS = ROOT / "layers/shared/requirements.txt"
# Shipped by the Lambda python3.13 runtime; bundling them would shadow the runtime's own copies.
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "urllib3", "python-dateutil", "six"}


def pinned_requirements(path: Path = REQUIREMENTS) -> dict[str, Requirement]:
    """Canonical distribution name -> requirement line (comments and blank lines ignored)."""
    pinned: dict[str, Requirement] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name not in pinned, f"{name} listed twice"
        pinned[name] = requirement
    return pinned


def runtime_imports(path: Path) -> set[str]:
    """Top-level modules a file imports at run time (imports under `if TYPE_CHECKING:` excluded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(child) for statement in node.body for child in ast.walk(statement))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules
