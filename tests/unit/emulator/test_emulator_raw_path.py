"""Routing happens on the raw path: an encoded "/" stays inside its segment and names nothing."""

from __future__ import annotations

from paynow_emulator import inspection_urls

from tests.support.emulator_clients import Api


def test_an_encoded_slash_in_the_customer_segment_does_not_list_customers(api: Api) -> None:
    api.create(name="someone")
    response = api.http.get(f"{api.customers}/%2F")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not-found"
    assert {"status", "code", "message"} <= set(body)


def test_an_encoded_slash_before_tokens_does_not_mint_a_token(api: Api) -> None:
    customer = api.create(name="victim")
    response = api.http.post(f"{api.customer(customer['id'])}%2Ftokens")
    assert response.status_code == 404
    assert response.json()["code"] == "not-found"
    assert api.emu.inspect.active_tokens(customer["id"]) == 0


def test_other_encoded_characters_are_decoded_after_splitting(api: Api) -> None:
    customer = api.create(name="plain")
    encoded = "".join(f"%{ord(char):02X}" for char in customer["id"])
    response = api.http.get(f"{api.customers}/{encoded}")
    assert response.status_code == 200
    assert response.json()["id"] == customer["id"]


def test_a_segment_that_is_not_utf8_once_decoded_is_a_404(api: Api) -> None:
    assert api.http.get(f"{api.customers}/%FF").status_code == 404


def test_the_inspection_index_lists_every_inspection_endpoint(api: Api) -> None:
    response = api.http.get("/_emulator/")
    assert response.status_code == 200
    paths = {entry["path"] for entry in response.json()["resources"]}
    assert {"/_emulator/customers", "/_emulator/requests", "/_emulator/health"} <= paths
    for entry in response.json()["resources"]:
        assert entry["description"], entry
        assert api.http.request(entry["methods"][0], entry["path"]).status_code != 404, entry
    assert api.http.post("/_emulator/").status_code == 405


def test_inspection_urls_name_the_index_and_the_customers() -> None:
    urls = inspection_urls("http://127.0.0.1:8787/")
    assert urls["index"] == "http://127.0.0.1:8787/_emulator/"
    assert urls["customers"] == "http://127.0.0.1:8787/_emulator/customers"
