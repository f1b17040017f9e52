"""How an import runs: the one configuration the service and the engine read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from customers.importer.model.state import ImportState


class ExistingMode(StrEnum):
    SKIP = "skip"
    UPDATE = "update"


@dataclass
class ImportConfig:
    bucket: str | None = None  # when set, only objects of this bucket are imported
    reports_prefix: str = "reports/"
    incoming_prefix: str = "incoming/"
    existing_mode: ExistingMode = ExistingMode.SKIP
    concurrency: int = 4
    max_hops: int = 50
    lease_seconds: float = 60.0
    hop_reserve_seconds: float = 60.0
    busy_poll_seconds: float = 5.0
    dry_run: bool = False
    temp_dir: str | None = None  # where the duplicate index lives (default: the system temp dir)
    # Called after each checkpoint; tests raise from it to simulate an invocation dying.
    on_checkpoint: Callable[[ImportState], None] | None = None
    progress: Callable[[ImportState], None] | None = None
