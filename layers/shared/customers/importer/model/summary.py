"""The summary JSON the store owner reads for each import."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_serializer

from customers.importer.model.counts import Counts
from customers.importer.model.report_csv import ReportEncoding
from customers.importer.model.state import ImportStatus


class Progress(BaseModel):
    """Where a running import stands (refreshed at checkpoints while the status is ``running``)."""

    bytes_read: int
    bytes_total: int
    percent: float
    rows_per_second: float
    seconds_left: float | None = None


class Summary(BaseModel):
    """The summary JSON. ``counts`` always satisfies created+existing+updated+rejected+duplicates=total."""

    # One line for a person: "1,204 created, 37 already existed, 3 rejected — see rejected.csv".
    message: str = ""
    import_id: str  # the state table record of this import (also names the object version)
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
    report_encoding: ReportEncoding | None = None  # the upload's, which results.csv and rejected.csv use
    report_note: str | None = None  # set when a report character had no equivalent in that encoding
    error: str | None = None
    hops: int = 0  # invocations this import has taken so far (large files continue in new ones)
    started_at: str
    finished_at: str | None = None
    elapsed_seconds: float = 0.0
    rows_per_second: float = 0.0
    rejected_report: str | None = None
    progress: Progress | None = None
    results_report: str | None = None  # one line per data row: outcome and PayNow customer id
    summary_report: str | None = None

    @field_serializer("counts")
    def _counts(self, counts: Counts) -> dict[str, Any]:
        # ``valid`` (rows that would be sent) only means something in a dry run.
        data = counts.model_dump()
        if not self.dry_run:
            data.pop("valid")
        return data


# The message quotes the error only this far; ``error`` holds all of it.
MESSAGE_ERROR_CHARS = 200


def message_for(summary: Summary) -> str:
    """The summary in one line, for a person."""
    c = summary.counts
    error = _one_line(summary.error) if summary.error else None
    if summary.status is ImportStatus.REJECTED:
        return f"file rejected: {error}"
    if summary.dry_run:
        parts = [f"{c.valid:,} rows would be sent"]
    else:
        parts = [f"{c.created:,} created"]
        parts += [f"{c.existing:,} already existed"] if c.existing else []
        parts += [f"{c.updated:,} updated"] if c.updated else []
    parts += [f"{c.rejected:,} rejected"] if c.rejected else []
    parts += [f"{c.duplicates_in_file:,} duplicates in the file"] if c.duplicates_in_file else []
    text = ", ".join(parts)
    if c.rejected or c.duplicates_in_file:
        text += " — see rejected.csv"
    if summary.status is ImportStatus.RUNNING:
        return f"running: {text} so far"
    if error:
        text += f" — {'failed' if summary.status is ImportStatus.FAILED else 'note'}: {error}"
    return text


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MESSAGE_ERROR_CHARS else flat[:MESSAGE_ERROR_CHARS] + "…"
