"""The summary JSON the store owner reads for each import."""

from __future__ import annotations

from pydantic import BaseModel, Field

from customers.importer.model.counts import Counts
from customers.importer.model.state import ImportStatus


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
