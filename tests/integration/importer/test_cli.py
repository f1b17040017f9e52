"""The command-line twin: validate (no PayNow calls) and import (straight to PayNow over HTTP)."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import pytest
from import_tools import cli
from paynow_emulator import PayNowEmulator
from paynow_emulator.server import BackgroundServer

from tests.support.import_memory import csv_text, steam
from tests.support.processes import run_captured


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "customers.csv"
    rows = [[steam(1), "Ann"], ["7.65612E+16", "Excel"], [steam(1), "Again"], [steam(2), "=cmd"]]
    path.write_text(csv_text(["SteamID64", "Username"], rows), encoding="utf-8")
    return path


def test_validate_prints_the_report_and_calls_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["validate", str(_file(tmp_path)), "--report-dir", str(tmp_path / "out"), "--quiet"])
    out = capsys.readouterr().out
    assert code == 1  # some rows were rejected
    assert '"valid": 2' in out
    assert '"duplicates_in_file": 1' in out
    assert "line 3: steam_id: invalid SteamID64 '7.65612E+16'" in out
    assert "line 4: duplicate of line 2" in out
    (report,) = (tmp_path / "out").rglob("rejected.csv")
    rows = list(csv.reader(report.open(encoding="utf-8-sig")))
    assert [r[0] for r in rows[1:]] == ["3", "4"]


def test_import_goes_straight_to_paynow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    emu = PayNowEmulator()
    with BackgroundServer(emu) as server:
        monkeypatch.setenv("PAYNOW_API_URL", server.url)
        monkeypatch.setenv("PAYNOW_STORE_ID", emu.store_id)
        monkeypatch.setenv("PAYNOW_API_KEY", emu.api_key)
        code = cli.main(["import", str(_file(tmp_path)), "--report-dir", str(tmp_path / "out"), "--quiet"])
    assert code == 1
    assert '"created": 2' in capsys.readouterr().out
    assert sorted(c["steam_id"] for c in emu.inspect.customers()) == [steam(1), steam(2)]
    ids = {c["steam_id"]: c["id"] for c in emu.inspect.customers()}
    (results,) = (tmp_path / "out").rglob("results.csv")
    lines = list(csv.reader(results.open(encoding="utf-8-sig")))
    assert [r[:4] for r in lines[1:]] == [
        ["2", "created", ids[steam(1)], steam(1)],
        ["3", "rejected", "", "7.65612E+16"],
        ["4", "duplicate", "", steam(1)],
        ["5", "created", ids[steam(2)], steam(2)],
    ]
    names = {c["steam_id"]: c["name"] for c in emu.inspect.customers()}
    assert names[steam(2)] == "=cmd"  # neutralisation is for the report only, never the data


def test_import_without_credentials_explains_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("PAYNOW_API_KEY", "PAYNOW_API_KEY_SECRET", "PAYNOW_STORE_ID"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit, match="PAYNOW_STORE_ID"):
        cli.main(["import", str(_file(tmp_path)), "--quiet"])


def test_the_readme_command_validates_from_the_repository_root(tmp_path: Path) -> None:
    """README (Operator CLI): ``PYTHONPATH=layers/shared:local .venv/bin/python -m import_tools.cli …``."""
    env = {**os.environ, "PYTHONPATH": "layers/shared:local"}
    command = [sys.executable, "-m", "import_tools.cli", "validate", str(_file(tmp_path)), "--quiet"]
    command += ["--report-dir", str(tmp_path / "out")]
    done = run_captured(command, env=env, timeout=120)
    assert done.returncode == 1, done.stderr
    assert '"valid": 2' in done.stdout


def test_validate_writes_and_prints_reports_in_the_uploads_delimiter_and_encoding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "excel.csv"
    rows = [[steam(1), "Zoë"], ["7.65612E+16", "Léa"]]
    path.write_bytes(csv_text(["steam_id", "name"], rows, delimiter=";").encode("cp1252"))
    code = cli.main(["validate", str(path), "--report-dir", str(tmp_path / "out"), "--quiet"])
    out = capsys.readouterr().out
    assert code == 1
    assert '"report_encoding": "windows-1252"' in out
    assert "line 3: steam_id: invalid SteamID64 '7.65612E+16'" in out
    (report,) = (tmp_path / "out").rglob("rejected.csv")
    rows_read = list(csv.reader(report.open(encoding="cp1252", newline=""), delimiter=";"))
    assert rows_read[1][0] == "3"
    assert rows_read[1][-1] == "Léa"
