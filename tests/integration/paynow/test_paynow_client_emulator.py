"""The client against the PayNow emulator: every operation, every error class, paging, faults, rotation."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from customers.adapters.secrets_api_key import SecretApiKeyProvider
from paynow.client import PayNowClient, chunked
from paynow.errors import (
    ConflictError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnauthorizedError,
    ValidationError,
    outcome_unknown,
)
from paynow.models import CustomerUpsert, LookupKey, MinecraftPlatform
from paynow.retry import RetryPolicy
from paynow_emulator import Faults, PayNowEmulator, RateLimit

from tests.support.emulator_clients import EMULATOR_API_KEY
from tests.support.fake_clock import FakeClock

STEAM = "76561197960287930"
NOTCH_UUID = "069a79f4-44e9-4726-a5be-fca90e38aaf5"


def steam(n: int) -> str:
    return str(76561197960265728 + n)


def storefront_status(emulator: PayNowEmulator, token: str) -> int:
    with httpx.Client(transport=emulator.transport(), base_url="https://api.paynow.gg") as http:
        response = http.get(
            "/v1/store/customer",
            headers={"Authorization": f"Customer {token}", "x-paynow-store-id": emulator.store_id},
        )
    return response.status_code


def seed(client: PayNowClient, count: int) -> list[str]:
    ids: list[str] = []
    for chunk in chunked((CustomerUpsert(steam_id=steam(i)) for i in range(count)), 200):
        ids += [c.id for c in client.bulk_create_customers(chunk)]
    return ids


# --- operations ----------------------------------------------------------------------------------


def test_create_get_update_and_lookup_round_trip(client: PayNowClient, emulator: PayNowEmulator) -> None:
    created = client.create_customer(CustomerUpsert(steam_id=STEAM, metadata={"src": "web"}))
    assert created.store_id == emulator.store_id
    assert created.steam_id == STEAM
    assert client.get_customer(created.id) == created

    updated = client.update_customer(created.id, CustomerUpsert(name="Gabe", xbox_xuid="2535405290000000"))
    assert (updated.name, updated.xbox_xuid, updated.steam_id) == ("Gabe", "2535405290000000", STEAM)
    assert updated.metadata == {"src": "web"}  # absent in the PATCH: left alone

    cleared = client.update_customer(created.id, CustomerUpsert(name=None, metadata={}))
    assert (cleared.name, cleared.metadata) == (None, {})

    for key, value in [
        (LookupKey.ID, created.id),
        (LookupKey.STEAM_ID, STEAM),
        (LookupKey.XBOX_XUID, "2535405290000000"),
    ]:
        found = client.lookup_customer(key, value)
        assert found is not None
        assert found.id == created.id


def test_minecraft_customers_by_name_and_uuid(client: PayNowClient, emulator: PayNowEmulator) -> None:
    emulator.add_minecraft_account("Notch", NOTCH_UUID, "java")
    created = client.create_customer(CustomerUpsert(name="Notch", minecraft_platform=MinecraftPlatform.JAVA))
    assert created.minecraft_uuid == NOTCH_UUID
    for key, value in [
        (LookupKey.MINECRAFT_JAVA_NAME, "notch"),
        (LookupKey.MINECRAFT_UUID, NOTCH_UUID),
        (LookupKey.NAME, "Notch"),
    ]:
        found = client.lookup_customer(key, value)
        assert found is not None
        assert found.id == created.id
    assert client.lookup_customer(LookupKey.MINECRAFT_BEDROCK_NAME, "Notch") is None


def test_lookup_miss_is_none(client: PayNowClient) -> None:
    assert client.lookup_customer(LookupKey.STEAM_ID, STEAM) is None
    assert client.lookup_customer(LookupKey.NAME, "nobody") is None


def test_bulk_create_returns_every_customer_in_order(client: PayNowClient, emulator: PayNowEmulator) -> None:
    items = [CustomerUpsert(steam_id=steam(i), name=f"player{i}") for i in range(200)]
    created = client.bulk_create_customers(items)
    assert [c.steam_id for c in created] == [i.steam_id for i in items]
    assert emulator.inspect.count() == 200
    assert len(emulator.inspect.requests_for("bulk")) == 1


def test_tokens_work_on_the_storefront_until_invalidated(
    client: PayNowClient, emulator: PayNowEmulator
) -> None:
    customer = client.create_customer(CustomerUpsert(steam_id=STEAM))
    first = client.create_customer_token(customer.id)
    second = client.create_customer_token(customer.id)
    assert first != second
    assert storefront_status(emulator, first) == storefront_status(emulator, second) == 200
    client.invalidate_customer_tokens(customer.id)
    assert storefront_status(emulator, first) == storefront_status(emulator, second) == 401
    client.invalidate_customer_tokens(customer.id)  # idempotent: nothing left to revoke is fine


# --- error classes -------------------------------------------------------------------------------


def test_invalid_body_is_a_validation_error_naming_the_field(client: PayNowClient) -> None:
    with pytest.raises(ValidationError) as info:
        client.create_customer(CustomerUpsert(name="x" * 51))
    assert info.value.status == 400
    assert [e.path for e in info.value.errors] == ["name"]


def test_bulk_with_one_bad_item_names_its_index_and_creates_nothing(
    client: PayNowClient, emulator: PayNowEmulator
) -> None:
    items = [CustomerUpsert(steam_id=steam(0)), CustomerUpsert(steam_id="123"), CustomerUpsert(name="ok")]
    with pytest.raises(ValidationError) as info:
        client.bulk_create_customers(items)
    assert [e.path for e in info.value.errors] == ["[1].steam_id"]
    assert emulator.inspect.count() == 0


def test_duplicate_identity_is_a_conflict(client: PayNowClient) -> None:
    client.create_customer(CustomerUpsert(steam_id=STEAM))
    with pytest.raises(ConflictError) as info:
        client.create_customer(CustomerUpsert(steam_id=STEAM))
    assert info.value.status == 409
    assert not outcome_unknown(info.value)


def test_unknown_customer_is_not_found(client: PayNowClient) -> None:
    missing = str(int(client.store_id) + 12345)
    for call in (client.get_customer, client.create_customer_token):
        with pytest.raises(NotFoundError) as info:
            call(missing)
        assert info.value.status == 404


def test_wrong_key_is_unauthorized(emulator: PayNowEmulator, policy: RetryPolicy) -> None:
    with PayNowClient(emulator.store_id, "pnapi_v1_wrong", transport=emulator.transport(), retry=policy) as c:
        with pytest.raises(UnauthorizedError) as info:
            c.lookup_customer(LookupKey.STEAM_ID, STEAM)
    assert info.value.status == 401
    assert info.value.code == "unauthorized"


def test_rate_limit_beyond_the_deadline_surfaces_with_its_delay(
    client: PayNowClient, emulator: PayNowEmulator, clock: FakeClock
) -> None:
    emulator.faults = Faults(rate_limit=RateLimit(per_second=0.1, burst=1))
    client.lookup_customer(LookupKey.STEAM_ID, STEAM)
    with pytest.raises(RateLimitedError) as info:
        client.lookup_customer(LookupKey.STEAM_ID, STEAM, deadline=clock.deadline(5))
    assert info.value.retry_after == 10.0
    assert clock.sleeps == []


def test_persistent_5xx_is_a_server_error_after_bounded_retries(
    client: PayNowClient, emulator: PayNowEmulator, clock: FakeClock
) -> None:
    emulator.faults = Faults(error_rate=1.0, error_status=503)
    with pytest.raises(ServerError) as info:
        client.get_customer(str(int(client.store_id) + 1), deadline=clock.deadline(30))
    assert info.value.status == 503
    assert len(emulator.inspect.requests_for("get")) == 5  # RetryPolicy.max_attempts


# --- pagination ----------------------------------------------------------------------------------


def test_empty_store_lists_nothing_in_one_request(client: PayNowClient, emulator: PayNowEmulator) -> None:
    assert list(client.iter_customers()) == []
    assert len(emulator.inspect.requests_for("list")) == 1


@pytest.mark.parametrize(("count", "requests"), [(100, 2), (101, 2), (200, 3), (250, 3)])
def test_walk_returns_each_customer_once_newest_first(
    client: PayNowClient, emulator: PayNowEmulator, count: int, requests: int
) -> None:
    ids = seed(client, count)
    emulator.inspect.clear_requests()
    walked = [c.id for c in client.iter_customers(page_size=100)]
    assert walked == sorted(ids, key=int, reverse=True)
    assert len(emulator.inspect.requests_for("list")) == requests


def test_ascending_walk_with_after_and_before_bounds(client: PayNowClient) -> None:
    ids = seed(client, 60)
    walked = [c.id for c in client.iter_customers(page_size=7, asc=True, after=ids[9], before=ids[50])]
    assert walked == ids[10:50]


def test_descending_walk_after_a_cursor(client: PayNowClient) -> None:
    ids = seed(client, 30)
    walked = [c.id for c in client.iter_customers(page_size=4, after=ids[20])]
    assert walked == list(reversed(ids[:20]))


@pytest.mark.parametrize("asc", [True, False])
def test_before_alone_walks_backward_from_the_cursor(client: PayNowClient, asc: bool) -> None:
    ids = seed(client, 30)
    walked = [c.id for c in client.iter_customers(page_size=4, asc=asc, before=ids[12])]
    assert walked == (list(reversed(ids[:12])) if asc else ids[13:])


def test_list_filters_by_customer_ids_and_search(client: PayNowClient) -> None:
    ids = seed(client, 20)
    page = client.list_customers(limit=100, customer_ids=[ids[3], ids[7]])
    assert sorted(c.id for c in page) == sorted([ids[3], ids[7]])
    client.update_customer(ids[5], CustomerUpsert(name="Findable Fred"))
    assert [c.id for c in client.list_customers(search="fred")] == [ids[5]]


# --- faults --------------------------------------------------------------------------------------

WRITES: dict[str, tuple[str, Any]] = {
    "create": ("create", lambda c: c.create_customer(CustomerUpsert(steam_id=STEAM))),
    "bulk": ("bulk", lambda c: c.bulk_create_customers([CustomerUpsert(steam_id=STEAM)])),
}


@pytest.mark.parametrize("mode", ["500", "timeout"])
@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_commit_then_fail_never_sends_the_create_twice(
    client: PayNowClient, emulator: PayNowEmulator, mode: str, write: tuple[str, Any]
) -> None:
    operation, call = write
    emulator.faults = Faults(commit_then_fail=mode, commit_then_fail_count=1)  # type: ignore[arg-type]
    with pytest.raises((ServerError, TransportError)) as info:
        call(client)
    assert outcome_unknown(info.value)
    assert len(emulator.inspect.requests_for(operation)) == 1
    assert emulator.inspect.count() == 1
    # The caller's reconciliation finds the customer the failed call did create.
    found = client.lookup_customer(LookupKey.STEAM_ID, STEAM)
    assert found is not None


def test_commit_then_fail_on_token_mint_is_not_resent(client: PayNowClient, emulator: PayNowEmulator) -> None:
    customer = client.create_customer(CustomerUpsert(steam_id=STEAM))
    emulator.faults = Faults(
        commit_then_fail="500", commit_then_fail_count=1, operations=frozenset({"create_token"})
    )
    with pytest.raises(ServerError):
        client.create_customer_token(customer.id)
    assert len(emulator.inspect.requests_for("create_token")) == 1
    assert emulator.inspect.active_tokens(customer.id) == 1


def test_commit_then_fail_on_update_is_retried_safely(client: PayNowClient, emulator: PayNowEmulator) -> None:
    customer = client.create_customer(CustomerUpsert(steam_id=STEAM))
    emulator.faults = Faults(commit_then_fail="timeout", commit_then_fail_count=1)
    updated = client.update_customer(customer.id, CustomerUpsert(name="Once"))
    assert updated.name == "Once"
    assert len(emulator.inspect.requests_for("update")) == 2


def test_429_with_retry_after_is_waited_out_then_succeeds(
    client: PayNowClient, emulator: PayNowEmulator, clock: FakeClock
) -> None:
    emulator.faults = Faults(rate_limit=RateLimit(per_second=1, burst=1))
    client.create_customer(CustomerUpsert(steam_id=steam(1)))
    created = client.create_customer(CustomerUpsert(steam_id=steam(2)))
    assert created.steam_id == steam(2)
    assert clock.sleeps == [1.0]  # the emulator's Retry-After, exactly
    assert [r.status for r in emulator.inspect.requests_for("create")] == [200, 429, 200]
    assert emulator.inspect.count() == 2


def test_429_without_retry_after_backs_off_until_it_succeeds(
    client: PayNowClient, emulator: PayNowEmulator, clock: FakeClock
) -> None:
    emulator.faults = Faults(rate_limit=RateLimit(per_second=2, burst=1), retry_after_header=False)
    client.create_customer(CustomerUpsert(steam_id=steam(1)))
    client.create_customer(CustomerUpsert(steam_id=steam(2)))
    assert clock.sleeps == pytest.approx([0.1, 0.2, 0.4])  # full jitter pinned at 0.5
    assert [r.status for r in emulator.inspect.requests_for("create")] == [200, 429, 429, 429, 200]


def test_lookup_is_retried_through_5xx(client: PayNowClient, emulator: PayNowEmulator) -> None:
    client.create_customer(CustomerUpsert(steam_id=STEAM))
    emulator.faults = Faults(error_count=2, error_status=502)
    assert client.lookup_customer(LookupKey.STEAM_ID, STEAM) is not None
    assert [r.status for r in emulator.inspect.requests_for("lookup")] == [502, 502, 200]


def test_create_is_not_retried_after_a_5xx(client: PayNowClient, emulator: PayNowEmulator) -> None:
    emulator.faults = Faults(error_count=1)
    with pytest.raises(ServerError):
        client.create_customer(CustomerUpsert(steam_id=STEAM))
    assert len(emulator.inspect.requests_for("create")) == 1


def test_dropped_connection_retries_a_lookup_but_not_a_create(
    client: PayNowClient, emulator: PayNowEmulator
) -> None:
    emulator.faults = Faults(drop_count=1)
    assert client.lookup_customer(LookupKey.STEAM_ID, STEAM) is None
    assert [r.outcome for r in emulator.inspect.requests_for("lookup")] == ["drop", "respond"]

    emulator.faults = Faults(drop_count=1)
    with pytest.raises(TransportError) as info:
        client.create_customer(CustomerUpsert(steam_id=STEAM))
    assert info.value.request_sent is True
    assert len(emulator.inspect.requests_for("create")) == 1


# --- key rotation --------------------------------------------------------------------------------


def test_rotated_secret_heals_on_401_without_a_redeploy(
    secretsmanager: Any, emulator: PayNowEmulator, policy: RetryPolicy
) -> None:
    secretsmanager.create_secret(Name="paynow/key", SecretString=json.dumps({"api_key": EMULATOR_API_KEY}))
    provider = SecretApiKeyProvider("paynow/key", max_age=300)
    with PayNowClient(emulator.store_id, provider, transport=emulator.transport(), retry=policy) as client:
        client.create_customer(CustomerUpsert(steam_id=STEAM))

        rotated = "pnapi_v1_rotated_9b7d"
        emulator.set_api_keys([rotated])
        secretsmanager.put_secret_value(SecretId="paynow/key", SecretString=rotated)

        assert client.lookup_customer(LookupKey.STEAM_ID, STEAM) is not None
    assert [r.status for r in emulator.inspect.requests_for("lookup")] == [401, 200]
