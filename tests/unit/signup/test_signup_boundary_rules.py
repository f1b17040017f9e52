"""Pure rules of the anonymous boundary: who an unverified name may reach, what a client is, which
origins and return paths a deployment may configure, and the per-client counter."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from customers.adapters.dynamo_state import DynamoClientRateLimiter
from customers.common.identity import platform_identities
from customers.signup.service import Platform, client_of, display_name, other_identities
from customers.signup.settings import SignupSettings
from moto import mock_aws
from paynow.models import Customer
from pydantic import ValidationError

from tests.support.fake_aws import create_state_table, use_fake_credentials

BASE = {"id": "429000000000000001", "store_id": "411486491630370816", "created_at": "2026-01-01T00:00:00Z"}
ENV = {
    "PAYNOW_STORE_ID": "411486491630370816",
    "PAYNOW_API_KEY_SECRET": "s",
    "EVENT_BUS_NAME": "b",
    "STATE_TABLE": "t",
}


@pytest.mark.parametrize(
    ("fields", "others"),
    [
        ({"minecraft_uuid": "069a79f444e94726a5befca90e38aaf5"}, []),
        ({"minecraft_uuid": "069a79f4", "steam_id": "76561198012345678"}, ["Steam"]),
        ({"minecraft_uuid": "069a79f4", "xbox_xuid": "2535405290123456"}, ["Xbox"]),
        ({"minecraft_uuid": "069a79f4", "profile": {"id": "1", "platform": "epic"}}, ["epic"]),
        ({"minecraft_uuid": "069a79f4", "profile": {"id": "1", "platform": "minecraft"}}, []),
    ],
)
def test_only_a_minecraft_only_customer_has_no_other_identity(
    fields: dict[str, object], others: list[str]
) -> None:
    assert other_identities(Customer.model_validate({**BASE, **fields})) == others


def test_platform_identities_of_a_name_only_customer_are_empty() -> None:
    assert platform_identities(Customer.model_validate({**BASE, "name": "Alice"})) == []
    linked = Customer.model_validate({**BASE, "name": "Notch", "minecraft_uuid": "069a79f4"})
    assert platform_identities(linked) == ["minecraft_uuid"]


def test_display_name_prefers_the_platform_profile() -> None:
    customer = Customer.model_validate({**BASE, "name": "crm name", "steam": {"name": "gaben"}})
    assert display_name(customer, Platform.STEAM) == "gaben"
    assert display_name(customer, Platform.MINECRAFT_JAVA) == "crm name"


@pytest.mark.parametrize(
    ("source_ip", "client"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::ffff", "2001:db8:1:2::/64"),
        (None, None),
        ("", None),
    ],
)
def test_a_client_is_its_address_or_its_ipv6_64(source_ip: str | None, client: str | None) -> None:
    assert client_of(source_ip) == client


@pytest.mark.parametrize("origin", ["http://shop.example.com", "http://10.0.0.5:8080"])
def test_plain_http_origins_are_refused_unless_loopback(origin: str) -> None:
    with pytest.raises(ValidationError, match="loopback"):
        SignupSettings.from_environment({**ENV, "ALLOWED_ORIGINS": origin})


@pytest.mark.parametrize("origin", ["http://localhost:8080", "http://127.0.0.1:3000", "http://127.8.9.10"])
def test_loopback_http_origins_are_allowed_for_local_development(origin: str) -> None:
    assert SignupSettings.from_environment({**ENV, "ALLOWED_ORIGINS": origin}).allowed_origins == (origin,)


def test_return_paths_default_to_the_page_and_must_be_plain_paths() -> None:
    settings = SignupSettings.from_environment({**ENV, "ALLOWED_ORIGINS": "https://shop.example.com"})
    assert settings.steam_return_paths == ("/",)
    assert settings.minecraft_signup == "enabled"
    for bad in ("steam/return", "/a?b=1", "/a#x", " , "):
        with pytest.raises(ValidationError):
            SignupSettings.from_environment(
                {**ENV, "ALLOWED_ORIGINS": "https://shop.example.com", "STEAM_RETURN_PATHS": bad}
            )


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    use_fake_credentials(monkeypatch, "us-east-1")
    with mock_aws():
        create_state_table(boto3.client("dynamodb"), "state")
        yield "state"


def test_the_counter_limits_per_window_and_says_when_to_retry(table: str) -> None:
    now = [1_800_000_010.0]
    limiter = DynamoClientRateLimiter(
        table, boto3.client("dynamodb"), limit=2, window_seconds=60, clock=lambda: now[0]
    )
    assert limiter.acquire("a") is None
    assert limiter.acquire("a") is None
    assert limiter.acquire("a") == 50  # the window started at ...000, ten seconds ago
    assert limiter.acquire("b") is None
    now[0] += 50
    assert limiter.acquire("a") is None  # a new window
    item = boto3.client("dynamodb").get_item(TableName=table, Key={"pk": {"S": "signup-rate#a#1800000000"}})
    assert int(item["Item"]["expiration"]["N"]) == 1_800_000_000 + 60 + 60  # TTL outlives the window
