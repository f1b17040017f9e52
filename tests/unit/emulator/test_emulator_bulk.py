"""Bulk create: at most 200 items, validated first, atomic, errors[].path naming the item."""

from __future__ import annotations

from tests.support.emulator_clients import NOTCH_UUID, STEAM_A, STEAM_B, Api


def test_bulk_creates_all_in_order_with_ascending_ids(api: Api) -> None:
    response = api.http.post(
        f"{api.customers}/bulk", json=[{"steam_id": STEAM_A}, {"name": "b"}, {"steam_id": int(STEAM_B)}]
    )
    assert response.status_code == 200
    body = response.json()
    assert [c.get("steam_id") for c in body] == [STEAM_A, None, STEAM_B]
    assert [int(c["id"]) for c in body] == sorted(int(c["id"]) for c in body)
    assert api.emu.inspect.count() == 3


def test_bulk_of_200_is_accepted_and_201_is_rejected(api: Api) -> None:
    too_many = api.http.post(f"{api.customers}/bulk", json=[{} for _ in range(201)])
    assert too_many.status_code == 400
    assert too_many.json()["errors"][0]["validation"] == "max-items"
    assert api.emu.inspect.count() == 0
    assert len(api.http.post(f"{api.customers}/bulk", json=[{} for _ in range(200)]).json()) == 200


def test_empty_bulk_creates_nothing(api: Api) -> None:
    assert api.http.post(f"{api.customers}/bulk", json=[]).json() == []


def test_one_invalid_item_fails_the_whole_call_with_its_path(api: Api) -> None:
    items: list[dict[str, object]] = [{"name": f"n{i}"} for i in range(20)]
    items[17] = {"steam_id": "garbage"}
    items[3] = {"nickname": "x"}

    response = api.http.post(f"{api.customers}/bulk", json=items)

    assert response.status_code == 400
    paths = [error["path"] for error in response.json()["errors"]]
    assert paths == ["[3].nickname", "[17].steam_id"]
    assert api.emu.inspect.count() == 0


def test_collision_with_an_existing_customer_is_409_and_atomic(api: Api) -> None:
    api.create(steam_id=STEAM_A)

    response = api.http.post(f"{api.customers}/bulk", json=[{"steam_id": STEAM_B}, {"steam_id": STEAM_A}])

    assert response.status_code == 409
    assert response.json()["errors"][0]["path"] == "[1].steam_id"
    assert api.emu.inspect.count() == 1


def test_duplicates_within_one_call_conflict(api: Api) -> None:
    response = api.http.post(
        f"{api.customers}/bulk", json=[{"minecraft_uuid": NOTCH_UUID}, {"minecraft_uuid": NOTCH_UUID.upper()}]
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["path"] == "[1].minecraft_uuid"
    assert api.emu.inspect.count() == 0


def test_unknown_minecraft_name_in_bulk_is_404_with_path(api: Api) -> None:
    api.emu.add_minecraft_account("Notch", NOTCH_UUID, "java")
    response = api.http.post(
        f"{api.customers}/bulk",
        json=[
            {"name": "Notch", "minecraft_platform": "java"},
            {"name": "Ghost", "minecraft_platform": "java"},
        ],
    )
    assert response.status_code == 404
    assert response.json()["errors"][0]["path"] == "[1].name"
    assert api.emu.inspect.count() == 0


def test_bulk_body_must_be_an_array(api: Api) -> None:
    response = api.http.post(f"{api.customers}/bulk", json={"steam_id": STEAM_A})
    assert response.status_code == 400
    assert api.http.post(f"{api.customers}/bulk", json=["x"]).json()["errors"][0]["path"] == "[0]"
