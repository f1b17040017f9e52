"""Reconciliation after an ambiguous bulk failure: a few calls per chunk, never a customer twice."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from customers.common.deadline import Deadline
from customers.importer.config import ExistingMode
from customers.importer.model.results import Outcome
from customers.importer.model.valid_row import ValidRow
from customers.importer.sending import ChunkSender
from paynow.errors import ConflictError, ErrorDetail, ServerError
from paynow.models import Customer, CustomerUpsert, LookupKey, Payment

STORE = "411486491630370816"
FLAKE_EPOCH = datetime(2022, 2, 22, 22, 22, 22, tzinfo=UTC)


class ListingApi:
    """PayNow in memory with what reconciliation depends on: unique identifiers (409 naming the item),
    flake ids in creation order, listing in id order. ``fail_next`` scripts the next bulk calls:
    "commit-then-500", "500" (nothing committed) or "late" (nothing now, committed before the next
    call of any kind). ``interleave`` other customers are created between two of ours (concurrent
    chunks or signups committing at the same moment)."""

    def __init__(self, *, clock_skew: timedelta = timedelta(0), interleave: int = 0) -> None:
        self.customers: dict[int, Customer] = {}
        self.calls: Counter[str] = Counter()
        self.fail_next: list[str] = []
        self._late: list[CustomerUpsert] = []
        self._sequence = 0
        self._skew = clock_skew
        self._interleave = interleave
        self._lock = threading.RLock()

    def set_skew(self, skew: timedelta) -> None:
        self._skew = skew

    def _new_id(self) -> int:
        self._sequence += 1
        now = datetime.now(UTC) + self._skew
        return (int((now - FLAKE_EPOCH).total_seconds() * 1000) << 22) + self._sequence

    def _store(self, body: CustomerUpsert) -> Customer:
        new_id = self._new_id()
        stamp = FLAKE_EPOCH + timedelta(milliseconds=new_id >> 22)
        customer = Customer(
            id=str(new_id),
            store_id=STORE,
            created_at=stamp.isoformat().replace("+00:00", "Z"),
            **body.model_dump(exclude_none=True),
        )
        self.customers[new_id] = customer
        return customer

    def _commit_late(self) -> None:
        late, self._late = self._late, []
        for body in late:
            self._store(body)

    def _holder(self, body: CustomerUpsert) -> Customer | None:
        return next((c for c in self.customers.values() if c.steam_id == body.steam_id), None)

    def bulk_create_customers(
        self, items: Sequence[CustomerUpsert], *, deadline: Deadline | None = None
    ) -> list[Customer]:
        with self._lock:
            self._commit_late()
            self.calls["bulk"] += 1
            taken = [i for i, body in enumerate(items) if self._holder(body) is not None]
            if taken:
                errors = tuple(ErrorDetail("conflict", "taken", f"[{i}].steam_id", None) for i in taken)
                raise ConflictError("conflict", status=409, code="conflict", errors=errors)
            mode = self.fail_next.pop(0) if self.fail_next else None
            if mode == "500":
                raise ServerError("boom", status=500)
            if mode == "late":
                self._late = list(items)
                raise ServerError("timeout", status=504)
            created = []
            for body in items:
                created.append(self._store(body))
                for n in range(self._interleave):
                    self._store(CustomerUpsert(name=f"other{self._sequence}-{n}"))
            if mode == "commit-then-500":
                raise ServerError("failed after commit", status=500)
            return created

    def lookup_customer(
        self, key: LookupKey, value: str, *, deadline: Deadline | None = None
    ) -> Customer | None:
        with self._lock:
            self._commit_late()
            self.calls["lookup"] += 1
            return next((c for c in self.customers.values() if c.steam_id == value), None)

    def list_customers(
        self,
        limit: int = 25,
        *,
        after: str | None = None,
        before: str | None = None,
        asc: bool = False,
        deadline: Deadline | None = None,
    ) -> list[Customer]:
        assert asc
        assert before is None
        with self._lock:
            self._commit_late()
            self.calls["list"] += 1
            ids = sorted(i for i in self.customers if after is None or i > int(after))
            return [self.customers[i] for i in ids[:limit]]

    def update_customer(self, customer_id: str, body: CustomerUpsert, *, deadline: Any = None) -> Customer:
        raise AssertionError("skip mode")

    def create_customer(self, body: CustomerUpsert, *, deadline: Any = None) -> Customer:
        raise AssertionError("not used")

    def create_customer_token(self, customer_id: str, *, deadline: Any = None) -> str:
        raise AssertionError("not used")

    def invalidate_customer_tokens(self, customer_id: str, *, deadline: Any = None) -> None:
        raise AssertionError("not used")

    def get_payment(self, payment_id: str, *, deadline: Any = None) -> Payment:
        raise AssertionError("not used")


def rows(first: int, count: int = 200) -> list[ValidRow]:
    made = []
    for n in range(first, first + count):
        steam = str(76561198000000000 + n)
        made.append(ValidRow(n + 2, [steam], ("s:" + steam,), {"steam_id": steam}, ()))
    return made


def sender(api: ListingApi, started: datetime | None = None) -> ChunkSender:
    return ChunkSender(
        api,
        mode=ExistingMode.SKIP,
        import_started=started or datetime.now(UTC),
        sleep=lambda _: None,
        listing=api,
    )


def assert_once(api: ListingApi, chunk: list[ValidRow]) -> None:
    held = Counter(c.steam_id for c in api.customers.values() if c.steam_id)
    assert {r.body["steam_id"]: held[r.body["steam_id"]] for r in chunk} == {
        r.body["steam_id"]: 1 for r in chunk
    }


@pytest.mark.parametrize(
    ("failure", "most_calls"),
    [("commit-then-500", 6), ("500", 4)],
)
def test_an_ambiguous_failure_is_settled_with_a_few_calls(failure: str, most_calls: int) -> None:
    api = ListingApi()
    api.fail_next = [failure]
    chunk = rows(0)
    result = sender(api).send(chunk, reconcile=False, deadline=Deadline.after(30))
    assert result.counts.created == 200
    assert sum(api.calls.values()) <= most_calls
    assert_once(api, chunk)
    outcomes = {line: outcome for line, (outcome, _) in result.outcomes.items()}
    assert set(outcomes.values()) == {Outcome.CREATED}
    assert {cid for _, cid in result.outcomes.values()} == {c.id for c in api.customers.values()}


def test_a_commit_that_lands_after_the_listing_is_not_created_again() -> None:
    api = ListingApi()
    api.fail_next = ["late"]  # nothing visible when reconciling; committed before the resend
    chunk = rows(0)
    result = sender(api).send(chunk, reconcile=False, deadline=Deadline.after(30))
    assert result.counts.created == 200
    assert result.counts.existing == 0
    assert_once(api, chunk)


def test_listing_pages_shared_by_concurrent_chunks() -> None:
    # Two chunks commit at once and their customers interleave with each other (and with others).
    api = ListingApi(interleave=1)
    api.fail_next = ["commit-then-500", "commit-then-500"]
    chunks = [rows(0), rows(1000)]
    results: list[Any] = [None, None]
    one = sender(api)

    def send(index: int) -> None:
        results[index] = one.send(chunks[index], reconcile=False, deadline=Deadline.after(30))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for chunk, result in zip(chunks, results, strict=True):
        assert result.counts.created == 200
        assert_once(api, chunk)
    assert api.calls["bulk"] == 2
    assert api.calls["list"] <= 8


@pytest.mark.parametrize("skew", [timedelta(hours=-1), timedelta(minutes=10)])
def test_clock_skew_between_us_and_paynow_neither_duplicates_nor_miscounts(skew: timedelta) -> None:
    api = ListingApi(clock_skew=skew)
    one = sender(api)
    deadline = Deadline.after(30)
    assert one.send(rows(0), reconcile=False, deadline=deadline).counts.created == 200
    api.fail_next = ["commit-then-500"]
    chunk = rows(500)
    result = one.send(chunk, reconcile=False, deadline=deadline)
    assert (result.counts.created, result.counts.existing) == (200, 0)
    assert_once(api, chunk)


def test_a_resumed_chunk_is_reconciled_by_walking_too() -> None:
    api = ListingApi()
    api.fail_next = ["commit-then-500"]
    chunk = rows(0)
    with pytest.raises(ServerError):
        # A crashed invocation: the commit happened, the outcome never reached the checkpoint.
        api.bulk_create_customers([r.upsert() for r in chunk])
    api.calls.clear()
    result = sender(api).send(chunk, reconcile=True, deadline=Deadline.after(30))
    assert result.counts.created == 200
    assert api.calls["bulk"] == 0
    assert sum(api.calls.values()) <= 5
    assert_once(api, chunk)


def test_customers_that_existed_before_the_import_count_as_existing() -> None:
    api = ListingApi(clock_skew=timedelta(hours=-2))
    old = rows(0, 3)
    api.bulk_create_customers([r.upsert() for r in old])  # two hours before the import
    api.set_skew(timedelta(0))
    api.fail_next = ["commit-then-500"]
    chunk = [*old, *rows(10, 10)]
    result = sender(api).send(chunk, reconcile=False, deadline=Deadline.after(30))
    assert (result.counts.created, result.counts.existing) == (10, 3)
    assert_once(api, chunk)
