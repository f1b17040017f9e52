"""A point in time every retry loop must finish before (Lambda's remaining time, API Gateway's 29 s).

``paynow`` takes any object with an ``at`` (see ``paynow.retry.Deadline``); this is the one the
application passes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol


class _LambdaContext(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Deadline:
    """Absolute deadline on the monotonic clock."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    @classmethod
    def from_lambda_context(cls, context: _LambdaContext, *, reserve_seconds: float = 1.0) -> Deadline:
        """The invocation's end, less a reserve to answer or checkpoint before Lambda kills us."""
        return cls.after(context.get_remaining_time_in_millis() / 1000 - reserve_seconds)

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def earliest(self, other: Deadline | None) -> Deadline:
        return self if other is None or self.at <= other.at else other


# API Gateway gives up on an integration after 29 s; leave room to answer.
API_GATEWAY_BUDGET_SECONDS = 25.0


def api_deadline(context: Any) -> Deadline:
    """The earlier of Lambda's end and API Gateway's integration timeout."""
    cap = Deadline.after(API_GATEWAY_BUDGET_SECONDS)
    if context is None or not hasattr(context, "get_remaining_time_in_millis"):
        return cap
    return Deadline.from_lambda_context(context).earliest(cap)


def invoke_deadline(context: Any) -> Deadline:
    """A direct invocation has no API Gateway in front: Lambda's own end."""
    if context is None or not hasattr(context, "get_remaining_time_in_millis"):
        return Deadline.after(API_GATEWAY_BUDGET_SECONDS)
    return Deadline.from_lambda_context(context)
