"""Lookup-or-create exactly once: locks, 409s, Minecraft 404s, ambiguous failures."""

from __future__ import annotations

import threading

import pytest
from customers.common.deadline import Deadline
from customers.common.errors import IdentityBusyError, MinecraftAccountNotFoundError
from customers.common.identity import Identifier, MinecraftEdition, minecraft_identity, steam_identity
from customers.common.provisioning import CustomerProvisioner
from paynow.errors import ConflictError, RateLimitedError

from tests.support.customers_api import FakeCustomersApi, MemoryLock, RecordingPublisher, server_error

STEAM = steam_identity("76561198012345678")


def api_of(prov: CustomerProvisioner) -> FakeCustomersApi:
    assert isinstance(prov.api, FakeCustomersApi)
    return prov.api


def events_of(prov: CustomerProvisioner) -> RecordingPublisher:
    assert isinstance(prov.events, RecordingPublisher)
    return prov.events


def lock_of(prov: CustomerProvisioner) -> MemoryLock:
    assert isinstance(prov.lock, MemoryLock)
    return prov.lock


def make(
    api: FakeCustomersApi | None = None,
    lock: MemoryLock | None = None,
    events: RecordingPublisher | None = None,
) -> CustomerProvisioner:
    return CustomerProvisioner(
        api=api or FakeCustomersApi(minecraft={"notch": ("069a79f4-44e9-4726-a5be-fca90e38aaf5", "java")}),
        lock=lock or MemoryLock(),
        events=events or RecordingPublisher(),
        via="signup",
        backoff=lambda attempt: 0.001,
    )


def test_an_existing_customer_is_found_with_one_call() -> None:
    prov = make()
    first, created = prov.get_or_create(STEAM, deadline=Deadline.after(5))
    assert created
    api_of(prov).calls.clear()
    again, created = prov.get_or_create(STEAM, deadline=Deadline.after(5))
    assert (again.id, created, api_of(prov).calls) == (first.id, False, ["lookup"])
    assert events_of(prov).events == [(first.id, "signup", "steam")]


def test_a_new_customer_costs_a_lookup_and_a_create_and_is_announced() -> None:
    prov = make()
    customer, created = prov.get_or_create(STEAM, deadline=Deadline.after(5))
    assert created
    assert customer.steam_id == STEAM.value
    assert api_of(prov).calls == ["lookup", "create"]
    assert events_of(prov).events == [(customer.id, "signup", "steam")]


def test_a_conflict_on_create_means_someone_else_created_it() -> None:
    api = FakeCustomersApi()
    prov = make(api)
    # Another writer (not using our lock) creates it between our lookup and our create.
    original = api.lookup_customer
    state = {"first": True}

    def racing_lookup(key, value, *, deadline=None):  # type: ignore[no-untyped-def]
        result = original(key, value, deadline=deadline)
        if state.pop("first", False):
            api._store({"steam_id": STEAM.value})
        return result

    api.lookup_customer = racing_lookup  # type: ignore[method-assign]
    customer, created = prov.get_or_create(STEAM, deadline=Deadline.after(5))
    assert not created
    assert customer.steam_id == STEAM.value
    assert api.calls == ["lookup", "create", "lookup"]
    assert len(api.customers) == 1
    assert events_of(prov).events == []


def test_a_minecraft_name_without_an_account_is_a_clear_not_found() -> None:
    prov = make()
    with pytest.raises(
        MinecraftAccountNotFoundError, match="no Minecraft Java Edition account is named 'Nobody_123'"
    ):
        prov.get_or_create(
            minecraft_identity("Nobody_123", MinecraftEdition.JAVA), deadline=Deadline.after(5)
        )
    assert lock_of(prov).items == {}  # released for the next try


def test_an_ambiguous_create_is_reconciled_by_lookup() -> None:
    api = FakeCustomersApi(fail={"create": [server_error()]}, land_before_failing=True)
    prov = make(api)
    _customer, created = prov.get_or_create(STEAM, deadline=Deadline.after(5))
    assert created
    assert len(api.customers) == 1
    assert api.calls == ["lookup", "create", "lookup"]


def test_a_create_that_did_not_land_fails_and_frees_the_lock() -> None:
    api = FakeCustomersApi(fail={"create": [server_error()]})
    prov = make(api)
    with pytest.raises(Exception, match="boom"):
        prov.get_or_create(STEAM, deadline=Deadline.after(5))
    assert api.customers == []
    assert lock_of(prov).items == {}


def test_rate_limits_are_not_swallowed() -> None:
    api = FakeCustomersApi(fail={"create": [RateLimitedError("slow down", status=429, retry_after=3)]})
    with pytest.raises(RateLimitedError):
        make(api).get_or_create(STEAM, deadline=Deadline.after(5))


def test_a_waiter_takes_the_holders_result_without_creating() -> None:
    api = FakeCustomersApi()
    lock = MemoryLock()
    prov = make(api, lock)
    lock.claim(STEAM.lock_key, "other", hold_seconds=30)
    existing = api._store({"steam_id": STEAM.value})

    def finish() -> None:
        lock.complete(STEAM.lock_key, "other", existing, keep_seconds=60)

    timer = threading.Timer(0.05, finish)
    api.customers.clear()  # invisible to our first lookup, as if not yet created
    timer.start()
    customer, created = prov.get_or_create(STEAM, deadline=Deadline.after(5))
    timer.join()
    assert (customer.id, created) == (existing.id, False)
    assert "create" not in api.calls


def test_after_a_holder_gives_up_the_waiter_looks_up_before_creating() -> None:
    api = FakeCustomersApi()
    lock = MemoryLock()
    prov = make(api, lock)
    lock.claim(STEAM.lock_key, "other", hold_seconds=30)

    def holder_created_then_crashed() -> None:
        api._store({"steam_id": STEAM.value})
        lock.release(STEAM.lock_key, "other")

    api.lookup_customer = _miss_once(api)  # type: ignore[method-assign]
    timer = threading.Timer(0.05, holder_created_then_crashed)
    timer.start()
    _customer, created = prov.get_or_create(STEAM, deadline=Deadline.after(5))
    timer.join()
    assert not created
    assert len(api.customers) == 1
    assert "create" not in api.calls


def _miss_once(api: FakeCustomersApi):  # type: ignore[no-untyped-def]
    original = api.lookup_customer
    state = {"first": True}

    def lookup(key, value, *, deadline=None):  # type: ignore[no-untyped-def]
        if state.pop("first", False):
            api.calls.append("lookup")
            return None
        return original(key, value, deadline=deadline)

    return lookup


def test_a_lock_held_past_our_deadline_answers_busy() -> None:
    lock = MemoryLock()
    prov = make(lock=lock)
    lock.claim(STEAM.lock_key, "other", hold_seconds=30)
    with pytest.raises(IdentityBusyError):
        prov.get_or_create(STEAM, deadline=Deadline.after(0.05))


def test_concurrent_creates_of_a_name_make_one_customer() -> None:
    """``name`` is not unique at PayNow: only the lock stands between 20 threads and 20 customers."""
    api = FakeCustomersApi()
    lock = MemoryLock()
    identity = Identifier(name="Alice").resolved()
    barrier = threading.Barrier(20)
    results: list[tuple[str, bool]] = []

    def run() -> None:
        prov = make(api, lock)
        barrier.wait()
        customer, created = prov.get_or_create(identity, deadline=Deadline.after(10))
        results.append((customer.id, created))

    threads = [threading.Thread(target=run) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(api.customers) == 1
    assert {cid for cid, _ in results} == {api.customers[0].id}
    assert sum(created for _, created in results) == 1


def test_a_conflict_the_lookup_cannot_explain_is_raised() -> None:
    api = FakeCustomersApi(fail={"create": [ConflictError("taken", status=409, code="conflict")]})
    with pytest.raises(ConflictError):
        make(api).get_or_create(STEAM, deadline=Deadline.after(5))
