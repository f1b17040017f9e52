"""Fixture: the webhook function in-process on moto, the emulator delivering to it."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS
from moto import mock_aws
from paynow_emulator import PayNowEmulator

from tests.support.fake_aws import EventTap, create_state_table, use_fake_credentials
from tests.support.lambda_events import load_function
from tests.support.webhook_stack import BUCKET, BUS, REGION, SECRET, TABLE, Hooks, delivering_to


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hooks]:
    use_fake_credentials(monkeypatch, REGION)
    for name, value in {
        "POWERTOOLS_SERVICE_NAME": "webhooks",
        "POWERTOOLS_METRICS_NAMESPACE": "PayNowCustomers",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "EVENT_BUS_NAME": BUS,
        "STATE_TABLE": TABLE,
        "WEBHOOK_SECRETS_SECRET": SECRET,
        "WEBHOOK_PAYLOAD_BUCKET": BUCKET,
    }.items():
        monkeypatch.setenv(name, value)
    DEFAULT_PROVIDERS.clear()
    with mock_aws():
        create_state_table(boto3.client("dynamodb"), TABLE)
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        boto3.client("secretsmanager").create_secret(Name=SECRET, SecretString='{"secrets": []}')
        tap = EventTap.on_new_bus(REGION, BUS, source="paynow.webhooks")
        emulator = PayNowEmulator()
        ref: list[Hooks] = []
        hooks = Hooks(load_function("webhooks"), emulator, tap)
        ref.append(hooks)
        emulator.webhooks.transport = delivering_to(ref)
        emulator.webhooks.policy = emulator.webhooks.policy.with_values(
            {"base_delay_s": 0.05, "max_delay_s": 0.2}
        )
        yield hooks
        emulator.webhooks.close()
    DEFAULT_PROVIDERS.clear()
