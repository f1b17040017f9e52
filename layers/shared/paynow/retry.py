"""When to try a PayNow call again, how long to wait, and when to give up.

The rules, in order:

* 429 is always retried: the server refused before doing anything. Its ``Retry-After`` (seconds or
  an HTTP date) is honoured, else exponential backoff with full jitter.
* A connect failure is always retried: the request provably never left, so no write can repeat.
* 5xx, timeouts and dropped connections are retried only for idempotent operations. For a create,
  bulk create or token POST the write may already have happened; resending could duplicate it, so
  the error goes back to the caller, who can reconcile (``paynow.errors.outcome_unknown``).
* Every loop is bounded by a deadline. When the next wait would not fit before it, the last error
  is raised rather than waiting in vain.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Protocol, TypeVar

from paynow.errors import PayNowError, RateLimitedError, ServerError, TransportError

T = TypeVar("T")

logger = logging.getLogger(__name__)


class Deadline(Protocol):
    """When a call must be finished, on the monotonic clock (``customers.common.deadline.Deadline`` is one).

    A protocol so that this client owns no deadline type of its own: callers bring theirs.
    """

    @property
    def at(self) -> float: ...


@dataclass(frozen=True, slots=True)
class _Until:
    at: float


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """Retry rules for PayNow calls. ``sleep``/``clock``/``wall_clock``/``random`` are injectable for tests.

    ``clock`` must be the clock ``Deadline`` is measured on (monotonic); ``wall_clock`` (epoch seconds)
    is only used to turn a ``Retry-After`` HTTP date into a delay.
    """

    max_attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 5.0
    # Used when a caller passes no deadline, so that no loop is ever unbounded.
    default_budget: float = 20.0
    # A retry must leave at least this long for the attempt itself, or it would time out at once.
    min_attempt_time: float = 0.05
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    wall_clock: Callable[[], float] = field(default=time.time, repr=False)
    random: Callable[[], float] = field(default=random.random, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < self.base_delay:
            raise ValueError("need 0 <= base_delay <= max_delay")

    def deadline(self, deadline: Deadline | None) -> Deadline:
        return deadline if deadline is not None else _Until(self.clock() + self.default_budget)

    def remaining(self, deadline: Deadline) -> float:
        return max(0.0, deadline.at - self.clock())

    def should_retry(self, error: PayNowError, *, idempotent: bool) -> bool:
        if isinstance(error, RateLimitedError):
            return True
        if isinstance(error, TransportError):
            return idempotent or not error.request_sent
        if isinstance(error, ServerError):
            return idempotent
        return False

    def backoff(self, retry_number: int) -> float:
        """Full jitter: uniform in [0, min(max_delay, base * 2**n)] (retry_number starts at 0)."""
        return self.random() * min(self.max_delay, self.base_delay * 2.0**retry_number)

    def delay(self, error: PayNowError, retry_number: int) -> float:
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            return error.retry_after
        return self.backoff(retry_number)

    def parse_retry_after(self, value: str | None) -> float | None:
        """``Retry-After`` as seconds to wait: delta-seconds or an HTTP date; ``None`` if absent/garbled."""
        if value is None:
            return None
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            pass
        else:
            # float() also accepts "nan"/"inf"/"-3"; none of them is a usable delay.
            return seconds if 0 <= seconds < float("inf") else None
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        return max(0.0, when.timestamp() - self.wall_clock())

    def run(
        self,
        attempt: Callable[[float], T],
        *,
        idempotent: bool,
        deadline: Deadline | None,
        operation: str,
    ) -> T:
        """Call ``attempt(remaining_seconds)`` until it succeeds or the rules say stop.

        ``attempt`` raises ``PayNowError`` on failure; anything else propagates untouched.
        """
        bound = self.deadline(deadline)
        retry_number = 0
        last_error: PayNowError | None = None
        while True:
            remaining = self.remaining(bound)
            if remaining <= 0:
                # Only reachable when a sleep overran the deadline, or it was spent before we began.
                if last_error is not None:
                    raise last_error
                raise TransportError(
                    "deadline reached before the request was sent", request_sent=False, operation=operation
                )
            try:
                return attempt(remaining)
            except PayNowError as error:
                out_of_attempts = retry_number + 1 >= self.max_attempts
                if out_of_attempts or not self.should_retry(error, idempotent=idempotent):
                    raise
                wait = self.delay(error, retry_number)
                if wait + self.min_attempt_time >= self.remaining(bound):
                    raise
                last_error = error
                logger.warning(
                    "PayNow call failed, retrying",
                    extra={
                        "operation": operation,
                        "error": type(error).__name__,
                        "status": error.status,
                        "retry": retry_number + 1,
                        "delay_s": round(wait, 3),
                    },
                )
                self.sleep(wait)
                retry_number += 1
