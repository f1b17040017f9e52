"""Sending one chunk of valid rows to PayNow exactly once.

* Bulk create first. A 409/400 must not sink the whole chunk: rows named by ``errors[].path`` are
  isolated (looked up or rejected) and the rest resent; without usable paths the chunk is bisected.
* After an ambiguous failure (5xx, timeout, dropped connection: ``outcome_unknown``) nothing is resent
  before every row has been looked up; rows found were created by that attempt (or earlier) and are
  not created again.
* 429 beyond the client's own retries is waited out here, bounded by the deadline.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from paynow.errors import (
    ConflictError,
    NotFoundError,
    PayNowError,
    RateLimitedError,
    TransportError,
    ValidationError,
    outcome_unknown,
)
from paynow.models import Customer, CustomerUpsert, LookupKey

from customers.common.deadline import Deadline
from customers.common.ports import CustomersApi
from customers.importer.config import ExistingMode
from customers.importer.model.counts import Counts
from customers.importer.model.rejection import RejectCode, Rejection
from customers.importer.model.valid_row import IDENTITY_PREFIX, ValidRow

# One PayNow call may not use the whole invocation: past this, back off at the engine level.
CALL_BUDGET_SECONDS = 30.0
_INDEX_PATH = re.compile(r"^\[?(\d+)\]?(?:[.\[]|$)")
# Customers created this long before the import started are not ours even with clock skew.
CLOCK_SKEW = timedelta(seconds=30)


class DeadlineReachedError(Exception):
    """The chunk could not finish before the deadline; it stays reserved and is reconciled next time."""


@dataclass
class ChunkResult:
    counts: Counts = field(default_factory=Counts)
    rejections: list[Rejection] = field(default_factory=list)
    calls: int = 0


def _parse_time(text: str) -> datetime | None:
    match = re.match(r"^(.*?T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$", text.strip())
    if not match:
        return None
    base, fraction, zone = match.groups()
    fraction = (fraction or "")[:7]
    zone = "+00:00" if zone in (None, "Z") else zone
    try:
        return datetime.fromisoformat(base + fraction + zone)
    except ValueError:
        return None


class ChunkSender:
    def __init__(
        self,
        api: CustomersApi,
        *,
        mode: ExistingMode,
        import_started: datetime,
        sleep: Callable[[float], None] = time.sleep,
        max_backoff: float = 5.0,
    ) -> None:
        self._api = api
        self._mode = mode
        self._ours_after = import_started - CLOCK_SKEW
        self._sleep = sleep
        self._max_backoff = max_backoff

    def send(self, rows: Sequence[ValidRow], *, reconcile: bool, deadline: Deadline) -> ChunkResult:
        """Create (or account for) every row. ``reconcile``: an earlier attempt may have sent them."""
        result = ChunkResult()
        pending = list(rows)
        if reconcile:
            pending = self._reconcile(pending, result, deadline)
        self._send_group(pending, result, deadline)
        return result

    # --- sending -------------------------------------------------------------------------------
    def _send_group(self, rows: list[ValidRow], result: ChunkResult, deadline: Deadline) -> None:
        failures = 0
        while rows:
            if deadline.expired():
                raise DeadlineReachedError
            try:
                result.calls += 1
                created = self._api.bulk_create_customers(
                    [row.upsert() for row in rows], deadline=self._call_deadline(deadline)
                )
            except (ConflictError, ValidationError) as exc:
                rows = self._isolate(rows, exc, result, deadline)
                continue
            except NotFoundError as exc:
                # Row-level 404 (a Minecraft name with no account) names the rows; any other 404
                # (an unknown store) concerns every call and stops the import.
                if not _named_indexes(exc, len(rows)):
                    raise
                rows = self._isolate(rows, exc, result, deadline)
                continue
            except RateLimitedError as exc:
                failures += 1
                self._backoff(failures, deadline, exc.retry_after)
                continue
            except PayNowError as exc:
                if isinstance(exc, TransportError) and not exc.request_sent:
                    failures += 1
                    self._backoff(failures, deadline, None)
                    continue
                if not outcome_unknown(exc):
                    raise
                failures += 1
                self._backoff(failures, deadline, None)
                rows = self._reconcile(rows, result, deadline)
                continue
            unmatched = self._record_created(rows, created, result)
            # A 200 that leaves rows out is not trusted: find out what happened to them.
            rows = self._reconcile(unmatched, result, deadline) if unmatched else []

    def _record_created(
        self, rows: list[ValidRow], created: list[Customer], result: ChunkResult
    ) -> list[ValidRow]:
        """Count the rows the response shows as created; return those it does not show."""
        by_identity = {
            IDENTITY_PREFIX[key] + value for customer in created for key, value in _identities_of(customer)
        }
        unmatched = [row for row in rows if not any(k in by_identity for k in row.identity_keys)]
        result.counts.created += len(rows) - len(unmatched)
        return unmatched

    def _isolate(
        self,
        rows: list[ValidRow],
        exc: ConflictError | ValidationError | NotFoundError,
        result: ChunkResult,
        deadline: Deadline,
    ) -> list[ValidRow]:
        """Settle the rows PayNow objected to; return the rows to send again."""
        named = _named_indexes(exc, len(rows))
        if not named:
            if len(rows) == 1:
                named = {0}
            else:
                middle = len(rows) // 2
                self._send_group(rows[:middle], result, deadline)
                self._send_group(rows[middle:], result, deadline)
                return []
        for index in sorted(named):
            row = rows[index]
            if isinstance(exc, ConflictError):
                self._settle_conflict(row, result, deadline)
            else:
                detail = "; ".join(
                    e.message or e.code or "" for e in exc.errors if e.path and _index_of(e.path) == index
                )
                self._reject(
                    row, RejectCode.REFUSED, f"PayNow refused the row: {detail or exc.message}", result
                )
        return [row for i, row in enumerate(rows) if i not in named]

    # --- existing customers --------------------------------------------------------------------
    def _settle_conflict(self, row: ValidRow, result: ChunkResult, deadline: Deadline) -> None:
        found = self._lookup(row, deadline)
        if found is None:
            # A conflict PayNow cannot show us (e.g. the id belongs to a deleted customer): resending
            # would only conflict again.
            self._reject(
                row, RejectCode.CONFLICT, "PayNow reports a conflict but no customer matches", result
            )
        elif isinstance(found, str):
            self._reject(row, RejectCode.CONFLICT, found, result)
        else:
            self._existing(row, found, result, deadline)

    def _reconcile(self, rows: list[ValidRow], result: ChunkResult, deadline: Deadline) -> list[ValidRow]:
        """Look every row up; account for those already in PayNow and return the ones that are not."""
        missing: list[ValidRow] = []
        for row in rows:
            found = self._lookup(row, deadline)
            if found is None:
                missing.append(row)
            elif isinstance(found, str):
                self._reject(row, RejectCode.CONFLICT, found, result)
            elif self._is_ours(found):
                result.counts.created += 1
            else:
                self._existing(row, found, result, deadline)
        return missing

    def _is_ours(self, customer: Customer) -> bool:
        created = _parse_time(customer.created_at)
        return created is not None and created >= self._ours_after

    def _existing(self, row: ValidRow, customer: Customer, result: ChunkResult, deadline: Deadline) -> None:
        changes = {k: v for k, v in row.body.items() if k in ("name", "metadata")}
        if self._mode is ExistingMode.SKIP or not changes:
            result.counts.existing += 1
            return
        try:
            result.calls += 1
            self._api.update_customer(
                customer.id, CustomerUpsert(**changes), deadline=self._call_deadline(deadline)
            )
        except (ConflictError, ValidationError) as exc:
            self._reject(
                row, RejectCode.REFUSED, f"PayNow refused the update of {customer.id}: {exc.message}", result
            )
            return
        except NotFoundError:
            # Deleted between our lookup and the PATCH: only this row is affected, the owner decides.
            self._reject(
                row,
                RejectCode.REFUSED,
                f"customer {customer.id} was deleted while the import ran; upload the row again",
                result,
            )
            return
        result.counts.updated += 1

    def _lookup(self, row: ValidRow, deadline: Deadline) -> Customer | str | None:
        """The one customer holding the row's identities, None, or a conflict explanation."""
        found: dict[str, Customer] = {}
        holders: list[str] = []
        for key, value in row.identities:
            customer = self._lookup_one(key, value, deadline)
            if customer is not None:
                found[customer.id] = customer
                holders.append(f"{key.value} -> customer {customer.id}")
        if not found:
            return None
        if len(found) > 1:
            return "identifiers belong to different customers: " + ", ".join(holders)
        return next(iter(found.values()))

    def _lookup_one(self, key: LookupKey, value: str, deadline: Deadline) -> Customer | None:
        failures = 0
        while True:
            try:
                return self._api.lookup_customer(key, value, deadline=self._call_deadline(deadline))
            except RateLimitedError as exc:
                failures += 1
                self._backoff(failures, deadline, exc.retry_after)
            except PayNowError as exc:
                # Lookups are reads: any transient failure can be retried safely.
                if not (outcome_unknown(exc) or isinstance(exc, TransportError)):
                    raise
                failures += 1
                self._backoff(failures, deadline, None)

    def _reject(self, row: ValidRow, code: RejectCode, reason: str, result: ChunkResult) -> None:
        result.counts.rejected += 1
        result.rejections.append(Rejection(row.line, code, reason, row.values))

    # --- timing --------------------------------------------------------------------------------
    def _call_deadline(self, deadline: Deadline) -> Deadline:
        return Deadline.after(CALL_BUDGET_SECONDS).earliest(deadline)

    def _backoff(self, failures: int, deadline: Deadline, retry_after: float | None) -> None:
        # Full jitter spreads the retries of concurrent chunks; not a security use of randomness.
        cap = min(self._max_backoff, 0.1 * 2**failures)
        delay = retry_after if retry_after is not None else random.uniform(0, cap)  # noqa: S311
        if delay >= deadline.remaining():
            raise DeadlineReachedError
        self._sleep(delay)


def _identities_of(customer: Customer) -> list[tuple[LookupKey, str]]:
    pairs = [
        (LookupKey.STEAM_ID, customer.steam_id),
        (LookupKey.MINECRAFT_UUID, customer.minecraft_uuid),
        (LookupKey.XBOX_XUID, customer.xbox_xuid),
    ]
    return [(k, v.lower() if k is LookupKey.MINECRAFT_UUID else v) for k, v in pairs if v]


def _index_of(path: str) -> int | None:
    match = _INDEX_PATH.match(path)
    return int(match.group(1)) if match else None


def _named_indexes(exc: PayNowError, size: int) -> set[int]:
    indexes = {_index_of(e.path) for e in exc.errors if e.path}
    if not indexes or None in indexes or any(i is not None and i >= size for i in indexes):
        return set()
    return {i for i in indexes if i is not None}
