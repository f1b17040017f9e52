"""In-memory implementations of the domain ports for unit tests: the one ``CustomersApi`` fake and the
signup feature's lock, nonces, publisher and authenticator."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from customers.common.deadline import Deadline
from customers.common.ports import Claim
from paynow.errors import ConflictError, ErrorDetail, NotFoundError, PayNowError
from paynow.models import Customer, CustomerUpsert, LookupKey, Payment

STORE = "429000000000000000"
UNIQUE = ("steam_id", "minecraft_uuid", "xbox_xuid")
# A customer from before any import under test (an import counts newer ones as its own).
LONG_AGO = "2024-01-01T00:00:00Z"


@dataclass
class FakeCustomersApi:
    """Enough of PayNow for the domain: unique ids, existing Minecraft names, a call log, scripted errors.

    ``fail[op]`` raises its errors one per call of ``op`` ("lookup", "create", "update", "bulk", "token",
    "invalidate", "payment"); with ``land_before_failing`` a create or bulk stores its customers first
    (the write happened, the answer was lost). A colliding bulk item fails the whole call with 409
    (PayNow's atomic bulk), naming the item in ``errors[].path`` unless ``conflict_paths`` is False.
    ``get_payment`` answers from ``payments`` (404 for any other id).
    """

    minecraft: dict[str, tuple[str, str]] = field(default_factory=dict)  # lower name -> (uuid, platform)
    customers: list[Customer] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    fail: dict[str, list[BaseException]] = field(default_factory=dict)
    land_before_failing: bool = False
    conflict_paths: bool = True
    bulk_sizes: list[int] = field(default_factory=list)
    payments: dict[str, Payment] = field(default_factory=dict)  # payment id -> payment
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # Run outside the lock around each bulk call: tests hold a chunk back or watch calls overlap.
    before_bulk: Callable[[Sequence[CustomerUpsert]], None] | None = None
    after_bulk: Callable[[Sequence[CustomerUpsert]], None] | None = None
    _ids: Any = field(default_factory=lambda: itertools.count(429000000000000100))
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def _maybe_fail(self, op: str) -> None:
        queue = self.fail.get(op)
        if queue:
            raise queue.pop(0)

    def add_existing(self, **fields: Any) -> Customer:
        """A customer already in the store before the code under test runs."""
        customer = Customer(id=str(next(self._ids)), store_id=STORE, created_at=LONG_AGO, **fields)
        self.customers.append(customer)
        return customer

    def holders(self, key: str, value: str) -> list[Customer]:
        return [c for c in self.customers if getattr(c, key) == value]

    def lookup_customer(
        self, key: LookupKey, value: str, *, deadline: Deadline | None = None
    ) -> Customer | None:
        with self._lock:
            self.calls.append("lookup")
            self._maybe_fail("lookup")
            for c in self.customers:
                if (
                    key is LookupKey.MINECRAFT_JAVA_NAME
                    and c.minecraft_platform == "java"
                    and (c.name or "").lower() == value.lower()
                ):
                    return c
                if (
                    key is LookupKey.MINECRAFT_BEDROCK_NAME
                    and c.minecraft_platform == "bedrock"
                    and (c.name or "").lower() == value.lower()
                ):
                    return c
                if key.value in (*UNIQUE, "name") and getattr(c, key.value) == value:
                    return c
            return None

    def create_customer(self, body: CustomerUpsert, *, deadline: Deadline | None = None) -> Customer:
        fields = body.to_body()
        with self._lock:
            self.calls.append("create")
            if self.land_before_failing and self.fail.get("create"):
                self._store(fields)
            self._maybe_fail("create")
            if "minecraft_platform" in fields and "minecraft_uuid" not in fields:
                account = self.minecraft.get(fields["name"].lower())
                if account is None:
                    raise NotFoundError("minecraft account not found", status=404, code="not-found")
                fields["minecraft_uuid"] = account[0]
            if self._collision(fields, self.customers):
                raise ConflictError("already exists", status=409, code="conflict")
            return self._store(fields)

    def _collision(self, fields: dict[str, Any], others: Sequence[Customer]) -> str | None:
        """The first unique field of ``fields`` another customer already holds."""
        for unique in UNIQUE:
            if fields.get(unique) and any(getattr(c, unique) == fields[unique] for c in others):
                return unique
        return None

    def _store(self, fields: dict[str, Any]) -> Customer:
        customer = Customer(
            id=str(next(self._ids)), store_id=STORE, created_at=self.now().isoformat(), **fields
        )
        self.customers.append(customer)
        return customer

    def update_customer(
        self, customer_id: str, body: CustomerUpsert, *, deadline: Deadline | None = None
    ) -> Customer:
        changes = body.to_body()
        with self._lock:
            self.calls.append("update")
            self._maybe_fail("update")
            for index, c in enumerate(self.customers):
                if c.id == customer_id:
                    others = [o for o in self.customers if o.id != customer_id]
                    if self._collision(changes, others):
                        raise ConflictError("already exists", status=409, code="conflict")
                    self.customers[index] = c.model_copy(update=changes)
                    return self.customers[index]
            raise NotFoundError("customer not found", status=404, code="not-found")

    def bulk_create_customers(
        self, items: Sequence[CustomerUpsert], *, deadline: Deadline | None = None
    ) -> list[Customer]:
        if self.before_bulk is not None:
            self.before_bulk(items)
        created = self._bulk(items)
        if self.after_bulk is not None:
            self.after_bulk(items)
        return created

    def _bulk(self, items: Sequence[CustomerUpsert]) -> list[Customer]:
        bodies = [item.to_body() for item in items]
        with self._lock:
            self.calls.append("bulk")
            self.bulk_sizes.append(len(bodies))
            if self.land_before_failing and self.fail.get("bulk"):
                for fields in bodies:
                    self._store(fields)
            self._maybe_fail("bulk")
            # Atomic like PayNow's bulk: every item is checked (against the store and the earlier
            # items) before anything is stored.
            errors: list[ErrorDetail] = []
            for index, fields in enumerate(bodies):
                earlier = [Customer(id="-", store_id=STORE, created_at="-", **b) for b in bodies[:index]]
                unique = self._collision(fields, [*self.customers, *earlier])
                if unique is not None:
                    path = f"[{index}].{unique}" if self.conflict_paths else None
                    errors.append(
                        ErrorDetail(code="conflict", message="already exists", path=path, validation=None)
                    )
            if errors:
                raise ConflictError("already exists", status=409, code="conflict", errors=tuple(errors))
            return [self._store(fields) for fields in bodies]

    def create_customer_token(self, customer_id: str, *, deadline: Deadline | None = None) -> str:
        with self._lock:
            self.calls.append("token")
            self._maybe_fail("token")
            if not any(c.id == customer_id for c in self.customers):
                raise NotFoundError("customer not found", status=404, code="not-found")
            return f"tok-{customer_id}-{len(self.calls)}"

    def invalidate_customer_tokens(self, customer_id: str, *, deadline: Deadline | None = None) -> None:
        with self._lock:
            self.calls.append("invalidate")
            self._maybe_fail("invalidate")
            if not any(c.id == customer_id for c in self.customers):
                raise NotFoundError("customer not found", status=404, code="not-found")

    def get_payment(self, payment_id: str, *, deadline: Deadline | None = None) -> Payment:
        with self._lock:
            self.calls.append("payment")
            self._maybe_fail("payment")
            payment = self.payments.get(payment_id)
            if payment is None:
                raise NotFoundError("payment not found", status=404, code="not-found")
            return payment


class MemoryLock:
    def __init__(self, clock: Any = None) -> None:
        import time

        self._clock = clock or time.monotonic
        self.items: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.claims = 0

    def claim(self, key: str, owner: str, *, hold_seconds: float) -> Claim:
        with self._lock:
            self.claims += 1
            item = self.items.get(key)
            if item is None or item["expiration"] < self._clock():
                self.items[key] = {
                    "owner": owner,
                    "state": "held",
                    "expiration": self._clock() + hold_seconds,
                }
                return Claim(acquired=True)
            if item["state"] == "done":
                return Claim(acquired=False, customer=item["customer"])
            return Claim(acquired=False)

    def complete(self, key: str, owner: str, customer: Customer, *, keep_seconds: float) -> None:
        with self._lock:
            item = self.items.get(key)
            if item and item["owner"] == owner:
                item.update(
                    state="done", customer=customer.model_dump(), expiration=self._clock() + keep_seconds
                )

    def release(self, key: str, owner: str) -> None:
        with self._lock:
            if self.items.get(key, {}).get("owner") == owner:
                del self.items[key]


class MemoryNonces:
    def __init__(self) -> None:
        self.seen: set[str] = set()

    def use_once(self, key: str, *, keep_seconds: float) -> bool:
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


@dataclass
class RecordingPublisher:
    events: list[tuple[str, str, str]] = field(default_factory=list)
    revoked: list[dict[str, Any]] = field(default_factory=list)

    def customer_created(self, customer: Customer, *, via: str, identity_kind: str) -> None:
        self.events.append((customer.id, via, identity_kind))

    def tokens_revoked(self, detail: dict[str, Any]) -> None:
        self.revoked.append(detail)


class StubAuthenticator:
    """check_authentication answered by a Steam stand-in (or a fixed answer), counting calls."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls = 0

    def check_authentication(self, params: dict[str, str], *, deadline: Deadline) -> bool:
        self.calls += 1
        if isinstance(self.answer, BaseException):
            raise self.answer
        if callable(self.answer):
            return bool(self.answer({**params, "openid.mode": "check_authentication"}))
        return bool(self.answer)


def server_error() -> PayNowError:
    from paynow.errors import ServerError

    return ServerError("boom", status=500, code="internal")
