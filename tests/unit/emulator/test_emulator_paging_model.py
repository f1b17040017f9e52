"""List paging against a naive model, for any mix of order, cursors, limit and filters."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from paynow_emulator import PayNowEmulator

EMU = PayNowEmulator()
HEADERS = {"authorization": f"APIKey {EMU.api_key}", "content-type": "application/json"}
PATH = f"/v1/stores/{EMU.store_id}/customers"
NAMES = ["ann", "bob", "cat", "dan"]
_created = EMU.handle(
    "POST",
    f"{PATH}/bulk",
    headers=HEADERS,
    body=json.dumps([{"name": NAMES[i % 4]} for i in range(40)]).encode(),
)
CUSTOMERS: list[dict[str, str]] = json.loads(_created.body)
IDS = [int(c["id"]) for c in CUSTOMERS]


def model(asc: bool, after: int | None, before: int | None, limit: int, name: str | None) -> list[int]:
    ordered = sorted(IDS, reverse=not asc)
    if after is not None:
        ordered = [i for i in ordered if (i > after if asc else i < after)]
    if before is not None:
        ordered = [i for i in ordered if (i < before if asc else i > before)]
    if name is not None:
        by_id = {int(c["id"]): c["name"] for c in CUSTOMERS}
        ordered = [i for i in ordered if by_id[i] == name]
    return ordered[-limit:] if before is not None and after is None else ordered[:limit]


cursor = st.none() | st.sampled_from(IDS) | st.integers(min_value=IDS[0] - 5, max_value=IDS[-1] + 5)


@settings(max_examples=300, deadline=None)
@given(
    asc=st.booleans(),
    after=cursor,
    before=cursor,
    limit=st.integers(min_value=1, max_value=100),
    name=st.none() | st.sampled_from(NAMES),
)
def test_list_matches_the_model(
    asc: bool, after: int | None, before: int | None, limit: int, name: str | None
) -> None:
    query: dict[str, list[str]] = {"limit": [str(limit)], "asc": [str(asc).lower()]}
    if after is not None:
        query["after"] = [str(after)]
    if before is not None:
        query["before"] = [str(before)]
    if name is not None:
        query["search"] = [name]
    response = EMU.handle("GET", PATH, query=query, headers=HEADERS)
    assert response.status == 200
    assert [int(c["id"]) for c in json.loads(response.body)] == model(asc, after, before, limit, name)
