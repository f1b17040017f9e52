"""A rejected row, why, and the rejected-rows CSV (safe to open in a spreadsheet)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

# A cell starting with one of these is evaluated as a formula by Excel/Sheets/LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
REJECT_COLUMNS = ("line", "reason_code", "reason")


def neutralise(value: str) -> str:
    """Make a cell inert in spreadsheets by prefixing a quote (OWASP CSV injection guidance)."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


class RejectCode(StrEnum):
    MALFORMED = "malformed_csv"
    TOO_MANY_FIELDS = "too_many_fields"
    UNDECODABLE = "undecodable_text"
    NO_IDENTIFIER = "no_identifier"
    INVALID_STEAM_ID = "invalid_steam_id"
    INVALID_MINECRAFT_UUID = "invalid_minecraft_uuid"
    INVALID_XBOX_XUID = "invalid_xbox_xuid"
    INVALID_PLATFORM = "invalid_platform"
    INVALID_NAME = "invalid_name"
    INVALID_METADATA = "invalid_metadata"
    DUPLICATE = "duplicate_in_file"
    CONFLICT = "conflict"
    REFUSED = "refused_by_paynow"


@dataclass(slots=True)
class Rejection:
    line: int
    code: RejectCode
    reason: str
    values: list[str]


def reject_header(original_header: list[str]) -> bytes:
    # The BOM makes Excel open the file as UTF-8 instead of the local code page.
    return b"\xef\xbb\xbf" + _csv_bytes([[*REJECT_COLUMNS, *(neutralise(h) for h in original_header)]])


def reject_rows(rejections: Iterable[Rejection]) -> bytes:
    return _csv_bytes(
        [str(r.line), r.code.value, neutralise(r.reason), *(neutralise(v) for v in r.values)]
        for r in rejections
    )


def _csv_bytes(rows: Iterable[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
