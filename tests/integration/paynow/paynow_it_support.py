"""Helpers for the PayNow client integration tests (a unique module name, so imports never clash)."""

from __future__ import annotations

from paynow.deadline import Deadline

API_KEY = "pnapi_v1_integration_5e1f0a"


class Clock:
    """Monotonic time that moves only when the client sleeps; the emulator's rate limiter reads it too."""

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
