"""Report CSVs follow the upload's conventions: delimiter, BOM or none, UTF-8 or Windows-1252."""

from __future__ import annotations

import csv
import io
from codecs import BOM_UTF8

import pytest
from customers.importer.model.report_csv import ReportEncoding, ReportFormat
from hypothesis import given
from hypothesis import strategies as st

# Text as the reader hands it over: decoding never yields surrogates, and the reader drops NULs.
cells = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=30)
row_lists = st.lists(st.lists(cells, min_size=1, max_size=5), max_size=8)
formats = st.builds(ReportFormat, st.sampled_from([",", ";", "\t"]), st.sampled_from(list(ReportEncoding)))


def _parse(data: bytes, report: ReportFormat) -> list[list[str]]:
    codec = "utf-8-sig" if report.encoding is ReportEncoding.UTF8_BOM else report.encoding.codec
    return list(csv.reader(io.StringIO(data.decode(codec), newline=""), delimiter=report.delimiter))


def _as_written(row: list[str], report: ReportFormat) -> list[str]:
    return [
        cell.encode(report.encoding.codec, errors="replace").decode(report.encoding.codec) for cell in row
    ]


@given(formats, st.lists(cells, min_size=1, max_size=5), row_lists)
def test_header_and_parts_read_back_as_one_csv_in_the_uploads_conventions(
    report: ReportFormat, header: list[str], rows: list[list[str]]
) -> None:
    """Parts encoded one by one concatenate into one file; only the header carries a BOM, and only
    when the upload had one; a character the encoding lacks becomes '?' and its row is counted."""
    encoded = [
        report.header(header),
        report.rows(rows[: len(rows) // 2]),
        report.rows(rows[len(rows) // 2 :]),
    ]
    data = b"".join(e.data for e in encoded)
    assert data.startswith(BOM_UTF8) == (report.encoding is ReportEncoding.UTF8_BOM)
    assert not any(e.data.startswith(BOM_UTF8) for e in encoded[1:])
    everything = [header, *rows]
    assert _parse(data, report) == [_as_written(row, report) for row in everything]
    # U+FFFD (bytes the upload left undefined) becomes '?' without counting.
    plain = [[cell.replace("\ufffd", "?") for cell in row] for row in everything]
    changed = sum(_as_written(row, report) != row for row in plain)
    assert sum(e.replaced_rows for e in encoded) == changed


def test_a_windows_1252_report_keeps_accents_and_replaces_what_it_cannot_hold() -> None:
    report = ReportFormat(";", ReportEncoding.WINDOWS_1252)
    encoded = report.rows([["Zoë", "café €5"], ["李", "ok"], ["Ann", "ok"]])
    assert encoded.data == "Zoë;café €5\r\n?;ok\r\nAnn;ok\r\n".encode("cp1252")
    assert encoded.replaced_rows == 1


def test_long_rows_are_counted_once_each_whatever_they_hold() -> None:
    long = "é" * 65_000
    encoded = ReportFormat(";", ReportEncoding.WINDOWS_1252).rows([[long + "\ufffd"], [long + "李"], [long]])
    assert encoded.replaced_rows == 1
    assert encoded.data.count(b"?") == 2


def test_bytes_the_upload_left_undefined_become_a_question_mark_that_no_note_counts() -> None:
    """A row rejected as undecodable holds U+FFFD for those bytes: '?' loses nothing the upload held."""
    encoded = ReportFormat(";", ReportEncoding.WINDOWS_1252).rows([["caf\ufffd", "ok"], ["李\ufffd", "x"]])
    assert encoded.data == "caf?;ok\r\n??;x\r\n".encode("cp1252")
    assert encoded.replaced_rows == 1


@pytest.mark.parametrize(
    ("bom", "windows_1252", "utf8_text", "expected"),
    [
        (True, True, False, ReportEncoding.UTF8_BOM),
        (True, False, True, ReportEncoding.UTF8_BOM),
        (False, False, False, ReportEncoding.UTF8),
        (False, False, True, ReportEncoding.UTF8),
        (False, True, False, ReportEncoding.WINDOWS_1252),
        # Windows-1252 lines and UTF-8 lines: only UTF-8 holds both, with a BOM so Excel reads it.
        (False, True, True, ReportEncoding.UTF8_BOM),
    ],
)
def test_the_upload_convention_follows_its_bom_and_its_text(
    bom: bool, windows_1252: bool, utf8_text: bool, expected: ReportEncoding
) -> None:
    assert ReportEncoding.of_upload(bom=bom, windows_1252=windows_1252, utf8_text=utf8_text) is expected
