"""The import function's environment is read once, by its settings model (DESIGN.md, Layering)."""

from __future__ import annotations

import ast
from pathlib import Path

HANDLER = Path(__file__).resolve().parents[3] / "layers" / "shared" / "customers" / "importer" / "handler.py"


def test_the_handler_reads_the_environment_only_through_importer_settings() -> None:
    tree = ast.parse(HANDLER.read_text(encoding="utf-8"))
    readers = [
        ast.unparse(node.func)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("from_environment", "getenv")
    ]
    assert readers == ["ImporterSettings.from_environment"]
    assert "os.environ" not in ast.unparse(tree)
