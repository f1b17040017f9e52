"""Fault injection: what can go wrong between a client and PayNow, on demand and reproducibly."""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from enum import StrEnum
from typing import Any, Literal, NamedTuple

CommitThenFail = Literal["500", "timeout"]

OPERATIONS = frozenset(
    {
        "list",
        "create",
        "get",
        "update",
        "lookup",
        "bulk",
        "create_token",
        "invalidate_tokens",
        "storefront_customer",
        "list_webhooks",
        "create_webhook",
        "update_webhook",
        "delete_webhook",
        "webhook_history",
        "get_payment",
    }
)
WRITE_OPERATIONS = frozenset(
    {
        "create",
        "update",
        "bulk",
        "create_token",
        "invalidate_tokens",
        "create_webhook",
        "update_webhook",
        "delete_webhook",
    }
)


class RateLimit(NamedTuple):
    """Token bucket per API key (or customer token): ``per_second`` refill, ``burst`` capacity."""

    per_second: float
    burst: int


@dataclass
class Faults:
    """Faults applied to API requests (never to ``/_emulator/...``). Mutable at any time.

    Counters (``error_count``, ``drop_count``, ``commit_then_fail_count``) say how many of the next
    eligible requests are hit; they count down in place and take precedence over the rates.
    ``operations`` limits drops, errors and commit-then-fail to the named operations.
    """

    latency_s: float = 0.0
    rate_limit: RateLimit | None = None
    retry_after_header: bool = True
    retry_after_http_date: bool = False
    error_rate: float = 0.0
    error_count: int = 0
    error_status: int = 500
    drop_rate: float = 0.0
    drop_count: int = 0
    commit_then_fail: CommitThenFail | None = None
    commit_then_fail_count: int | None = None
    commit_then_fail_rate: float = 1.0
    hang_s: float = 30.0
    operations: frozenset[str] | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ValueError naming the first field that makes no sense."""
        for name in ("error_rate", "drop_rate", "commit_then_fail_rate"):
            rate = getattr(self, name)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be within 0..1, got {rate}")
        for name in ("latency_s", "hang_s"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        for name in ("error_count", "drop_count"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.commit_then_fail_count is not None and self.commit_then_fail_count < 0:
            raise ValueError("commit_then_fail_count must not be negative")
        if not 500 <= self.error_status <= 599:
            raise ValueError(f"error_status must be a 5xx status, got {self.error_status}")
        if self.commit_then_fail not in (None, "500", "timeout"):
            raise ValueError(
                f"commit_then_fail must be '500', 'timeout' or null, got {self.commit_then_fail!r}"
            )
        if self.rate_limit is not None:
            per_second, burst = self.rate_limit
            if per_second <= 0 or burst < 1:
                raise ValueError("rate_limit needs per_second > 0 and burst >= 1")
        if self.operations is not None:
            unknown = set(self.operations) - OPERATIONS
            if unknown:
                raise ValueError(f"unknown operations {sorted(unknown)}; known: {sorted(OPERATIONS)}")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rate_limit"] = (
            None
            if self.rate_limit is None
            else {"per_second": self.rate_limit[0], "burst": self.rate_limit[1]}
        )
        data["operations"] = None if self.operations is None else sorted(self.operations)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], base: Faults | None = None) -> Faults:
        """Build from JSON-shaped data; with ``base``, unspecified fields keep base's values."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault fields {sorted(unknown)}; known: {sorted(known)}")
        values: dict[str, Any] = {} if base is None else {f.name: getattr(base, f.name) for f in fields(cls)}
        values.update(data)
        try:
            rate_limit = values.get("rate_limit")
            if isinstance(rate_limit, dict):
                values["rate_limit"] = RateLimit(float(rate_limit["per_second"]), int(rate_limit["burst"]))
            elif isinstance(rate_limit, list | tuple):
                per_second, burst = rate_limit
                values["rate_limit"] = RateLimit(float(per_second), int(burst))
            operations = values.get("operations")
            if operations is not None:
                values["operations"] = frozenset(operations)
            return cls(**values)
        except (TypeError, KeyError) as exc:
            raise ValueError(f"invalid faults: {exc}") from exc


class Action(StrEnum):
    RESPOND = "respond"
    DROP = "drop"
    TIMEOUT = "timeout"


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class FaultEngine:
    """Draws fault decisions. Callers hold the emulator's lock, so no locking here."""

    rng: random.Random = field(default_factory=random.Random)
    applied_seed: int | None = None
    buckets: dict[str, _Bucket] = field(default_factory=dict)

    def sync_seed(self, faults: Faults) -> None:
        if faults.seed is not None and faults.seed != self.applied_seed:
            self.rng.seed(faults.seed)
        self.applied_seed = faults.seed

    def rate_limited(self, faults: Faults, bucket_key: str, now: float) -> float | None:
        """Seconds until the caller may retry when its bucket is empty, else None (and spend a token)."""
        if faults.rate_limit is None:
            return None
        per_second, burst = float(faults.rate_limit[0]), int(faults.rate_limit[1])
        bucket = self.buckets.get(bucket_key)
        if bucket is None:
            bucket = self.buckets[bucket_key] = _Bucket(tokens=float(burst), updated=now)
        bucket.tokens = min(float(burst), bucket.tokens + (now - bucket.updated) * per_second)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return (1.0 - bucket.tokens) / per_second

    def _hit(self, faults: Faults, count_field: str, rate: float) -> bool:
        count = getattr(faults, count_field)
        if count:
            setattr(faults, count_field, count - 1)
            return True
        return rate > 0 and self.rng.random() < rate

    def applies(self, faults: Faults, operation: str | None) -> bool:
        return faults.operations is None or operation in faults.operations

    def drop(self, faults: Faults, operation: str | None) -> bool:
        return self.applies(faults, operation) and self._hit(faults, "drop_count", faults.drop_rate)

    def error(self, faults: Faults, operation: str | None) -> bool:
        return self.applies(faults, operation) and self._hit(faults, "error_count", faults.error_rate)

    def commit_then_fail(self, faults: Faults, operation: str | None) -> CommitThenFail | None:
        mode = faults.commit_then_fail
        if mode is None or operation not in WRITE_OPERATIONS or not self.applies(faults, operation):
            return None
        if faults.commit_then_fail_count is not None:
            if faults.commit_then_fail_count == 0:
                return None
            faults.commit_then_fail_count -= 1
            return mode
        rate = faults.commit_then_fail_rate
        return mode if rate > 0 and self.rng.random() < rate else None


def retry_after_header(delay_s: float, http_date: bool = False) -> str:
    """Whole seconds (at least 1), or the HTTP-date form RFC 9110 also allows."""
    seconds = max(1, math.ceil(delay_s))
    if http_date:
        return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds), usegmt=True)
    return str(seconds)
