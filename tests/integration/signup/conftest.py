"""The signup, trusted and authorizer handlers in-process: moto for AWS, the emulator, the Steam stand-in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from customers.api import runtime
from moto import mock_aws
from paynow_emulator import PayNowEmulator
from signup_helpers import FakeLambdaContext, load_function
from steam_openid import SteamOpenIdStandIn

REGION = "us-east-1"
TABLE = "paynow-customers-state"
BUS = "paynow-customers"
API_KEY_SECRET = "paynow/api-key"
CALLERS_SECRET = "paynow/caller-keys"
STEAM_URL = "http://steam.test/openid/login"
ORIGIN = "https://shop.example.com"
OTHER_ORIGIN = "http://localhost:3000"
CALLERS = {
    "store-backend": "sk_live_backend_0123456789abcdef",
    "automation": "sk_live_automation_fedcba9876543210",
    "local-dev": "local-dev-caller-key-0123456789abcdef",  # the key in events/*/*.json
}
JAVA_ACCOUNTS = {
    "Notch": "069a79f4-44e9-4726-a5be-fca90e38aaf5",
    "jeb_": "853c80ef-3c37-49fd-aa49-938b674adae6",
}
BEDROCK_ACCOUNTS = {"Steve Bedrock": "00000000-0000-0000-0009-01f0b3c1d2e4"}


@dataclass
class Stack:
    emu: PayNowEmulator
    steam: SteamOpenIdStandIn
    signup: ModuleType
    trusted: ModuleType
    authorizer: ModuleType
    queue_url: str
    sqs: Any

    def invoke(self, module: ModuleType, event: Any) -> Any:
        return module.lambda_handler(event, FakeLambdaContext(function_name=module.__name__))

    def paynow_calls(self) -> list[Any]:
        return [r for r in self.emu.inspect.requests if r.operation is not None]

    def published_events(self) -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not batch:
                return seen
            seen.extend(json.loads(m["Body"]) for m in batch)


def _provision(emu: PayNowEmulator) -> tuple[str, Any]:
    ddb = boto3.client("dynamodb", region_name=REGION)
    ddb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.update_time_to_live(
        TableName=TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"}
    )
    sm = boto3.client("secretsmanager", region_name=REGION)
    sm.create_secret(Name=API_KEY_SECRET, SecretString=json.dumps({"api_key": emu.api_key}))
    sm.create_secret(Name=CALLERS_SECRET, SecretString=json.dumps({"callers": CALLERS}))
    events = boto3.client("events", region_name=REGION)
    events.create_event_bus(Name=BUS)
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.create_queue(QueueName="customer-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name="all-customers", EventBusName=BUS, EventPattern=json.dumps({"source": ["paynow.customers"]})
    )
    events.put_targets(Rule="all-customers", EventBusName=BUS, Targets=[{"Id": "q", "Arn": queue_arn}])
    return queue_url, sqs


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_SERVICE_NAME": "paynow-customers",
        "POWERTOOLS_METRICS_NAMESPACE": "PayNowCustomers",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "DEBUG",
        "EVENT_BUS_NAME": BUS,
        "STATE_TABLE": TABLE,
        "PAYNOW_API_KEY_SECRET": API_KEY_SECRET,
        "PAYNOW_API_URL": "https://api.paynow.test",
        "STEAM_OPENID_URL": STEAM_URL,
        "ALLOWED_ORIGINS": f"{ORIGIN},{OTHER_ORIGIN}",
        "CALLER_KEYS_SECRET": CALLERS_SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def emu() -> PayNowEmulator:
    emulator = PayNowEmulator()
    for name, uuid in JAVA_ACCOUNTS.items():
        emulator.add_minecraft_account(name, uuid, "java")
    for name, uuid in BEDROCK_ACCOUNTS.items():
        emulator.add_minecraft_account(name, uuid, "bedrock")
    return emulator


@pytest.fixture
def steam() -> SteamOpenIdStandIn:
    return SteamOpenIdStandIn(STEAM_URL)


def wire(module: ModuleType, stack_emu: PayNowEmulator, steam: SteamOpenIdStandIn) -> None:
    """Point a freshly loaded function at the in-process emulator and Steam stand-in."""
    if hasattr(module, "service"):
        if hasattr(module.settings, "allowed_origins"):
            module.service.set(
                runtime.build_signup_service(
                    module.settings, paynow_transport=stack_emu.transport(), steam_transport=steam.transport()
                )
            )
        else:
            module.service.set(
                runtime.build_trusted_service(module.settings, paynow_transport=stack_emu.transport())
            )


@pytest.fixture
def stack(
    aws_env: None, emu: PayNowEmulator, steam: SteamOpenIdStandIn, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stack]:
    monkeypatch.setenv("PAYNOW_STORE_ID", emu.store_id)
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    with mock_aws():
        queue_url, sqs = _provision(emu)
        modules = {}
        for name in ("signup", "trusted", "authorizer"):
            modules[name] = load_function(name)
            wire(modules[name], emu, steam)
        yield Stack(emu, steam, modules["signup"], modules["trusted"], modules["authorizer"], queue_url, sqs)
    parameters.clear_caches()  # type: ignore[no-untyped-call]
