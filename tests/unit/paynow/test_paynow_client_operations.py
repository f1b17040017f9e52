"""Each of the 8 Customers operations: what goes on the wire and what comes back."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import httpx
import pytest
from paynow.client import BULK_LIMIT, PayNowClient, chunked
from paynow.ids import InvalidIdError
from paynow.models import Customer, CustomerUpsert, LookupKey, MinecraftPlatform

from tests.support.scripted_paynow import (
    API_KEY,
    CUSTOMER_ID,
    STORE_ID,
    ScriptedPayNow,
    customer_json,
    error_response,
    json_response,
)

MakeClient = Callable[..., PayNowClient]
BASE = f"/v1/stores/{STORE_ID}/customers"


def test_every_request_carries_the_api_key_user_agent_and_accepts_json(make_client: MakeClient) -> None:
    api = ScriptedPayNow(json_response(200, customer_json()))
    make_client(api).get_customer(CUSTOMER_ID)
    request = api.requests[0]
    assert request.headers["Authorization"] == f"APIKey {API_KEY}"
    assert request.headers["User-Agent"].startswith("paynow-customers-sam/")
    assert request.headers["Accept"] == "application/json"
    assert request.url.host == "paynow.test"


def test_create_posts_only_the_fields_that_were_set(make_client: MakeClient) -> None:
    api = ScriptedPayNow(json_response(200, customer_json(steam_id="76561197960287930")))
    client = make_client(api)
    customer = client.create_customer(CustomerUpsert(steam_id="76561197960287930", metadata={"src": "web"}))
    request = api.requests[0]
    assert (request.method, request.url.path) == ("POST", BASE)
    assert request.headers["Content-Type"] == "application/json"
    assert api.bodies() == [{"steam_id": "76561197960287930", "metadata": {"src": "web"}}]
    assert customer.id == CUSTOMER_ID
    assert customer.steam_id == "76561197960287930"


def test_get_fetches_one_customer_by_id(make_client: MakeClient) -> None:
    api = ScriptedPayNow(json_response(200, customer_json(name="m0uka")))
    customer = make_client(api).get_customer(CUSTOMER_ID)
    assert (api.requests[0].method, api.requests[0].url.path) == ("GET", f"{BASE}/{CUSTOMER_ID}")
    assert api.requests[0].content == b""
    assert customer.name == "m0uka"


def test_update_patches_with_explicit_nulls_kept_and_unset_fields_left_out(make_client: MakeClient) -> None:
    api = ScriptedPayNow(json_response(200, customer_json(name=None, metadata={"tier": "gold"})))
    body = CustomerUpsert(name=None, metadata={"tier": "gold"})
    customer = make_client(api).update_customer(CUSTOMER_ID, body)
    assert (api.requests[0].method, api.requests[0].url.path) == ("PATCH", f"{BASE}/{CUSTOMER_ID}")
    assert api.bodies() == [{"name": None, "metadata": {"tier": "gold"}}]
    assert customer.metadata == {"tier": "gold"}


@pytest.mark.parametrize("key", list(LookupKey))
def test_lookup_by_each_of_the_seven_keys(make_client: MakeClient, key: LookupKey) -> None:
    api = ScriptedPayNow(json_response(200, customer_json()))
    customer = make_client(api).lookup_customer(key, "some-value")
    request = api.requests[0]
    assert (request.method, request.url.path) == ("GET", f"{BASE}/lookup")
    assert list(request.url.params.multi_items()) == [(key.value, "some-value")]
    assert customer is not None
    assert customer.id == CUSTOMER_ID


def test_lookup_miss_is_none_not_an_exception(make_client: MakeClient) -> None:
    api = ScriptedPayNow(error_response(404, "not-found", "customer not found"))
    assert make_client(api).lookup_customer(LookupKey.STEAM_ID, "76561197960287930") is None
    assert len(api.requests) == 1


def test_lookup_accepts_the_key_as_its_string_value(make_client: MakeClient) -> None:
    api = ScriptedPayNow(json_response(200, customer_json()))
    make_client(api).lookup_customer("minecraft_java_name", "Notch")  # type: ignore[arg-type]
    assert list(api.requests[0].url.params.multi_items()) == [("minecraft_java_name", "Notch")]


@pytest.mark.parametrize(("key", "value"), [("nickname", "x"), (LookupKey.NAME, "")])
def test_lookup_refuses_unknown_keys_and_empty_values_without_calling(
    make_client: MakeClient, key: str, value: str
) -> None:
    api = ScriptedPayNow(json_response(200, customer_json()))
    with pytest.raises(ValueError):
        make_client(api).lookup_customer(key, value)  # type: ignore[arg-type]
    assert api.requests == []


def test_bulk_create_posts_an_array_and_returns_every_customer(make_client: MakeClient) -> None:
    items = [CustomerUpsert(steam_id=str(76561197960265728 + i)) for i in range(3)]
    created = [
        customer_json(str(int(CUSTOMER_ID) + i), steam_id=item.steam_id) for i, item in enumerate(items)
    ]
    api = ScriptedPayNow(json_response(200, created))
    customers = make_client(api).bulk_create_customers(items)
    assert (api.requests[0].method, api.requests[0].url.path) == ("POST", f"{BASE}/bulk")
    assert api.bodies() == [[{"steam_id": item.steam_id} for item in items]]
    assert [c.steam_id for c in customers] == [item.steam_id for item in items]


def test_bulk_create_refuses_more_than_200_before_any_call(make_client: MakeClient) -> None:
    api = ScriptedPayNow(json_response(200, []))
    with pytest.raises(ValueError, match="at most 200"):
        make_client(api).bulk_create_customers([CustomerUpsert(name=f"n{i}") for i in range(201)])
    assert api.requests == []


def test_bulk_create_of_exactly_200_is_one_call(make_client: MakeClient) -> None:
    api = ScriptedPayNow(json_response(200, [customer_json(str(int(CUSTOMER_ID) + i)) for i in range(200)]))
    customers = make_client(api).bulk_create_customers([CustomerUpsert(name=f"n{i}") for i in range(200)])
    assert len(customers) == 200
    assert len(api.requests) == 1


def test_bulk_create_of_nothing_makes_no_call(make_client: MakeClient) -> None:
    api = ScriptedPayNow(json_response(200, []))
    assert make_client(api).bulk_create_customers([]) == []
    assert api.requests == []


def test_create_token_returns_the_token_string(make_client: MakeClient) -> None:
    api = ScriptedPayNow(json_response(200, {"token": "pnct_abc"}))
    assert make_client(api).create_customer_token(CUSTOMER_ID) == "pnct_abc"
    request = api.requests[0]
    assert (request.method, request.url.path) == ("POST", f"{BASE}/{CUSTOMER_ID}/tokens")
    assert request.content == b""


def test_invalidate_tokens_sends_delete_and_accepts_204(make_client: MakeClient) -> None:
    api = ScriptedPayNow(httpx.Response(204))
    make_client(api).invalidate_customer_tokens(CUSTOMER_ID)
    assert (api.requests[0].method, api.requests[0].url.path) == ("DELETE", f"{BASE}/{CUSTOMER_ID}/tokens")


def test_list_sends_filters_with_repeated_customer_id(make_client: MakeClient) -> None:
    api = ScriptedPayNow(json_response(200, [customer_json()]))
    customers = make_client(api).list_customers(
        limit=50, after="411486491630370900", asc=True, search="m0u", customer_ids=["1", "2"]
    )
    assert api.requests[0].url.path == BASE
    assert list(api.requests[0].url.params.multi_items()) == [
        ("limit", "50"),
        ("after", "411486491630370900"),
        ("asc", "true"),
        ("search", "m0u"),
        ("customer_id", "1"),
        ("customer_id", "2"),
    ]
    assert [c.id for c in customers] == [CUSTOMER_ID]


@pytest.mark.parametrize("limit", [0, 101, -1, True])
def test_list_limit_outside_1_to_100_is_refused_without_calling(make_client: MakeClient, limit: int) -> None:
    api = ScriptedPayNow(json_response(200, []))
    with pytest.raises(ValueError, match="1 to 100"):
        make_client(api).list_customers(limit=limit)
    assert api.requests == []


@pytest.mark.parametrize("bad_id", ["../../admin", "abc", "12/tokens", ""])
def test_customer_ids_that_would_bend_the_url_are_refused(make_client: MakeClient, bad_id: str) -> None:
    api = ScriptedPayNow(json_response(200, customer_json()))
    client = make_client(api)
    for call in (client.get_customer, client.create_customer_token, client.invalidate_customer_tokens):
        with pytest.raises(InvalidIdError):
            call(bad_id)
    assert api.requests == []


def test_responses_ignore_unknown_fields_and_accept_null_or_absent_optionals(make_client: MakeClient) -> None:
    body = customer_json(
        metadata=None,
        steam_id=None,
        steam={"id": 76561197960287930, "name": "gabe", "future_field": 1},
        minecraft=None,
        profile={"id": "x", "platform": "steam", "name": "gabe", "avatar_url": None},
        brand_new_field={"nested": True},
    )
    api = ScriptedPayNow(json_response(200, body))
    customer = make_client(api).get_customer(CUSTOMER_ID)
    assert customer.metadata == {}
    assert customer.steam_id is None
    assert customer.steam is not None
    assert customer.steam.id == "76561197960287930"
    assert customer.minecraft is None
    assert customer.updated_at is None


def test_numeric_ids_in_a_response_still_come_out_as_strings(make_client: MakeClient) -> None:
    body = customer_json()
    body["id"] = int(CUSTOMER_ID)
    body["store_id"] = int(STORE_ID)
    api = ScriptedPayNow(json_response(200, body))
    customer = make_client(api).get_customer(CUSTOMER_ID)
    assert (customer.id, customer.store_id) == (CUSTOMER_ID, STORE_ID)


def test_upsert_forbids_unknown_fields_before_anything_is_sent() -> None:
    with pytest.raises(ValueError, match="steamid"):
        CustomerUpsert(steamid="76561197960287930")  # type: ignore[call-arg]


def test_minecraft_platform_is_sent_as_its_wire_value(make_client: MakeClient) -> None:
    api = ScriptedPayNow(json_response(200, customer_json(name="Notch", minecraft_platform="java")))
    customer = make_client(api).create_customer(
        CustomerUpsert(name="Notch", minecraft_platform=MinecraftPlatform.JAVA)
    )
    assert api.bodies() == [{"name": "Notch", "minecraft_platform": "java"}]
    assert isinstance(customer, Customer)


def test_chunked_splits_any_iterable_lazily_into_lists_of_at_most_size() -> None:
    assert list(chunked(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(chunked([], 3)) == []
    sizes = [len(c) for c in chunked(iter(range(401)))]
    assert sizes == [BULK_LIMIT, BULK_LIMIT, 1]

    # Lazy: an endless input still yields its first chunk.
    assert next(chunked(itertools.count(), 3)) == [0, 1, 2]


def test_chunked_refuses_a_size_below_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(chunked([1], 0))


def test_client_works_as_a_context_manager_and_repr_shows_no_key() -> None:
    api = ScriptedPayNow(json_response(200, customer_json()))
    with PayNowClient(STORE_ID, API_KEY, base_url="https://paynow.test/", transport=api.transport) as client:
        client.get_customer(CUSTOMER_ID)
        assert repr(client) == f"PayNowClient(base_url='https://paynow.test', store_id='{STORE_ID}')"
    with pytest.raises(RuntimeError):
        client.get_customer(CUSTOMER_ID)


def test_base_url_with_a_path_prefix_is_kept(make_client: MakeClient) -> None:
    api = ScriptedPayNow(json_response(200, customer_json()))
    with PayNowClient(
        STORE_ID, API_KEY, base_url="http://127.0.0.1:8787/paynow", transport=api.transport
    ) as c:
        c.get_customer(CUSTOMER_ID)
    assert api.requests[0].url.path == f"/paynow{BASE}/{CUSTOMER_ID}"


def test_store_id_must_be_a_flake_id() -> None:
    with pytest.raises(InvalidIdError, match="flake id"):
        PayNowClient("my-store", API_KEY)
