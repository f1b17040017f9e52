"""iter_customers walks every page and stops on the last one, in both orders and within bounds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from paynow.client import PayNowClient
from paynow.errors import UnexpectedResponseError

from tests.support.scripted_paynow import ScriptedPayNow, customer_json, json_response

MakeClient = Callable[..., PayNowClient]
FIRST_ID = 411486491630370816


class PagedStore:
    """A list endpoint over n customers: ``after``/``before`` are positions in the requested order."""

    def __init__(self, count: int) -> None:
        self.ids = [FIRST_ID + i for i in range(count)]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        asc = params.get("asc") == "true"
        ordered = sorted(self.ids, reverse=not asc)
        if "search" in params:
            ordered = [i for i in ordered if str(i).endswith(params["search"])]
        if "customer_id" in params:
            wanted = {int(v) for v in params.get_list("customer_id")}
            ordered = [i for i in ordered if i in wanted]
        if "after" in params:
            after = int(params["after"])
            ordered = [i for i in ordered if (i > after if asc else i < after)]
        if "before" in params:
            before = int(params["before"])
            ordered = [i for i in ordered if (i < before if asc else i > before)]
        limit = int(params.get("limit", "25"))
        # A lone "before" pages backward: the page right before the cursor, still in list order.
        page = ordered[-limit:] if "before" in params and "after" not in params else ordered[:limit]
        return json_response(200, [customer_json(str(i)) for i in page])


def walk(make_client: MakeClient, count: int, **kwargs: Any) -> tuple[list[int], ScriptedPayNow]:
    api = ScriptedPayNow(PagedStore(count))
    ids = [int(c.id) for c in make_client(api).iter_customers(**kwargs)]
    return ids, api


def test_empty_store_is_one_request_and_no_customers(make_client: MakeClient) -> None:
    ids, api = walk(make_client, 0)
    assert ids == []
    assert len(api.requests) == 1


def test_exactly_one_full_page_needs_a_second_request_to_know_it_was_the_last(
    make_client: MakeClient,
) -> None:
    ids, api = walk(make_client, 100)
    assert len(ids) == 100
    assert len(api.requests) == 2
    assert api.requests[1].url.params["after"] == str(ids[-1])


def test_101_customers_are_two_pages_and_nothing_is_repeated(make_client: MakeClient) -> None:
    ids, api = walk(make_client, 101)
    assert len(ids) == len(set(ids)) == 101
    assert len(api.requests) == 2
    assert ids == sorted(ids, reverse=True)  # newest first by default


def test_ascending_walk_is_oldest_first(make_client: MakeClient) -> None:
    ids, api = walk(make_client, 250, asc=True)
    assert ids == sorted(ids)
    assert len(ids) == 250
    assert [r.url.params.get("asc") for r in api.requests] == ["true"] * 3


def test_small_pages_walk_the_whole_store(make_client: MakeClient) -> None:
    ids, api = walk(make_client, 7, page_size=3)
    assert len(ids) == 7
    assert [r.url.params["limit"] for r in api.requests] == ["3", "3", "3"]


def test_after_and_before_bound_the_walk(make_client: MakeClient) -> None:
    after, before = FIRST_ID + 10, FIRST_ID + 150
    ids, api = walk(make_client, 300, asc=True, after=str(after), before=str(before), page_size=50)
    assert ids == list(range(after + 1, before))
    # "before" stays on every page; "after" advances.
    assert all(r.url.params["before"] == str(before) for r in api.requests)
    assert [r.url.params["after"] for r in api.requests] == [str(after), str(after + 50), str(after + 100)]


@pytest.mark.parametrize("asc", [False, True])
def test_before_alone_walks_backward_nearest_first(make_client: MakeClient, asc: bool) -> None:
    before = FIRST_ID + 25
    ids, api = walk(make_client, 40, asc=asc, before=str(before), page_size=10)
    earlier_in_list = [i for i in range(FIRST_ID, FIRST_ID + 40) if (i < before if asc else i > before)]
    # Nearest to "before" first: the reverse of the list order.
    assert ids == sorted(earlier_in_list, reverse=asc)
    assert all("after" not in r.url.params for r in api.requests)
    assert len(api.requests) == (len(earlier_in_list) // 10) + 1


def test_descending_walk_after_a_cursor_goes_to_older_customers(make_client: MakeClient) -> None:
    ids, _ = walk(make_client, 30, after=str(FIRST_ID + 20), page_size=4)
    assert ids == list(range(FIRST_ID + 19, FIRST_ID - 1, -1))


def test_search_and_customer_ids_are_sent_on_every_page(make_client: MakeClient) -> None:
    wanted = [str(FIRST_ID + i) for i in range(0, 40, 2)]
    ids, api = walk(make_client, 40, customer_ids=wanted, page_size=10)
    assert sorted(map(str, ids)) == sorted(wanted)
    assert len(api.requests) == 3
    assert all(r.url.params.get_list("customer_id") == wanted for r in api.requests)


def test_a_server_that_ignores_the_cursor_cannot_loop_forever(make_client: MakeClient) -> None:
    same_page = [customer_json(str(FIRST_ID + i)) for i in range(2)]
    api = ScriptedPayNow(lambda request: json_response(200, same_page))
    with pytest.raises(UnexpectedResponseError, match="did not advance"):
        list(make_client(api).iter_customers(page_size=2))
    assert len(api.requests) == 2


def test_bad_arguments_fail_at_the_call_not_on_first_iteration(make_client: MakeClient) -> None:
    api = ScriptedPayNow(json_response(200, []))
    client = make_client(api)
    with pytest.raises(ValueError, match="page_size"):
        client.iter_customers(page_size=101)
    with pytest.raises(ValueError, match="flake id"):
        client.iter_customers(after="last")
    assert api.requests == []


def test_the_walk_is_lazy(make_client: MakeClient) -> None:
    api = ScriptedPayNow(PagedStore(500))
    customers = make_client(api).iter_customers(page_size=100)
    assert api.requests == []
    next(customers)
    assert len(api.requests) == 1
