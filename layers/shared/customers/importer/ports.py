"""The import's interfaces to storage, state and the outside world. Adapters implement them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

if TYPE_CHECKING:
    from customers.importer.model.state import ImportState


@dataclass(frozen=True, slots=True)
class ObjectVersion:
    """One immutable version of the uploaded file."""

    bucket: str
    key: str
    version_id: str | None
    etag: str
    size: int

    @property
    def version_tag(self) -> str:
        # Unversioned buckets have no version id; the ETag still tells two uploads apart.
        return self.version_id or "etag-" + self.etag.strip('"')

    @property
    def import_id(self) -> str:
        return f"import#{self.bucket}#{self.key}#{self.version_tag}"


class ObjectSource(Protocol):
    def head(self, bucket: str, key: str, version_id: str | None) -> ObjectVersion: ...

    def open(self, version: ObjectVersion, offset: int) -> BinaryIO:
        """A buffered binary stream of this exact version from ``offset`` (must support ``peek``)."""
        ...


class ReportStore(Protocol):
    def put_part(self, prefix: str, seq: int, data: bytes, *, part_set: str = "parts") -> None:
        """Store one part of a report CSV (``part_set`` names which: the rejected rows by default).
        Re-putting a part replaces it (resume is idempotent)."""
        ...

    def compose(self, prefix: str, name: str, header: bytes, *, part_set: str = "parts") -> str:
        """Write ``prefix/name``: ``header`` then every part of the set in order; return its URI.
        Parts stay."""
        ...

    def discard_parts(self, prefix: str, *, part_set: str = "parts") -> None:
        """Delete the parts once the import's outcome is recorded (a retry may compose again before)."""
        ...

    def put_json(self, prefix: str, name: str, document: Mapping[str, Any]) -> str: ...

    def location(self, prefix: str, name: str) -> str:
        """Where ``prefix/name`` is (or will be) stored, as the owner should see it."""
        ...


class BusyError(Exception):
    """Another invocation holds the import's lease (``state`` is the import as last saved)."""

    def __init__(self, lease_until: float, state: ImportState) -> None:
        super().__init__(f"import is being processed by another invocation until {lease_until:.0f}")
        self.lease_until = lease_until
        self.state = state


class LeaseLostError(Exception):
    """Our lease was taken over (we were presumed dead); stop without writing anything else."""


class CheckpointStore(Protocol):
    def acquire(
        self, state: ImportState, *, owner: str, lease_seconds: float, reopen_failed: bool = False
    ) -> ImportState:
        """Take the import's lease: a new record from ``state``, or the stored one to resume or report.

        A finished import is returned without its lease, unless its event is still to be published
        (``announce_pending``), or it failed and ``reopen_failed`` asks to resume it: then the lease is
        taken as for a running import.

        Raises ``BusyError`` while another owner's lease is live.
        """
        ...

    def save(self, state: ImportState, *, owner: str, lease_seconds: float) -> None:
        """Persist progress and extend the lease (0 releases it). Raises ``LeaseLostError``."""
        ...


class Continuer(Protocol):
    def continue_import(self, payload: Mapping[str, Any]) -> None:
        """Start a new invocation (asynchronously) with this continuation payload."""
        ...


class EventPublisher(Protocol):
    def publish(self, detail_type: str, detail: Mapping[str, Any]) -> None: ...
