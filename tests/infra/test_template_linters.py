"""template.yaml passes cfn-lint, `sam validate --lint` and checkov (whose skips each carry a reason)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.processes import run_captured

from .tools import TEMPLATE_PATH, find_tool

pytestmark = pytest.mark.infra


def _run(args: list[str], timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    return run_captured(args, env=env, timeout=timeout)


# The defaults, the other value of each cold-start setting, and chargebacks revoking tokens (its
# rules, failed-revocation queue and invoke config exist only then): linters read parameter defaults.
SETTINGS = {
    "defaults": {},
    "traced-snapstart": {"Tracing": "Active", "ApiSnapStart": "PublishedVersions"},
    "revoke-on-chargeback": {"OnChargeback": "invalidate-tokens"},
}


@pytest.fixture(scope="module", params=sorted(SETTINGS))
def template_path(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SETTINGS[request.param]:
        return TEMPLATE_PATH
    text = TEMPLATE_PATH.read_text(encoding="utf-8")
    for parameter, value in SETTINGS[request.param].items():
        pattern = rf"(?m)^(  {parameter}:\n(?:    .*\n)*?    Default: ).*$"
        text, count = re.subn(pattern, rf"\g<1>{value}", text, count=1)
        assert count == 1, f"no Default for parameter {parameter}"
    path = tmp_path_factory.mktemp(request.param) / "template.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_cfn_lint_reports_nothing(template_path: Path) -> None:
    result = _run([find_tool("cfn-lint"), "--format", "parseable", str(template_path)])
    assert (result.returncode, result.stdout.strip()) == (0, ""), result.stdout + result.stderr


def test_sam_validate_lint_accepts_the_template(template_path: Path) -> None:
    result = _run([find_tool("sam"), "validate", "--lint", "--template-file", str(template_path)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_checkov_finds_no_failed_check(template_path: Path) -> None:
    # --skip-download keeps checkov offline (no guideline or policy download).
    result = _run(
        [
            find_tool("checkov"),
            "--file",
            str(template_path),
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
