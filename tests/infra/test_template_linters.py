"""template.yaml passes cfn-lint, `sam validate --lint` and checkov (whose skips each carry a reason)."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest

from .tools import ROOT, TEMPLATE_PATH, find_tool

pytestmark = pytest.mark.infra


def _run(args: list[str], timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_cfn_lint_reports_nothing() -> None:
    result = _run([find_tool("cfn-lint"), "--format", "parseable", str(TEMPLATE_PATH)])
    assert (result.returncode, result.stdout.strip()) == (0, ""), result.stdout + result.stderr


def test_sam_validate_lint_accepts_the_template() -> None:
    result = _run([find_tool("sam"), "validate", "--lint", "--template-file", str(TEMPLATE_PATH)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_checkov_finds_no_failed_check() -> None:
    # --skip-download keeps checkov offline (no guideline or policy download).
    result = _run(
        [
            find_tool("checkov"),
            "--file",
            str(TEMPLATE_PATH),
            "--framework",
            "cloudformation",
            "--skip-download",
            "--output",
            "json",
            "--quiet",
        ]
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    report: Any = json.loads(result.stdout)
    summary = report["summary"]
    assert summary["failed"] == 0
    assert summary["parsing_errors"] == 0
    # A scan that checked nothing would also report zero failures.
    assert summary["passed"] >= 10


def test_every_checkov_skip_has_a_one_line_reason(resources: dict[str, Any]) -> None:
    skips = [
        (name, skip)
        for name, resource in resources.items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips, "expected the documented checkov skips in resource Metadata"
    for name, skip in skips:
        assert str(skip.get("id", "")).startswith("CKV_"), (name, skip)
        comment = str(skip.get("comment", "")).strip()
        assert len(comment) >= 20, f"{name} {skip.get('id')}: give a reason"
        assert "\n" not in comment, f"{name} {skip.get('id')}: keep the reason on one line"
