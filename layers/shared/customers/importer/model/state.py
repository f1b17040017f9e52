"""The durable state of one import (one object version): status, checkpoint, counts and outcome."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from customers.importer.model.counts import Counts
from customers.importer.model.report_csv import ReportEncoding


class ImportStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    REJECTED = "rejected"  # the file itself was unusable; nothing was sent


class ImportState(BaseModel):
    import_id: str
    bucket: str
    key: str
    version_id: str | None = None
    etag: str = ""
    size: int = 0
    status: ImportStatus = ImportStatus.RUNNING
    existing_mode: str = "skip"
    started_at: str
    hops: int = 0
    # Header facts, fixed on the first hop so later hops need not re-read the header.
    header: list[str] | None = None
    delimiter: str | None = None
    data_offset: int = 0
    data_line: int = 0
    unknown_columns: list[str] = Field(default_factory=list)
    # The reports' text encoding, the upload's (every part of a report must be in the same one).
    # None only in imports begun before it was recorded, whose parts were written as UTF-8 with BOM.
    report_encoding: ReportEncoding | None = None
    # Checkpoint: everything before (offset, line) and every segment before next_seq is fully
    # accounted for in ``counts`` and in the report parts.
    offset: int = 0
    line: int = 0
    next_seq: int = 0
    # Segments in [next_seq, reserved_seq) may have reached PayNow; a resumed run reconciles them by
    # lookup before sending anything.
    reserved_seq: int = 0
    counts: Counts = Field(default_factory=Counts)
    cp1252_lines: int = 0
    # Report rows with characters the report encoding cannot represent (written as '?').
    report_replaced_rows: int = 0
    active_seconds: float = 0.0
    error: str | None = None
    finished_at: str | None = None
    summary: dict[str, object] | None = None
    # The outcome is recorded, its event not yet published: whoever holds the lease next publishes it.
    announce_pending: bool = False
