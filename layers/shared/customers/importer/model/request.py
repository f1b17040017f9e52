"""Which object one import run reads: the request every trigger shape is parsed into."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ImportRequest(BaseModel):
    """Direct invocation payload: ``{"bucket": ..., "key": ...[, "version_id": ...]}``.

    ``resume_failed`` reopens an import that ended in status ``failed`` (after fixing its cause) so
    it continues from its checkpoint; a completed import is never run twice.
    """

    model_config = ConfigDict(extra="forbid")

    bucket: str = Field(min_length=3, max_length=63)
    key: str = Field(min_length=1, max_length=1024)
    version_id: str | None = None
    resume_failed: bool = False
    hop: int = 0
