"""Where the checks find the template and the code, and the command-line tools they run."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "template.yaml"

FUNCTION_DIRS = {
    "SignupFunction": "signup",
    "TrustedFunction": "trusted",
    "AuthorizerFunction": "authorizer",
    "ImportFunction": "importer",
}


def _unavailable(message: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def find_tool(name: str) -> str:
    """A CLI the checks shell out to: PATH first (make puts .tools/*/bin there), then .tools/."""
    on_path = shutil.which(name)
    if on_path:
        return on_path
    if name == "cfn-lint":
        beside_python = Path(sys.executable).parent / name
        if beside_python.exists():
            return str(beside_python)
    bundled = ROOT / ".tools" / name / "bin" / name
    if bundled.exists():
        return str(bundled)
    _unavailable(f"{name} is not installed (run `make tools`, or use `make test` which installs it)")
