"""``make probe-paynow``: every probe agrees with a default emulator, and disagreements are reported.

The "real store" mode is driven against a second emulator served over loopback HTTP, configured to
disagree on two house decisions, exactly as it would be against api.paynow.gg.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from paynow_emulator import HouseDecisions, PayNowEmulator
from paynow_emulator.server import BackgroundServer
from paynow_probe.__main__ import main

from tests.support.processes import run_captured

REPO_ROOT = Path(__file__).resolve().parents[3]


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_every_probe_agrees_with_a_default_emulator() -> None:
    out = io.StringIO()
    assert main([], out=out) == 0, out.getvalue()
    text = out.getvalue()
    assert "DISAGREES" not in text
    assert "13 probes, 0 disagree" in text


def test_a_store_that_disagrees_on_two_decisions_is_reported_with_a_nonzero_exit() -> None:
    emu = PayNowEmulator(
        api_keys=("pnapi_v1_probe",),
        decisions=HouseDecisions(uniqueness_conflict="allow", bulk_atomic=False),
    )
    out = io.StringIO()
    with BackgroundServer(emu) as server:
        args = ["--api-url", server.url, "--api-key", "pnapi_v1_probe", "--store-id", emu.store_id]
        status = main([*args, "--yes-create-test-customers", "--run-id", "t1"], out=out)
    text = out.getvalue()
    assert status == 1, text
    disagreeing = {
        line.split(":")[0].strip() for line in text.splitlines() if line.startswith("  ") and "->" in line
    }
    assert disagreeing == {"uniqueness_conflict", "bulk_atomic"}, text
    assert "PayNow has no customer delete" in text
    # The probe's customers are marked as such, in name and metadata.
    customers = emu.inspect.customers()
    assert customers
    assert all(c["name"] is None or c["name"].startswith("paynow-probe-t1") for c in customers)
    assert all(c["metadata"].get("paynow_probe") == "t1" for c in customers if c["metadata"])


def test_a_real_store_is_not_probed_without_confirmation() -> None:
    emu = PayNowEmulator()
    out = io.StringIO()
    args = ["--api-url", "http://127.0.0.1:9", "--api-key", emu.api_key, "--store-id", emu.store_id]
    assert main(args, out=out, stdin=io.StringIO("")) == 2
    assert "not confirmed" in out.getvalue()
    out = io.StringIO()
    assert main(args, out=out, stdin=_Tty("no\n")) == 2
    assert "PayNow has no customer delete" in out.getvalue()


def test_a_key_without_a_store_id_is_a_usage_error() -> None:
    out = io.StringIO()
    assert main(["--api-key", "pnapi_v1_x"], out=out) == 2
    assert "both --api-key and --store-id" in out.getvalue()


def test_the_self_started_emulator_can_be_told_to_disagree() -> None:
    out = io.StringIO()
    assert main(["--emulator-decision", "non_json_body=400"], out=out) == 1
    assert "non_json_body: the emulator decides '415', the API showed '400'" in out.getvalue()
    assert main(["--emulator-decision", "nonsense=1"], out=io.StringIO()) == 2


@pytest.mark.timeout(240)
def test_the_readme_command_make_probe_paynow_runs_every_probe() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYNOW_PROBE_")}
    command = ["make", "--no-print-directory", "probe-paynow"]
    # A worktree whose pyproject.toml is newer than the shared venv's stamp would reinstall the
    # venv first; treat the stamp as current then (a fresh clone's `make` builds it as usual).
    if subprocess.run(["make", "-q", ".venv/.installed"], cwd=REPO_ROOT, check=False).returncode != 0:
        command += ["-o", ".venv/.installed"]
    result = run_captured(command, env=env, timeout=200)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "13 probes, 0 disagree" in result.stdout
