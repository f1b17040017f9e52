"""Configuration from the environment, and one client per sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from customers.adapters.paynow_client import client_from_environment, default_client
from paynow.client import DEFAULT_BASE_URL

from tests.support.scripted_paynow import CUSTOMER_ID, STORE_ID, ScriptedPayNow, customer_json, json_response

SECRET_ARN_NAME = "paynow/api-key"
KEY = "pnapi_v1_from_secrets_manager"


@pytest.fixture
def clean_default_client() -> Iterator[None]:
    default_client.cache_clear()
    yield
    if default_client.cache_info().currsize:
        default_client().close()
    default_client.cache_clear()


def test_from_environment_uses_url_store_and_the_key_in_the_secret(secretsmanager: Any) -> None:
    secretsmanager.create_secret(Name=SECRET_ARN_NAME, SecretString=json.dumps({"api_key": KEY}))
    env = {
        "PAYNOW_API_URL": "http://127.0.0.1:8787/",
        "PAYNOW_STORE_ID": STORE_ID,
        "PAYNOW_API_KEY_SECRET": SECRET_ARN_NAME,
    }
    api = ScriptedPayNow(json_response(200, customer_json()))
    with client_from_environment(env, transport=api.transport) as client:
        client.get_customer(CUSTOMER_ID)
    request = api.requests[0]
    assert str(request.url) == f"http://127.0.0.1:8787/v1/stores/{STORE_ID}/customers/{CUSTOMER_ID}"
    assert request.headers["Authorization"] == f"APIKey {KEY}"


def test_api_url_defaults_to_paynow() -> None:
    env = {"PAYNOW_STORE_ID": STORE_ID, "PAYNOW_API_KEY_SECRET": SECRET_ARN_NAME, "PAYNOW_API_URL": ""}
    api = ScriptedPayNow(httpx.Response(204))
    with client_from_environment(env, transport=api.transport) as client:
        assert client.base_url == DEFAULT_BASE_URL == "https://api.paynow.gg"


def test_missing_variables_are_named() -> None:
    with pytest.raises(ValueError, match="PAYNOW_STORE_ID, PAYNOW_API_KEY_SECRET"):
        client_from_environment({})


def test_default_client_is_built_once_per_process(
    monkeypatch: pytest.MonkeyPatch, clean_default_client: None
) -> None:
    monkeypatch.setenv("PAYNOW_STORE_ID", STORE_ID)
    monkeypatch.setenv("PAYNOW_API_KEY_SECRET", SECRET_ARN_NAME)
    monkeypatch.delenv("PAYNOW_API_URL", raising=False)
    first = default_client()
    assert default_client() is first
    assert first.base_url == DEFAULT_BASE_URL
    assert first.store_id == STORE_ID
