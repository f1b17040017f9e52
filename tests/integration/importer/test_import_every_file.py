"""Every object under incoming/ gets an answer: CSV in any letter case is imported, anything else is
rejected with what to do, folder placeholders are ignored."""

from __future__ import annotations

import pytest
from customers.importer.model.state import ImportStatus
from customers.importer.triggers import parse_event

from tests.support.import_memory import csv_text, steam
from tests.support.import_stack import BUCKET, ImportStack


@pytest.mark.parametrize("key", ["incoming/CUSTOMERS.CSV", "incoming/Customers.Csv", "incoming/export.txt"])
def test_csv_text_in_any_letter_case_is_imported(import_stack: ImportStack, key: str) -> None:
    import_stack.put(key, csv_text(["steam_id"], [[steam(1)], [steam(2)]]))
    summary = import_stack.run(key)
    assert summary.status is ImportStatus.COMPLETED
    assert summary.counts.created == 2


@pytest.mark.parametrize(
    ("key", "data", "expected"),
    [
        ("incoming/customers.xlsx", b"PK\x03\x04workbook", "'customers.xlsx' is an Excel workbook, not CSV"),
        ("incoming/list.numbers", b"PK\x03\x04numbers", "a Numbers spreadsheet"),
        ("incoming/notes", b"steam_id\n1\n", "a file without extension"),
        ("incoming/renamed.csv", b"PK\x03\x04\x14\x00\x06\x00", "spreadsheet workbook, not CSV"),
        ("incoming/old.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "spreadsheet workbook, not CSV"),
        ("incoming/empty.csv", b"", "the file is empty"),
    ],
)
def test_other_files_get_a_rejected_report_saying_what_to_do(
    import_stack: ImportStack, key: str, data: bytes, expected: str
) -> None:
    import_stack.put(key, data)
    summary = import_stack.run(key)
    assert summary.status is ImportStatus.REJECTED
    assert summary.error is not None
    assert expected in summary.error
    if "empty" not in expected:
        assert "save it as 'CSV UTF-8'" in summary.error
    assert import_stack.summary_object(summary)["status"] == "rejected"
    assert [e["detail-type"] for e in import_stack.events()] == ["Import Failed"]
    assert import_stack.emu.inspect.requests == []


def test_folder_placeholders_are_ignored_quietly() -> None:
    def record(key: str) -> dict[str, object]:
        return {
            "eventName": "ObjectCreated:Put",
            "s3": {"bucket": {"name": BUCKET}, "object": {"key": key, "size": 0}},
        }

    event = {"Records": [record("incoming/2026/"), record("incoming/2026/a.csv")]}
    assert [r.key for r in parse_event(event)] == ["incoming/2026/a.csv"]
    assert parse_event({"bucket": BUCKET, "key": "incoming/new folder/"}) == []
