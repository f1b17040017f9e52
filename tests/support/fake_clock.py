"""A fake monotonic clock shared by the PayNow client's unit and integration tests.

Imported as ``tests.support.fake_clock`` so the name cannot clash with the areas' bare-name helpers.
"""

from __future__ import annotations

from customers.common.deadline import Deadline


class FakeClock:
    """Monotonic time that moves only when the code under test sleeps (the retry loop's waits)."""

    def __init__(self) -> None:
        self.now = 10_000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def deadline(self, seconds: float) -> Deadline:
        return Deadline(self.now + seconds)
