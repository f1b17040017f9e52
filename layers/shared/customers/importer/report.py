"""What the store owner reads: the summary and the rejected-rows CSV (safe to open in a spreadsheet)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, Field

from customers.importer.rows import Rejection

# A cell starting with one of these is evaluated as a formula by Excel/Sheets/LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
REJECT_COLUMNS = ("line", "reason_code", "reason")


def neutralise(value: str) -> str:
    """Make a cell inert in spreadsheets by prefixing a quote (OWASP CSV injection guidance)."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


class ImportStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    REJECTED = "rejected"  # the file itself was unusable; nothing was sent


class Counts(BaseModel):
    total: int = 0
    created: int = 0
    existing: int = 0
    updated: int = 0
    rejected: int = 0
    duplicates_in_file: int = 0
    valid: int = 0  # dry run only: rows that would be sent

    def add(self, other: Counts) -> None:
        for name in Counts.model_fields:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def accounted(self) -> int:
        return (
            self.created + self.existing + self.updated + self.rejected + self.duplicates_in_file + self.valid
        )


class Summary(BaseModel):
    """The summary JSON. ``counts`` always satisfies created+existing+updated+rejected+duplicates=total."""

    import_id: str
    bucket: str | None = None
    key: str
    version_id: str | None = None
    status: ImportStatus
    dry_run: bool = False
    existing_mode: str
    counts: Counts
    unknown_columns: list[str] = Field(default_factory=list)
    delimiter: str | None = None
    encoding: str | None = None
    error: str | None = None
    hops: int = 0
    started_at: str
    finished_at: str | None = None
    elapsed_seconds: float = 0.0
    rows_per_second: float = 0.0
    rejected_report: str | None = None
    summary_report: str | None = None


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
