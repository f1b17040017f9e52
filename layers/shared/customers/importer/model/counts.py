"""How many rows of an import ended in each outcome."""

from __future__ import annotations

from pydantic import BaseModel


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
