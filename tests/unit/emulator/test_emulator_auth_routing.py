"""Auth, store ids, routes and methods."""

from __future__ import annotations

import pytest
from paynow_emulator import PayNowEmulator

from tests.support.emulator_clients import Api


@pytest.mark.parametrize(
    "authorization",
    [None, "", "APIKey", "APIKey wrong", "Bearer pnapi_v1_test", "pnapi_v1_test", "Customer pnapi_v1_test"],
)
def test_missing_or_bad_api_key_is_401(api: Api, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    api.http.headers.pop("Authorization")
    response = api.http.get(api.customers, headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


@pytest.mark.parametrize("scheme", ["APIKey", "apikey", "APIKEY", "ApiKey"])
def test_api_key_prefix_is_case_insensitive(api: Api, scheme: str) -> None:
    response = api.http.get(api.customers, headers={"Authorization": f"{scheme} {api.emu.api_key}"})
    assert response.status_code == 200


def test_every_operation_requires_the_key(api: Api) -> None:
    api.http.headers.pop("Authorization")
    calls = [
        ("GET", api.customers),
        ("POST", api.customers),
        ("GET", api.customer("123456789")),
        ("PATCH", api.customer("123456789")),
        ("GET", f"{api.customers}/lookup"),
        ("POST", f"{api.customers}/bulk"),
        ("POST", api.tokens("123456789")),
        ("DELETE", api.tokens("123456789")),
    ]
    for method, path in calls:
        assert api.http.request(method, path, json={}).status_code == 401, (method, path)


def test_auth_is_checked_before_anything_else(api: Api) -> None:
    api.http.headers.pop("Authorization")
    assert api.http.get("/v1/stores/abc/customers/xyz").status_code == 401


def test_unknown_store_is_404_and_malformed_store_id_is_400(api: Api) -> None:
    assert api.http.get("/v1/stores/123456789/customers").status_code == 404
    assert api.http.get("/v1/stores/not-a-flake/customers").status_code == 400


def test_unknown_route_is_404_with_error_body(api: Api) -> None:
    response = api.http.get("/v1/stores/123/orders")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_wrong_method_is_405_with_allow(api: Api) -> None:
    response = api.http.put(api.customers, json={})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


def test_trailing_slash_reaches_the_same_route(api: Api) -> None:
    assert api.http.get(f"{api.customers}/").status_code == 200


def test_several_keys_and_rotation(emu: PayNowEmulator, make_api: object) -> None:
    rotated = PayNowEmulator(api_keys=("old", "new"))
    assert rotated.api_key == "old"
    customers = f"/v1/stores/{rotated.store_id}/customers"
    assert rotated.handle("GET", customers, headers={"authorization": "APIKey new"}).status == 200
    rotated.set_api_keys(["newer"])
    assert rotated.handle("GET", customers, headers={"authorization": "APIKey old"}).status == 401
    assert rotated.handle("GET", customers, headers={"authorization": "APIKey newer"}).status == 200


def test_constructor_rejects_bad_configuration() -> None:
    with pytest.raises(ValueError, match="store_id"):
        PayNowEmulator(store_id="store-1")
    with pytest.raises(ValueError, match="API key"):
        PayNowEmulator(api_keys=())
    assert PayNowEmulator(store_id="411486491630370816").store_id == "411486491630370816"
