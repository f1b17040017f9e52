"""The API key: read from Secrets Manager (moto), healed after rotation, never shown anywhere."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from customers.adapters.secrets_api_key import SecretApiKeyProvider, parse_secret_value
from paynow.api_key import ApiKeyAuth, ApiKeyError, StaticApiKey
from paynow.client import PayNowClient
from paynow.errors import PayNowError, UnauthorizedError
from paynow.models import CustomerUpsert, LookupKey

from tests.support.scripted_paynow import (
    CUSTOMER_ID,
    ScriptedPayNow,
    Step,
    customer_json,
    error_response,
    json_response,
)

MakeClient = Callable[..., PayNowClient]
SECRET = "paynow/api-key"
OLD_KEY = "pnapi_v1_old_7f3a9c1e5b"
NEW_KEY = "pnapi_v1_new_2d8e4f6a0c"


def accepts_only(key: str) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != f"APIKey {key}":
            return error_response(401, "unauthorized", "Invalid API key")
        return json_response(200, customer_json())

    return answer


def test_provider_reads_a_bare_string_secret(secretsmanager: Any) -> None:
    secretsmanager.create_secret(Name=SECRET, SecretString=f"  {OLD_KEY}\n")
    assert SecretApiKeyProvider(SECRET).get() == OLD_KEY


def test_provider_reads_a_json_secret(secretsmanager: Any) -> None:
    secretsmanager.create_secret(Name=SECRET, SecretString=json.dumps({"api_key": OLD_KEY, "note": "x"}))
    assert SecretApiKeyProvider(SECRET).get() == OLD_KEY


def test_provider_caches_until_forced(secretsmanager: Any) -> None:
    secretsmanager.create_secret(Name=SECRET, SecretString=OLD_KEY)
    provider = SecretApiKeyProvider(SECRET, max_age=300)
    assert provider.get() == OLD_KEY
    secretsmanager.put_secret_value(SecretId=SECRET, SecretString=NEW_KEY)
    assert provider.get() == OLD_KEY
    assert provider.get(force=True) == NEW_KEY
    assert provider.get() == NEW_KEY


def test_rotated_key_heals_on_401_with_one_forced_read_and_one_resend(
    secretsmanager: Any, make_client: MakeClient
) -> None:
    secretsmanager.create_secret(Name=SECRET, SecretString=OLD_KEY)
    api = ScriptedPayNow(accepts_only(OLD_KEY))
    client = make_client(api, api_key=SecretApiKeyProvider(SECRET))
    client.get_customer(CUSTOMER_ID)

    secretsmanager.put_secret_value(SecretId=SECRET, SecretString=json.dumps({"api_key": NEW_KEY}))
    api.steps = [accepts_only(NEW_KEY)]
    created = client.create_customer(CustomerUpsert(name="after-rotation"))
    assert created.id == CUSTOMER_ID
    assert api.authorizations == [f"APIKey {OLD_KEY}", f"APIKey {OLD_KEY}", f"APIKey {NEW_KEY}"]

    # Healed for good: the next call goes straight out with the new key.
    client.get_customer(CUSTOMER_ID)
    assert api.authorizations[3:] == [f"APIKey {NEW_KEY}"]


def test_401_with_an_unchanged_secret_is_not_resent(secretsmanager: Any, make_client: MakeClient) -> None:
    secretsmanager.create_secret(Name=SECRET, SecretString=OLD_KEY)
    api = ScriptedPayNow(accepts_only(NEW_KEY))
    client = make_client(api, api_key=SecretApiKeyProvider(SECRET))
    with pytest.raises(UnauthorizedError) as info:
        client.create_customer(CustomerUpsert(name="x"))
    assert info.value.status == 401
    assert len(api.requests) == 1


def test_a_static_key_gets_no_second_chance_after_401(make_client: MakeClient) -> None:
    api = ScriptedPayNow(accepts_only(NEW_KEY))
    with pytest.raises(UnauthorizedError):
        make_client(api, api_key=OLD_KEY).get_customer(CUSTOMER_ID)
    assert len(api.requests) == 1


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", "usable API key"),
        ("pnapi v1 with spaces", "usable API key"),
        ('{"apiKey": "pnapi_v1_secretvalue"}', '"api_key"'),
        ('{"api_key": 12345}', '"api_key"'),
        ('{"api_key": "pnapi_v1_secretvalue"', "not valid JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b"pnapi_v1_secretvalue", None),
    ],
)
def test_unusable_secrets_are_explained_without_their_value(raw: str | bytes, problem: str | None) -> None:
    if problem is None:
        assert parse_secret_value(raw, secret_id=SECRET) == "pnapi_v1_secretvalue"
        return
    with pytest.raises(ApiKeyError, match=problem) as info:
        parse_secret_value(raw, secret_id=SECRET)
    assert SECRET in str(info.value)
    assert "secretvalue" not in str(info.value)
    # Nothing chained either: a JSON decode error would carry the whole document.
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__


def test_the_key_never_appears_in_reprs_errors_or_logs(
    secretsmanager: Any, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    secretsmanager.create_secret(Name=SECRET, SecretString=json.dumps({"api_key": OLD_KEY}))
    provider = SecretApiKeyProvider(SECRET)
    scripted: list[Step] = [
        error_response(401, "unauthorized", "Invalid API key"),
        error_response(500, "internal", "boom"),
        httpx.Response(503, text="<html>upstream</html>"),
        httpx.ReadTimeout,
        httpx.ConnectError,
        error_response(429, "rate-limited", "slow down"),
    ]
    shown: list[str] = []
    # Explicitly on the libraries too, whatever another test left their levels at.
    for name in ("botocore", "httpx", "paynow"):
        caplog.set_level(logging.DEBUG, logger=name)
    with caplog.at_level(logging.DEBUG):
        for step in scripted:
            api = ScriptedPayNow(step)
            client = make_client(api, api_key=provider)
            shown += [repr(client), repr(provider), repr(ApiKeyAuth(provider)), repr(StaticApiKey(OLD_KEY))]
            calls: list[Callable[[PayNowClient], object]] = [
                lambda c: c.create_customer(CustomerUpsert(name="x")),
                lambda c: c.lookup_customer(LookupKey.NAME, "x"),
            ]
            for call in calls:
                with pytest.raises(PayNowError) as info:
                    call(client)
                shown += [str(info.value), repr(info.value), str(info.value.__cause__)]
        # A successful exchange with httpx's own request logging on.
        api = ScriptedPayNow(json_response(200, customer_json()))
        make_client(api, api_key=provider).get_customer(CUSTOMER_ID)
    assert api.requests[0].headers["Authorization"] == f"APIKey {OLD_KEY}"  # the key was really used
    haystack = "\n".join(shown) + "\n" + caplog.text
    # botocore did log the GetSecretValue response at DEBUG, but redacted.
    assert "carries a Secrets Manager secret value" in caplog.text
    assert OLD_KEY not in haystack
    assert OLD_KEY[-10:] not in haystack


def test_empty_or_unusable_static_keys_are_refused_without_echo() -> None:
    with pytest.raises(ApiKeyError):
        SecretApiKeyProvider("")
    with pytest.raises(ApiKeyError) as info:
        StaticApiKey("pnapi_v1_abc\r\nX-Evil: 1")
    assert "pnapi_v1_abc" not in str(info.value)
