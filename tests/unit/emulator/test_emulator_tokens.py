"""Customer tokens: many per customer, DELETE revokes all, the storefront proves a token works."""

from __future__ import annotations

import pytest

from tests.support.emulator_clients import STEAM_A, Api


def test_token_is_opaque_and_works_on_the_storefront(api: Api) -> None:
    customer = api.create(steam_id=STEAM_A)

    response = api.http.post(api.tokens(customer["id"]))

    assert response.status_code == 200
    assert set(response.json()) == {"token"}
    token = response.json()["token"]
    assert len(token) >= 32
    storefront = api.storefront(token, **{"x-paynow-store-id": api.emu.store_id})
    assert storefront.status_code == 200
    assert storefront.json()["id"] == customer["id"]


def test_many_tokens_coexist_and_delete_revokes_all(api: Api) -> None:
    customer = api.create(name="a")
    other = api.create(name="b")
    tokens = [api.http.post(api.tokens(customer["id"])).json()["token"] for _ in range(3)]
    other_token = api.http.post(api.tokens(other["id"])).json()["token"]
    assert len(set(tokens)) == 3
    assert all(api.storefront(token).status_code == 200 for token in tokens)

    response = api.http.delete(api.tokens(customer["id"]))

    assert response.status_code == 204
    assert response.content == b""
    assert all(api.storefront(token).status_code == 401 for token in tokens)
    assert api.storefront(other_token).status_code == 200
    assert api.emu.inspect.active_tokens(customer["id"]) == 0
    fresh = api.http.post(api.tokens(customer["id"])).json()["token"]
    assert api.storefront(fresh).status_code == 200


def test_tokens_for_unknown_customer_are_404(api: Api) -> None:
    assert api.http.post(api.tokens("123456789")).status_code == 404
    assert api.http.delete(api.tokens("123456789")).status_code == 404


@pytest.mark.parametrize(
    "authorization", ["Customer nope", "Customer ", "", "Bearer x", "APIKey pnapi_v1_test"]
)
def test_storefront_rejects_unknown_or_malformed_tokens(api: Api, authorization: str) -> None:
    response = api.http.get("/v1/store/customer", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_storefront_scheme_is_case_insensitive_and_store_header_must_match(api: Api) -> None:
    customer = api.create(name="a")
    token = api.http.post(api.tokens(customer["id"])).json()["token"]
    ok = api.http.get("/v1/store/customer", headers={"Authorization": f"customer {token}"})
    assert ok.status_code == 200
    assert api.storefront(token, **{"x-paynow-store-id": "123456789"}).status_code == 401
