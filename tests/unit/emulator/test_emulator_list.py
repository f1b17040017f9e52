"""List: limit, order, after/before cursors, search, customer_id filters; a bare JSON array."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.emulator_clients import NOTCH_UUID, STEAM_A, Api


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    assert isinstance(response.json(), list)
    return [customer["id"] for customer in response.json()]


def _seed(api: Api, count: int) -> list[str]:
    """Creates customers through bulk; returns their ids oldest first."""
    ids: list[str] = []
    while len(ids) < count:
        size = min(200, count - len(ids))
        response = api.http.post(f"{api.customers}/bulk", json=[{} for _ in range(size)])
        ids.extend(customer["id"] for customer in response.json())
    return ids


def test_empty_store_lists_an_empty_array(api: Api) -> None:
    assert _ids(api.http.get(api.customers)) == []


def test_default_page_is_25_newest_first(api: Api) -> None:
    ids = _seed(api, 30)
    assert _ids(api.http.get(api.customers)) == ids[::-1][:25]


def test_asc_true_is_oldest_first(api: Api) -> None:
    ids = _seed(api, 5)
    assert _ids(api.http.get(api.customers, params={"asc": "true"})) == ids
    assert _ids(api.http.get(api.customers, params={"asc": "False"})) == ids[::-1]


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5"])
def test_limit_outside_1_to_100_is_400(api: Api, limit: str) -> None:
    assert api.http.get(api.customers, params={"limit": limit}).status_code == 400


@pytest.mark.parametrize("params", [{"asc": "yes"}, {"after": "abc"}, {"before": "0"}, {"customer_id": "x"}])
def test_malformed_list_parameters_are_400(api: Api, params: dict[str, str]) -> None:
    assert api.http.get(api.customers, params=params).status_code == 400


def test_limit_100_and_101_customers(api: Api) -> None:
    ids = _seed(api, 101)
    first = _ids(api.http.get(api.customers, params={"limit": 100, "asc": "true"}))
    assert first == ids[:100]
    rest = _ids(api.http.get(api.customers, params={"limit": 100, "asc": "true", "after": first[-1]}))
    assert rest == ids[100:]
    assert _ids(api.http.get(api.customers, params={"limit": 100, "asc": "true", "after": rest[-1]})) == []


def test_after_walks_forward_in_either_order(api: Api) -> None:
    ids = _seed(api, 7)
    newest_first = ids[::-1]
    walked: list[str] = []
    after: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if after:
            params["after"] = after
        page = _ids(api.http.get(api.customers, params=params))
        if not page:
            break
        walked.extend(page)
        after = page[-1]
    assert walked == newest_first
    assert _ids(api.http.get(api.customers, params={"asc": "true", "after": ids[2], "limit": 2})) == ids[3:5]


def test_before_returns_the_page_just_before_the_cursor_in_order(api: Api) -> None:
    ids = _seed(api, 7)
    assert _ids(api.http.get(api.customers, params={"asc": "true", "before": ids[5], "limit": 2})) == ids[3:5]
    newest_first = ids[::-1]
    page = _ids(api.http.get(api.customers, params={"before": newest_first[5], "limit": 2}))
    assert page == newest_first[3:5]


def test_after_and_before_together_bound_both_sides(api: Api) -> None:
    ids = _seed(api, 7)
    page = _ids(api.http.get(api.customers, params={"asc": "true", "after": ids[1], "before": ids[5]}))
    assert page == ids[2:5]


def test_customer_id_filter_is_repeatable(api: Api) -> None:
    ids = _seed(api, 5)
    page = _ids(api.http.get(api.customers, params=[("customer_id", ids[1]), ("customer_id", ids[3])]))
    assert page == [ids[3], ids[1]]
    assert _ids(api.http.get(api.customers, params={"customer_id": "123456789"})) == []


def test_search_matches_name_ids_and_minecraft_profile(api: Api) -> None:
    api.emu.add_minecraft_account("Notch", NOTCH_UUID, "java")
    alice = api.create(name="Alice Smith")
    steam = api.create(steam_id=STEAM_A)
    notch = api.create(minecraft_uuid=NOTCH_UUID)
    xbox = api.create(xbox_xuid="2535405290000000")
    api.create(name="Bob")

    def search(term: str) -> list[str]:
        return _ids(api.http.get(api.customers, params={"search": term}))

    assert search("alice") == [alice["id"]]
    assert search("60287") == [steam["id"]]
    assert search("notc") == [notch["id"]]
    assert search("a5befca9") == [notch["id"]]
    assert search("253540529") == [xbox["id"]]
    assert search("nobody") == []
