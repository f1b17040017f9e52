"""How hard an import leans on the store's PayNow quota: the same API key serves live signups.

Two limits, shared by every chunk of an import invocation:

* **Adaptive concurrency** (additive increase, multiplicative decrease, as TCP does): a 429 halves the
  calls allowed in flight; every ``limit`` successes in a row allow one more, up to the configured
  concurrency. The import backs off as soon as PayNow says so, and creeps back up while it does not.
* **A ceiling on requests per second** (optional, ``ImportMaxRequestsPerSecond``): calls are spaced
  so the import never uses more than that, leaving the rest of the key's quota to signups.

Hand-written: Powertools has no client-side rate limiter, and the limit must adapt to PayNow's
answers, which no generic limiter knows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from paynow.errors import RateLimitedError

T = TypeVar("T")


class Pacer:
    def __init__(
        self,
        concurrency: int,
        max_per_second: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._ceiling = max(1, concurrency)
        self.limit = self._ceiling
        self._interval = 1.0 / max_per_second if max_per_second else 0.0
        self._clock = clock
        self._sleep = sleep
        self._in_flight = 0
        self._streak = 0
        self._next_slot = 0.0
        self._cond = threading.Condition()
        self.rate_limited = 0

    def call(self, request: Callable[[], T]) -> T:
        """Run one PayNow call within both limits; a 429 shrinks the window before it propagates."""
        self._enter()
        try:
            answer = request()
        except RateLimitedError:
            self._leave(limited=True)
            raise
        except BaseException:
            self._leave(limited=False)
            raise
        self._leave(limited=False)
        return answer

    def _enter(self) -> None:
        with self._cond:
            while self._in_flight >= self.limit:
                self._cond.wait()
            self._in_flight += 1
            wait = 0.0
            if self._interval:
                now = self._clock()
                slot = max(now, self._next_slot)
                self._next_slot = slot + self._interval
                wait = slot - now
        if wait > 0:
            self._sleep(wait)

    def _leave(self, *, limited: bool) -> None:
        with self._cond:
            self._in_flight -= 1
            if limited:
                self.rate_limited += 1
                self.limit = max(1, self.limit // 2)
                self._streak = 0
            else:
                self._streak += 1
                if self._streak >= self.limit and self.limit < self._ceiling:
                    self.limit += 1
                    self._streak = 0
            self._cond.notify_all()
