"""A rejected row, why, and the rejected-rows CSV (safe to open in a spreadsheet)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from customers.importer.model.report_csv import Encoded, ReportFormat, neutralise

REJECT_COLUMNS = ("line", "reason_code", "reason")


class RejectCode(StrEnum):
    MALFORMED = "malformed_csv"
    REST_UNREAD = "rest_of_file_unread"
    ROW_TOO_LARGE = "row_too_large"
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


def reject_header(original_header: list[str], report: ReportFormat) -> Encoded:
    return report.header([*REJECT_COLUMNS, *(neutralise(h) for h in original_header)])


def reject_rows(rejections: Iterable[Rejection], report: ReportFormat) -> Encoded:
    """In the upload's conventions, so the fixed file can be uploaded again as it is."""
    return report.rows(
        [str(r.line), r.code.value, neutralise(r.reason), *(neutralise(v) for v in r.values)]
        for r in rejections
    )
