import csv
import io

import pytest
from customers.importer.model.counts import Counts
from customers.importer.model.rejection import RejectCode, Rejection, reject_header, reject_rows
from customers.importer.model.report_csv import ReportFormat, neutralise


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Ann", "Ann"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_neutralise(value: str, expected: str) -> None:
    assert neutralise(value) == expected


def test_rejected_rows_csv_is_neutralised_and_round_trips() -> None:
    report = ReportFormat()
    data = (
        reject_header(["steam_id", "=evil header"], report).data
        + reject_rows(
            [Rejection(3, RejectCode.INVALID_NAME, 'bad, "quoted"', ["=1+1", "multi\nline"])], report
        ).data
    )
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [
        ["line", "reason_code", "reason", "steam_id", "'=evil header"],
        ["3", "invalid_name", 'bad, "quoted"', "'=1+1", "multi\nline"],
    ]


def test_counts_add_and_accounted() -> None:
    total = Counts(total=3, created=1)
    total.add(Counts(total=2, rejected=1, duplicates_in_file=1))
    assert total.total == 5
    assert total.accounted() == 3
