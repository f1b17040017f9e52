"""DynamoDB lock and nonce store (moto), the caller-keys secret, and function settings."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from customers.adapters.caller_keys import InvalidCallerKeysSecretError, load_caller_keys
from customers.adapters.dynamo_state import DynamoCreationLock, DynamoNonceStore
from customers.signup.settings import SignupSettings
from moto import mock_aws
from paynow.models import Customer
from pydantic import ValidationError

from tests.support.fake_aws import create_state_table, use_fake_credentials

TABLE = "state"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_fake_credentials(monkeypatch, "us-east-1")
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    with mock_aws():
        create_state_table(boto3.client("dynamodb"), TABLE)
        yield
    parameters.clear_caches()  # type: ignore[no-untyped-call]


CUSTOMER = Customer(id="429000000000000100", store_id="429000000000000000", created_at="2026-01-01T00:00:00Z")


def test_lock_lifecycle(aws: None) -> None:
    clock = Clock()
    lock = DynamoCreationLock(TABLE, clock=clock)
    assert lock.claim("k", "a", hold_seconds=10).acquired
    held = lock.claim("k", "b", hold_seconds=10)
    assert (held.acquired, held.customer) == (False, None)
    lock.complete("k", "a", CUSTOMER, keep_seconds=60)
    done = lock.claim("k", "b", hold_seconds=10)
    assert not done.acquired
    assert done.customer is not None
    assert Customer.model_validate(done.customer).id == CUSTOMER.id
    clock.now += 61  # the done record lapses (DynamoDB's TTL sweep may lag; the condition does not)
    assert lock.claim("k", "b", hold_seconds=10).acquired


def test_an_expired_hold_can_be_taken_over_and_the_old_owner_cannot_touch_it(aws: None) -> None:
    clock = Clock()
    lock = DynamoCreationLock(TABLE, clock=clock)
    assert lock.claim("k", "a", hold_seconds=5).acquired
    clock.now += 6
    assert lock.claim("k", "b", hold_seconds=5).acquired
    lock.release("k", "a")  # not a's any more: ignored
    lock.complete("k", "a", CUSTOMER, keep_seconds=60)  # ignored as well
    assert not lock.claim("k", "c", hold_seconds=5).acquired
    lock.release("k", "b")
    assert lock.claim("k", "c", hold_seconds=5).acquired


def test_a_retried_claim_whose_first_put_landed_still_holds_the_lock(aws: None) -> None:
    # botocore resends a put whose response was lost; the resend fails its condition on our own item.
    lock = DynamoCreationLock(TABLE, clock=Clock())
    assert lock.claim("k", "a", hold_seconds=10).acquired
    assert lock.claim("k", "a", hold_seconds=10).acquired
    assert not lock.claim("k", "b", hold_seconds=10).acquired


def test_nonces_are_single_use_until_they_expire(aws: None) -> None:
    clock = Clock()
    nonces = DynamoNonceStore(TABLE, clock=clock)
    assert nonces.use_once("n1", keep_seconds=300)
    assert not nonces.use_once("n1", keep_seconds=300)
    assert nonces.use_once("n2", keep_seconds=300)
    clock.now += 301
    assert nonces.use_once("n1", keep_seconds=300)


def test_caller_keys_secret(aws: None) -> None:
    sm = boto3.client("secretsmanager")
    sm.create_secret(Name="good", SecretString=json.dumps({"callers": {"backend": "k" * 32}}))
    assert load_caller_keys("good") == {"backend": "k" * 32}
    sm.create_secret(Name="short", SecretString=json.dumps({"callers": {"backend": "tooshort-but-secret"}}))
    with pytest.raises(InvalidCallerKeysSecretError) as caught:
        load_caller_keys("short")
    assert "tooshort-but-secret" not in str(caught.value)
    assert caught.value.__suppress_context__  # the pydantic error (which echoes the key) is not chained


def test_signup_settings_name_the_bad_variable() -> None:
    env = {
        "PAYNOW_STORE_ID": "429000000000000000",
        "PAYNOW_API_KEY_SECRET": "s",
        "EVENT_BUS_NAME": "b",
        "STATE_TABLE": "t",
        "ALLOWED_ORIGINS": "https://shop.example.com, http://localhost:3000",
    }
    settings = SignupSettings.from_environment(env)
    assert settings.allowed_origins == ("https://shop.example.com", "http://localhost:3000")
    assert settings.steam_openid_url == "https://steamcommunity.com/openid/login"
    for name, value in (("ALLOWED_ORIGINS", "https://shop.example.com/path"), ("PAYNOW_STORE_ID", "12ab")):
        with pytest.raises(ValidationError) as caught:
            SignupSettings.from_environment({**env, name: value})
        assert caught.value.errors()[0]["loc"] == (name,)
