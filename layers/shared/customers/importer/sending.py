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
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TypeVar

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
from customers.common.ports import CustomerListing, CustomersApi
from customers.importer.config import ExistingMode
from customers.importer.model.counts import Counts
from customers.importer.model.rejection import RejectCode, Rejection
from customers.importer.model.results import Outcome
from customers.importer.model.valid_row import IDENTITY_PREFIX, ValidRow
from customers.importer.pacing import Pacer

# One PayNow call may not use the whole invocation: past this, back off at the engine level.
CALL_BUDGET_SECONDS = 30.0
_INDEX_PATH = re.compile(r"^\[?(\d+)\]?(?:[.\[]|$)")
# Reconciliation: rows looked up first (the chunk's first and last), then list pages walked at most.
PROBES = 2
WALK_PAGES = 4
WALK_PAGE_SIZE = 100
T = TypeVar("T")
# Customers created this long before the import started are not ours even with clock skew.
CLOCK_SKEW = timedelta(seconds=30)


class DeadlineReachedError(Exception):
    """The chunk could not finish before the deadline; it stays reserved and is reconciled next time."""


@dataclass
class ChunkResult:
    counts: Counts = field(default_factory=Counts)
    rejections: list[Rejection] = field(default_factory=list)
    # line -> (outcome, PayNow customer id) for every row not rejected
    outcomes: dict[int, tuple[Outcome, str]] = field(default_factory=dict)
    calls: int = 0

    def customer_of(self, row: ValidRow) -> str | None:
        settled = self.outcomes.get(row.line)
        return None if settled is None else settled[1]

    def settled(self, row: ValidRow, outcome: Outcome, customer_id: str) -> None:
        self.outcomes[row.line] = (outcome, customer_id)
        if outcome is Outcome.CREATED:
            self.counts.created += 1
        elif outcome is Outcome.EXISTING:
            self.counts.existing += 1
        else:
            self.counts.updated += 1


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
        listing: CustomerListing | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self._api = api
        # Every PayNow call of the import goes through one pacer (a pass-through one when not given).
        self._pacer = pacer or Pacer(1 << 16)
        # Without a listing, reconciliation looks every row up.
        self._listing = listing
        self._mode = mode
        self._ours_after = import_started - CLOCK_SKEW
        # Our clock minus PayNow's, learned from the customers our own calls create (None: not yet).
        self._clock_offset: timedelta | None = None
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
                created = self._pacer.call(
                    partial(
                        self._api.bulk_create_customers,
                        [row.upsert() for row in rows],
                        deadline=self._call_deadline(deadline),
                    )
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
        self._learn_clock(created)
        by_identity = {
            IDENTITY_PREFIX[key] + value: customer.id
            for customer in created
            for key, value in _identities_of(customer)
        }
        unmatched: list[ValidRow] = []
        for row in rows:
            customer_id = next((by_identity[k] for k in row.identity_keys if k in by_identity), None)
            if customer_id is None:
                unmatched.append(row)
            else:
                result.settled(row, Outcome.CREATED, customer_id)
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
        """Account for the rows already in PayNow; return the ones that are not (to send again).

        The cheap path, a few calls instead of one per row: look up the first row, and unless this
        import created it, the last one. Neither created by us: the call committed nothing, and the
        other rows are returned to be sent again (should PayNow have committed some after all, or
        commit them late, the resend answers 409 for exactly those rows and they are looked up, so
        nothing is created twice). One created by us: the customers created from it on are listed in
        id order (flake ids follow creation on PayNow's clock, so ours does not matter) and matched by
        identifier; rows the walk does not settle are looked up one by one.
        """
        if self._listing is None or len(rows) <= PROBES:
            return self._lookup_each(rows, result, deadline)
        missing: list[ValidRow] = []
        anchor: int | None = None
        probed = 0
        for probe in (rows[0], rows[-1]):
            probed += 1
            missing += self._lookup_each([probe], result, deadline)
            settled = result.outcomes.get(probe.line)
            if settled is not None and settled[0] is Outcome.CREATED:
                anchor = int(settled[1])  # created by this import: its call's customers follow it
                break
        rest = rows[1:] if probed == 1 else rows[1:-1]
        if anchor is None:
            return [*missing, *rest]
        unmatched = self._walk(rest, anchor, result, deadline)
        return [*missing, *self._lookup_each(unmatched, result, deadline)]

    def _walk(
        self, rows: list[ValidRow], anchor: int, result: ChunkResult, deadline: Deadline
    ) -> list[ValidRow]:
        """Settle the rows found among the customers listed from ``anchor`` on; return the others."""
        listing = self._listing
        assert listing is not None
        waiting = {key: row for row in rows for key in row.identity_keys}
        done: set[int] = set()
        after = str(anchor - 1)
        for _ in range(WALK_PAGES):

            def page_after(cursor: str = after) -> list[Customer]:
                return listing.list_customers(
                    WALK_PAGE_SIZE, after=cursor, asc=True, deadline=self._call_deadline(deadline)
                )

            page = self._idempotent(page_after, deadline)
            result.calls += 1
            for customer in page:
                for lookup_key, value in _identities_of(customer):
                    row = waiting.get(IDENTITY_PREFIX[lookup_key] + value)
                    if row is not None and row.line not in done:
                        done.add(row.line)
                        self._found(row, customer, result, deadline)
            waiting = {k: row for k, row in waiting.items() if row.line not in done}
            if not waiting or len(page) < WALK_PAGE_SIZE:
                break
            after = page[-1].id
        return [row for row in rows if row.line not in done]

    def _lookup_each(self, rows: list[ValidRow], result: ChunkResult, deadline: Deadline) -> list[ValidRow]:
        """Look every row up; account for those already in PayNow and return the ones that are not."""
        missing: list[ValidRow] = []
        for row in rows:
            found = self._lookup(row, deadline)
            result.calls += len(row.identity_keys)
            if found is None:
                missing.append(row)
            elif isinstance(found, str):
                self._reject(row, RejectCode.CONFLICT, found, result)
            else:
                self._found(row, found, result, deadline)
        return missing

    def _found(self, row: ValidRow, customer: Customer, result: ChunkResult, deadline: Deadline) -> None:
        if self._is_ours(customer):
            result.settled(row, Outcome.CREATED, customer.id)
        else:
            self._existing(row, customer, result, deadline)

    def _is_ours(self, customer: Customer) -> bool:
        created = _parse_time(customer.created_at)
        if created is None:
            return False
        # created_at is on PayNow's clock, the import's start on ours: compare on one clock.
        return created + (self._clock_offset or timedelta(0)) >= self._ours_after

    def _learn_clock(self, created: list[Customer]) -> None:
        now = datetime.now(UTC)
        for customer in created[:1]:
            stamp = _parse_time(customer.created_at)
            if stamp is not None:
                # The smallest difference seen is the closest to the true offset (it includes latency).
                offset = now - stamp
                if self._clock_offset is None or offset < self._clock_offset:
                    self._clock_offset = offset

    def _existing(self, row: ValidRow, customer: Customer, result: ChunkResult, deadline: Deadline) -> None:
        changes = {k: v for k, v in row.body.items() if k in ("name", "metadata")}
        if self._mode is ExistingMode.MERGE and "metadata" in changes:
            # PATCH replaces the whole map: send the stored keys too, the CSV's winning on conflict.
            changes["metadata"] = {**customer.metadata, **changes["metadata"]}
        if self._mode is ExistingMode.SKIP or not changes:
            result.settled(row, Outcome.EXISTING, customer.id)
            return
        try:
            result.calls += 1
            body = CustomerUpsert(**changes)
            self._idempotent(
                partial(self._api.update_customer, customer.id, body, deadline=self._call_deadline(deadline)),
                deadline,
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
        result.settled(row, Outcome.UPDATED, customer.id)

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
        return self._idempotent(
            lambda: self._api.lookup_customer(key, value, deadline=self._call_deadline(deadline)), deadline
        )

    def _idempotent(self, call: Callable[[], T], deadline: Deadline) -> T:
        """A read or a PATCH, retried after any transient failure (safe to repeat)."""
        failures = 0
        while True:
            try:
                return self._pacer.call(call)
            except RateLimitedError as exc:
                failures += 1
                self._backoff(failures, deadline, exc.retry_after)
            except PayNowError as exc:
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
