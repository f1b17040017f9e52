"""Create, get, update and lookup: the rules in PAYNOW.md, through the transport and the ASGI app."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paynow_emulator import PayNowEmulator, flake_datetime, parse_flake

from tests.support.emulator_clients import NOTCH_UUID, STEAM_A, STEAM_B, Api


def test_create_answers_200_with_ids_as_strings_and_a_steam_profile(api: Api) -> None:
    response = api.http.post(api.customers, json={"steam_id": STEAM_A, "name": "bob", "metadata": {"k": "v"}})

    assert response.status_code == 200
    body = response.json()
    assert isinstance(body["id"], str)
    assert body["store_id"] == api.emu.store_id
    assert body["steam_id"] == STEAM_A
    assert body["steam"]["id"] == STEAM_A
    assert body["profile"]["platform"] == "steam"
    assert body["name"] == "bob"
    assert body["metadata"] == {"k": "v"}
    assert body["updated_at"] is None


def test_created_at_is_the_flake_timestamp(api: Api) -> None:
    body = api.create(name="x")
    flake = parse_flake(body["id"])
    assert flake is not None
    expected = flake_datetime(flake).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert body["created_at"] == expected


def test_steam_id_accepted_as_json_number_and_returned_as_string(api: Api) -> None:
    body = api.create(steam_id=int(STEAM_A))
    assert body["steam_id"] == STEAM_A


@pytest.mark.parametrize(
    "steam_id",
    [
        "abc",
        "76561197960265727",
        "76561202255233024",
        "7.6561197960287930e16",
        "-1",
        " 76561197960287930",
        "",
    ],
)
def test_invalid_steam_id_string_is_invalid_input(api: Api, steam_id: str) -> None:
    response = api.http.post(api.customers, json={"steam_id": steam_id})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "InvalidInput"
    assert body["message"] == f"cannot parse Steam ID from string: {steam_id}"
    assert body["errors"][0]["path"] == "steam_id"
    assert api.emu.inspect.count() == 0


@pytest.mark.parametrize("steam_id", [7.6561197960287930e16, True, 76561197960265727, [STEAM_A], {"a": 1}])
def test_invalid_steam_id_values_are_rejected(api: Api, steam_id: object) -> None:
    response = api.http.post(api.customers, json={"steam_id": steam_id})
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidInput"


@pytest.mark.parametrize("steam_id", ["76561197960265728", "76561202255233023"])
def test_individual_range_edges_are_accepted(api: Api, steam_id: str) -> None:
    assert api.create(steam_id=steam_id)["steam_id"] == steam_id


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("069A79F4-44E9-4726-A5BE-FCA90E38AAF5", NOTCH_UUID),
        ("069a79f444e94726a5befca90e38aaf5", NOTCH_UUID),
    ],
)
def test_minecraft_uuid_is_normalised_dashed_lowercase(api: Api, given: str, stored: str) -> None:
    assert api.create(minecraft_uuid=given)["minecraft_uuid"] == stored


@pytest.mark.parametrize(
    "uuid", ["not-a-uuid", "069a79f444e94726a5befca90e38aaf", "069a79f4-44e9-4726-a5be-fca90e38aaf5-0"]
)
def test_bad_minecraft_uuid_is_rejected(api: Api, uuid: str) -> None:
    response = api.http.post(api.customers, json={"minecraft_uuid": uuid})
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "minecraft_uuid"


@pytest.mark.parametrize("xuid", ["abc", "0", "-5", "99999999999999999999999", 2535405290000000])
def test_bad_xuid_is_rejected(api: Api, xuid: object) -> None:
    response = api.http.post(api.customers, json={"xbox_xuid": xuid})
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "xbox_xuid"


@pytest.mark.parametrize(
    ("field", "first", "second"),
    [
        ("steam_id", STEAM_A, STEAM_A),
        ("minecraft_uuid", NOTCH_UUID, NOTCH_UUID.upper()),
        ("xbox_xuid", "2535405290000000", "2535405290000000"),
    ],
)
def test_unique_identifiers_conflict_with_409(api: Api, field: str, first: str, second: str) -> None:
    existing = api.create(**{field: first})

    response = api.http.post(api.customers, json={field: second})

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert body["errors"][0]["path"] == field
    assert existing["id"] in body["message"]
    assert api.emu.inspect.count() == 1


def test_names_are_not_unique(api: Api) -> None:
    api.create(name="same")
    api.create(name="same")
    assert api.emu.inspect.count() == 2


@pytest.mark.parametrize(
    ("body", "path", "validation"),
    [
        ({"name": ""}, "name", "min-length"),
        ({"name": "x" * 51}, "name", "max-length"),
        ({"name": 5}, "name", "type"),
        ({"metadata": {f"k{i}": "v" for i in range(51)}}, "metadata", "max-properties"),
        ({"metadata": {"k" * 41: "v"}}, f"metadata.{'k' * 41}", "max-length"),
        ({"metadata": {"": "v"}}, "metadata.", "min-length"),
        ({"metadata": {"k": "v" * 501}}, "metadata.k", "max-length"),
        ({"metadata": {"k": 1}}, "metadata.k", "type"),
        ({"metadata": ["k"]}, "metadata", "type"),
        ({"minecraft_platform": "pc"}, "minecraft_platform", "enum"),
        ({"email": "a@b.c"}, "email", "additional-properties"),
    ],
)
def test_body_limits_and_unknown_fields_answer_400_with_errors(
    api: Api, body: dict[str, object], path: str, validation: str
) -> None:
    response = api.http.post(api.customers, json=body)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["path"], e["validation"]) for e in errors] == [(path, validation)]
    assert api.emu.inspect.count() == 0


def test_limits_at_the_boundary_are_accepted(api: Api) -> None:
    metadata = {f"{i:0>40}": "v" * 500 for i in range(50)}
    body = api.create(name="x" * 50, metadata=metadata)
    assert body["metadata"] == metadata


def test_every_problem_in_a_body_is_reported(api: Api) -> None:
    response = api.http.post(api.customers, json={"steam_id": "nope", "name": "", "bogus": 1})
    assert response.status_code == 400
    assert {e["path"] for e in response.json()["errors"]} == {"steam_id", "name", "bogus"}


@pytest.mark.parametrize("body", [b"{", b"[1,", b"\xff\xfe", b"nul"])
def test_malformed_json_is_400(api: Api, body: bytes) -> None:
    response = api.http.post(api.customers, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["code"] == "bad-request"


@pytest.mark.parametrize("body", [b"[]", b'"x"', b"1", b"null"])
def test_non_object_body_is_400(api: Api, body: bytes) -> None:
    response = api.http.post(api.customers, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_non_json_content_type_is_415(api: Api, content_type: str | None) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    response = api.http.post(api.customers, content=b'{"name": "x"}', headers=headers)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported-media-type"
    assert api.emu.inspect.count() == 0


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "text/json", "application/merge+json"]
)
def test_json_media_types_from_the_spec_are_accepted(api: Api, content_type: str) -> None:
    response = api.http.post(api.customers, content=b'{"name": "x"}', headers={"content-type": content_type})
    assert response.status_code == 200


def test_empty_body_is_400(api: Api) -> None:
    response = api.http.post(api.customers, headers={"content-type": "application/json"})
    assert response.status_code == 400


def test_get_returns_the_customer_and_404_for_unknown(api: Api) -> None:
    created = api.create(name="a")
    assert api.http.get(api.customer(created["id"])).json() == created
    missing = api.http.get(api.customer("123456789"))
    assert missing.status_code == 404
    assert missing.json()["code"] == "not-found"


@pytest.mark.parametrize("bad_id", ["abc", "-1", "0", "01", "99999999999999999999", "1.5"])
def test_invalid_flake_id_in_path_is_400(api: Api, bad_id: str) -> None:
    assert api.http.get(api.customer(bad_id)).status_code == 400
    assert api.http.patch(api.customer(bad_id), json={}).status_code == 400
    assert api.http.post(api.tokens(bad_id)).status_code == 400


def test_patch_leaves_absent_fields_clears_nulls_and_replaces_metadata(api: Api) -> None:
    created = api.create(
        steam_id=STEAM_A, name="bob", xbox_xuid="2535405290000000", metadata={"a": "1", "b": "2"}
    )

    response = api.http.patch(api.customer(created["id"]), json={"name": None, "metadata": {"c": "3"}})

    assert response.status_code == 200
    body = response.json()
    assert body["steam_id"] == STEAM_A
    assert body["xbox_xuid"] == "2535405290000000"
    assert body["name"] is None
    assert body["metadata"] == {"c": "3"}
    assert body["updated_at"] is not None
    assert body["created_at"] == created["created_at"]
    assert api.http.get(api.customer(created["id"])).json() == body


def test_patch_null_metadata_empties_it_and_null_steam_id_frees_it(api: Api) -> None:
    first = api.create(steam_id=STEAM_A, metadata={"a": "1"})

    body = api.http.patch(api.customer(first["id"]), json={"steam_id": None, "metadata": None}).json()

    assert "steam_id" not in body
    assert "steam" not in body
    assert body["metadata"] == {}
    assert api.create(steam_id=STEAM_A)["steam_id"] == STEAM_A


def test_patch_to_a_taken_identifier_conflicts_but_own_value_does_not(api: Api) -> None:
    first = api.create(steam_id=STEAM_A)
    second = api.create(steam_id=STEAM_B)

    assert api.http.patch(api.customer(first["id"]), json={"steam_id": STEAM_A}).status_code == 200
    response = api.http.patch(api.customer(second["id"]), json={"steam_id": STEAM_A})

    assert response.status_code == 409
    assert api.http.get(api.customer(second["id"])).json()["steam_id"] == STEAM_B


def test_patch_validates_like_create_and_changes_nothing_on_error(api: Api) -> None:
    created = api.create(name="bob")
    response = api.http.patch(api.customer(created["id"]), json={"name": "ok", "nope": 1})
    assert response.status_code == 400
    assert api.http.get(api.customer(created["id"])).json()["name"] == "bob"


def test_patch_unknown_customer_is_404(api: Api) -> None:
    assert api.http.patch(api.customer("123456789"), json={"name": "x"}).status_code == 404


def test_minecraft_create_by_name_resolves_a_known_account(api: Api) -> None:
    api.emu.add_minecraft_account("Notch", NOTCH_UUID, "java")

    body = api.create(name="notch", minecraft_platform="java")

    assert body["minecraft_uuid"] == NOTCH_UUID
    assert body["minecraft"] == {
        "id": NOTCH_UUID,
        "name": "Notch",
        "avatar_url": f"https://mc-heads.net/avatar/{NOTCH_UUID}",
    }
    assert body["minecraft_platform"] == "java"
    assert body["profile"]["platform"] == "minecraft"


def test_minecraft_create_by_unknown_name_is_404_and_creates_nothing(api: Api) -> None:
    api.emu.add_minecraft_account("Notch", NOTCH_UUID, "java")

    response = api.http.post(api.customers, json={"name": "Notch", "minecraft_platform": "bedrock"})

    assert response.status_code == 404
    assert response.json()["code"] == "not-found"
    assert api.emu.inspect.count() == 0


def test_minecraft_name_resolution_respects_uniqueness(api: Api) -> None:
    api.emu.add_minecraft_account("Notch", NOTCH_UUID, "java")
    api.create(minecraft_uuid=NOTCH_UUID)
    response = api.http.post(api.customers, json={"name": "Notch", "minecraft_platform": "java"})
    assert response.status_code == 409


def test_minecraft_uuid_of_unknown_account_has_no_profile(api: Api) -> None:
    body = api.create(minecraft_uuid=NOTCH_UUID, minecraft_platform="java")
    assert body["minecraft_uuid"] == NOTCH_UUID
    assert "minecraft" not in body


def test_lookup_by_each_identifier(api: Api) -> None:
    api.emu.add_minecraft_account("Notch", NOTCH_UUID, "java")
    api.emu.add_minecraft_account("Steve", "8667ba71-b85a-4004-af54-457a9734eed7", "bedrock")
    steam = api.create(steam_id=STEAM_A, name="Alice")
    java = api.create(name="Notch", minecraft_platform="java")
    bedrock = api.create(minecraft_uuid="8667ba71b85a4004af54457a9734eed7")
    xbox = api.create(xbox_xuid="2535405290000000")

    cases = {
        ("id", steam["id"]): steam,
        ("steam_id", STEAM_A): steam,
        ("name", "alice"): steam,
        ("minecraft_uuid", NOTCH_UUID.replace("-", "")): java,
        ("minecraft_java_name", "NOTCH"): java,
        ("minecraft_bedrock_name", "steve"): bedrock,
        ("xbox_xuid", "2535405290000000"): xbox,
    }
    for (key, value), expected in cases.items():
        response = api.lookup(**{key: value})
        assert response.status_code == 200, (key, response.text)
        assert response.json()["id"] == expected["id"], key


def test_lookup_by_name_ignores_profile_names(api: Api) -> None:
    api.emu.add_minecraft_account("Notch", NOTCH_UUID, "java")
    api.emu.set_steam_profile(STEAM_A, "Gabe", "https://example.test/a.png")
    api.create(minecraft_uuid=NOTCH_UUID)
    api.create(steam_id=STEAM_A)

    assert api.lookup(name="Notch").status_code == 404
    assert api.lookup(name="Gabe").status_code == 404


def test_lookup_java_name_does_not_match_bedrock_account(api: Api) -> None:
    api.emu.add_minecraft_account("Steve", NOTCH_UUID, "bedrock")
    api.create(minecraft_uuid=NOTCH_UUID)
    assert api.lookup(minecraft_java_name="Steve").status_code == 404
    assert api.lookup(minecraft_bedrock_name="Steve").status_code == 200


def test_lookup_miss_is_a_404_error_body(api: Api) -> None:
    response = api.lookup(steam_id=STEAM_A)
    assert response.status_code == 404
    assert set(response.json()) >= {"status", "code", "message"}
    assert response.json()["status"] == 404


@pytest.mark.parametrize(
    "params",
    [{}, {"steam_id": STEAM_A, "name": "x"}, {"unknown": "x"}, {"steam_id": [STEAM_A, STEAM_B]}],
)
def test_lookup_needs_exactly_one_key(api: Api, params: dict[str, object]) -> None:
    response = api.http.get(f"{api.customers}/lookup", params=params)  # type: ignore[arg-type]
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("key", "value"),
    [("id", "abc"), ("steam_id", "123"), ("minecraft_uuid", "zz"), ("xbox_xuid", "x1"), ("name", "")],
)
def test_lookup_with_malformed_value_is_400(api: Api, key: str, value: str) -> None:
    assert api.lookup(**{key: value}).status_code == 400


def test_lookup_and_bulk_are_literal_segments_not_customer_ids(api: Api) -> None:
    assert api.http.get(f"{api.customers}/lookup").status_code == 400
    assert api.http.get(f"{api.customers}/bulk").status_code == 405


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=(1 << 64)) | st.text(alphabet="0123456789x ", max_size=21))
def test_steam_id_accepted_exactly_when_an_individual_account(value: int | str) -> None:
    emu = PayNowEmulator()
    response = emu.handle(
        "POST",
        f"/v1/stores/{emu.store_id}/customers",
        headers={"authorization": f"APIKey {emu.api_key}", "content-type": "application/json"},
        body=json.dumps({"steam_id": value}).encode(),
    )
    text = str(value)
    valid = text.isdigit() and 76561197960265728 <= int(text) <= 76561202255233023
    assert response.status == (200 if valid else 400)
    if valid:
        assert json.loads(response.body)["steam_id"] == str(int(text))
