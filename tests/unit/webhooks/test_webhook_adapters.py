"""The webhook adapters on moto: the secret's two shapes, the ledger's claims and leases, the bus."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from customers.adapters.webhook_bus import EventBridgeWebhookBus, PublishError
from customers.adapters.webhook_ledger import DynamoDeliveryLedger
from customers.adapters.webhook_secrets import (
    InvalidWebhookSecretsError,
    SecretsManagerSigningSecrets,
    parse_secrets,
)
from customers.common import redaction
from customers.webhooks.ports import ClaimOutcome
from moto import mock_aws

from tests.support.fake_aws import create_state_table, mocked_secretsmanager, use_fake_credentials

TABLE = "state"


@pytest.mark.parametrize(
    "raw",
    ['["whsec_one_value", "whsec_two_value"]', '{"secrets": ["whsec_one_value", "whsec_two_value"]}'],
)
def test_the_secret_is_a_list_or_an_object_holding_one(raw: str) -> None:
    assert parse_secrets(raw, secret_id="s") == ["whsec_one_value", "whsec_two_value"]


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("whsec_bare_value", "not JSON"),
        ("[]", "empty"),
        ('{"secrets": []}', "empty"),
        ('{"secret": ["whsec_one_value"]}', "JSON list"),
        ('["short"]', "8 to 1024"),
        ("[1, 2]", "JSON list"),
    ],
)
def test_an_unusable_secret_is_named_without_echoing_it(raw: str, problem: str) -> None:
    with pytest.raises(InvalidWebhookSecretsError) as error:
        parse_secrets(raw, secret_id="paynow/webhooks")
    assert problem in str(error.value)
    assert "paynow/webhooks" in str(error.value)
    assert "whsec_one_value" not in str(error.value)
    assert "whsec_bare_value" not in str(error.value)


def test_secrets_are_read_cached_refreshed_and_masked_in_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    with mocked_secretsmanager(monkeypatch) as secretsmanager:
        secretsmanager.create_secret(Name="hooks", SecretString='["whsec_first_secret"]')
        secrets = SecretsManagerSigningSecrets("hooks", max_age=300)
        assert secrets.current() == ["whsec_first_secret"]
        secretsmanager.put_secret_value(
            SecretId="hooks", SecretString='["whsec_first_secret", "whsec_second"]'
        )
        assert secrets.current() == ["whsec_first_secret"]  # cached
        assert secrets.current(refresh=True) == ["whsec_first_secret", "whsec_second"]
        assert redaction.redact("signed with whsec_second") == "signed with ***"


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    use_fake_credentials(monkeypatch, "eu-west-1")
    with mock_aws():
        client = boto3.client("dynamodb")
        create_state_table(client, TABLE)
        yield client


def test_a_claim_is_exclusive_until_published_or_released(dynamodb: Any) -> None:
    now = [1_000_000.0]
    ledger = DynamoDeliveryLedger(
        TABLE, dynamodb, keep_seconds=7 * 86400, lease_seconds=60, clock=lambda: now[0]
    )
    assert ledger.claim("1", "a") is ClaimOutcome.CLAIMED
    assert ledger.claim("1", "a") is ClaimOutcome.CLAIMED  # botocore's retry of a put that landed
    assert ledger.claim("1", "b") is ClaimOutcome.IN_PROGRESS
    ledger.release("1", "b")  # not b's claim: nothing happens
    assert ledger.claim("1", "b") is ClaimOutcome.IN_PROGRESS
    ledger.release("1", "a")
    assert ledger.claim("1", "b") is ClaimOutcome.CLAIMED
    ledger.mark_published("1", "b")
    assert ledger.claim("1", "c") is ClaimOutcome.PUBLISHED
    ledger.release("1", "b")  # a published event is never released
    assert ledger.claim("1", "c") is ClaimOutcome.PUBLISHED
    item = dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "webhook#1"}})["Item"]
    assert int(item["expiration"]["N"]) == 1_000_000 + 7 * 86400


def test_a_lapsed_lease_or_an_expired_record_can_be_claimed_again(dynamodb: Any) -> None:
    now = [1_000_000.0]
    ledger = DynamoDeliveryLedger(TABLE, dynamodb, keep_seconds=600, lease_seconds=60, clock=lambda: now[0])
    assert ledger.claim("2", "a") is ClaimOutcome.CLAIMED
    now[0] += 61  # a crashed attempt's lease lapses
    assert ledger.claim("2", "b") is ClaimOutcome.CLAIMED
    ledger.mark_published("2", "b")
    now[0] += 601  # TTL passed (DynamoDB deletes lazily)
    assert ledger.claim("2", "c") is ClaimOutcome.CLAIMED


def test_a_refused_entry_raises_so_the_delivery_is_retried() -> None:
    class Refusing:
        def put_events(self, **_: Any) -> dict[str, Any]:
            return {
                "FailedEntryCount": 1,
                "Entries": [{"ErrorCode": "ThrottlingException", "ErrorMessage": "slow"}],
            }

    bus = EventBridgeWebhookBus("bus", Refusing(), None, bucket="b")  # type: ignore[arg-type]
    with pytest.raises(PublishError, match="ThrottlingException"):
        bus.publish({"event_type": "ON_REFUND", "event_id": "1", "body": {}}, b"{}")
