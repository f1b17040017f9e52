"""PayNow flake ids: 41-bit milliseconds since PayNow's epoch, 10-bit node, 12-bit counter."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

PAYNOW_EPOCH_MS = 1645568542000  # 2022-02-22T22:22:22Z
NODE_BITS = 10
COUNTER_BITS = 12
MAX_NODE = (1 << NODE_BITS) - 1
MAX_COUNTER = (1 << COUNTER_BITS) - 1
MAX_FLAKE = (1 << 63) - 1


class FlakeGenerator:
    """Monotonic, unique ids for one node, safe to call from many threads."""

    def __init__(self, node: int = 1, clock_ms: Callable[[], int] | None = None) -> None:
        if not 0 <= node <= MAX_NODE:
            raise ValueError(f"flake node must be within 0..{MAX_NODE}, got {node}")
        self._node = node
        self._clock_ms = clock_ms or (lambda: time.time_ns() // 1_000_000)
        self._lock = threading.Lock()
        self._last_ms = -1
        self._counter = 0

    def next_id(self) -> int:
        with self._lock:
            now = self._clock_ms() - PAYNOW_EPOCH_MS
            # A clock that steps back, or a counter that overflows within one millisecond, borrows
            # from the next millisecond so ids stay strictly increasing.
            if now <= self._last_ms:
                if self._counter < MAX_COUNTER:
                    self._counter += 1
                else:
                    self._last_ms += 1
                    self._counter = 0
            else:
                self._last_ms = now
                self._counter = 0
            return (
                (self._last_ms << (NODE_BITS + COUNTER_BITS)) | (self._node << COUNTER_BITS) | self._counter
            )


def parse_flake(value: str) -> int | None:
    """The integer behind a flake id string, or None when it is not one (digits only, 1..2^63-1)."""
    if not value or len(value) > 19 or not value.isascii() or not value.isdigit():
        return None
    if value[0] == "0":
        return None
    number = int(value)
    return number if number <= MAX_FLAKE else None


def flake_datetime(flake: int) -> datetime:
    millis = (flake >> (NODE_BITS + COUNTER_BITS)) + PAYNOW_EPOCH_MS
    return datetime.fromtimestamp(millis / 1000, tz=UTC)
