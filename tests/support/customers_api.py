"""In-memory implementations of the signup ports for unit tests."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from customers.common.deadline import Deadline
from customers.common.ports import Claim
from paynow.errors import ConflictError, NotFoundError, PayNowError
from paynow.models import Customer, CustomerUpsert, LookupKey

STORE = "429000000000000000"


@dataclass
class FakeCustomersApi:
    """Enough of PayNow for the domain: unique ids, existing Minecraft names, a call log, scripted errors."""

    minecraft: dict[str, tuple[str, str]] = field(default_factory=dict)  # lower name -> (uuid, platform)
    customers: list[Customer] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    fail: dict[str, list[BaseException]] = field(default_factory=dict)
    land_before_failing: bool = False
    _ids: Any = field(default_factory=lambda: itertools.count(429000000000000100))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _maybe_fail(self, op: str) -> None:
        queue = self.fail.get(op)
        if queue:
            raise queue.pop(0)

    def lookup_customer(
        self, key: LookupKey, value: str, *, deadline: Deadline | None = None
    ) -> Customer | None:
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
            if (
                key.value in ("steam_id", "minecraft_uuid", "xbox_xuid", "name")
                and getattr(c, key.value) == value
            ):
                return c
        return None

    def create_customer(self, body: CustomerUpsert, *, deadline: Deadline | None = None) -> Customer:
        self.calls.append("create")
        fields = body.to_body()
        with self._lock:
            if self.land_before_failing and self.fail.get("create"):
                self._store(fields)
            self._maybe_fail("create")
            if "minecraft_platform" in fields and "minecraft_uuid" not in fields:
                account = self.minecraft.get(fields["name"].lower())
                if account is None:
                    raise NotFoundError("minecraft account not found", status=404, code="not-found")
                fields["minecraft_uuid"] = account[0]
            for unique in ("steam_id", "minecraft_uuid", "xbox_xuid"):
                if fields.get(unique) and any(getattr(c, unique) == fields[unique] for c in self.customers):
                    raise ConflictError("already exists", status=409, code="conflict")
            return self._store(fields)

    def _store(self, fields: dict[str, Any]) -> Customer:
        customer = Customer(
            id=str(next(self._ids)), store_id=STORE, created_at="2026-01-01T00:00:00Z", **fields
        )
        self.customers.append(customer)
        return customer

    def update_customer(
        self, customer_id: str, body: CustomerUpsert, *, deadline: Deadline | None = None
    ) -> Customer:
        raise AssertionError("the signup domain never updates customers")

    def bulk_create_customers(
        self, items: Sequence[CustomerUpsert], *, deadline: Deadline | None = None
    ) -> list[Customer]:
        raise AssertionError("the signup domain never bulk-creates")

    def create_customer_token(self, customer_id: str, *, deadline: Deadline | None = None) -> str:
        self.calls.append("token")
        self._maybe_fail("token")
        if not any(c.id == customer_id for c in self.customers):
            raise NotFoundError("customer not found", status=404, code="not-found")
        return f"tok-{customer_id}-{len(self.calls)}"

    def invalidate_customer_tokens(self, customer_id: str, *, deadline: Deadline | None = None) -> None:
        self.calls.append("invalidate")
        self._maybe_fail("invalidate")
        if not any(c.id == customer_id for c in self.customers):
            raise NotFoundError("customer not found", status=404, code="not-found")


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

    def customer_created(self, customer: Customer, *, via: str, identity_kind: str) -> None:
        self.events.append((customer.id, via, identity_kind))


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
