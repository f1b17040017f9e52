"""Configuration from the environment, and one client per sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from paynow.auth import SecretApiKeyProvider
from paynow.client import DEFAULT_BASE_URL, PayNowClient, default_client
from paynow_fakes import STORE_ID


@pytest.fixture
def clean_default_client() -> Iterator[None]:
    default_client.cache_clear()
    yield
    if default_client.cache_info().currsize:
        default_client().close()
    default_client.cache_clear()


def test_from_environment_reads_the_three_variables() -> None:
    env = {
        "PAYNOW_API_URL": "http://127.0.0.1:8787",
        "PAYNOW_STORE_ID": STORE_ID,
        "PAYNOW_API_KEY_SECRET": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:paynow",
    }
    with PayNowClient.from_environment(env) as client:
        assert client.base_url == "http://127.0.0.1:8787"
        assert client.store_id == STORE_ID
        assert isinstance(client._keys, SecretApiKeyProvider)
        assert client._keys.secret_id == env["PAYNOW_API_KEY_SECRET"]


def test_api_url_defaults_to_paynow() -> None:
    env = {"PAYNOW_STORE_ID": STORE_ID, "PAYNOW_API_KEY_SECRET": "paynow/key", "PAYNOW_API_URL": ""}
    with PayNowClient.from_environment(env) as client:
        assert client.base_url == DEFAULT_BASE_URL == "https://api.paynow.gg"


def test_missing_variables_are_named() -> None:
    with pytest.raises(ValueError, match="PAYNOW_STORE_ID, PAYNOW_API_KEY_SECRET"):
        PayNowClient.from_environment({})


def test_default_client_is_built_once_per_process(
    monkeypatch: pytest.MonkeyPatch, clean_default_client: None
) -> None:
    monkeypatch.setenv("PAYNOW_STORE_ID", STORE_ID)
    monkeypatch.setenv("PAYNOW_API_KEY_SECRET", "paynow/key")
    monkeypatch.delenv("PAYNOW_API_URL", raising=False)
    first = default_client()
    assert default_client() is first
    assert first.base_url == DEFAULT_BASE_URL
