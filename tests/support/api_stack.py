"""Shared pieces of the signup integration tests: names, the provisioned api_stack, wiring."""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3
from customers.bootstrap.signup import SignupFunction, build_signup_service
from customers.bootstrap.trusted import TrustedFunction, build_trusted_service
from customers.signup import routes as signup_routes
from customers.trusted import routes as trusted_routes
from paynow_emulator import PayNowEmulator
from steam_openid import SteamOpenIdStandIn

from tests.support.fake_aws import EventTap, create_state_table
from tests.support.lambda_events import FakeLambdaContext

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
class ApiStack:
    emulator: PayNowEmulator
    steam: SteamOpenIdStandIn
    signup: ModuleType
    trusted: ModuleType
    authorizer: ModuleType
    tap: EventTap

    def invoke(self, module: ModuleType, event: Any) -> Any:
        return module.lambda_handler(event, FakeLambdaContext(function_name=module.__name__))

    def paynow_calls(self) -> list[Any]:
        return [r for r in self.emulator.inspect.requests if r.operation is not None]

    def published_events(self) -> list[dict[str, Any]]:
        return self.tap.drain()


def provision(emulator: PayNowEmulator) -> EventTap:
    ddb = boto3.client("dynamodb", region_name=REGION)
    create_state_table(ddb, TABLE)
    ddb.update_time_to_live(
        TableName=TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"}
    )
    sm = boto3.client("secretsmanager", region_name=REGION)
    sm.create_secret(Name=API_KEY_SECRET, SecretString=json.dumps({"api_key": emulator.api_key}))
    sm.create_secret(Name=CALLERS_SECRET, SecretString=json.dumps({"callers": CALLERS}))
    return EventTap.on_new_bus(REGION, BUS)


def wire(module: ModuleType, emulator: PayNowEmulator, steam: SteamOpenIdStandIn) -> None:
    """Point a freshly loaded function at the in-process emulator and Steam stand-in, the way the
    function's own wiring provides its service: Powertools' ``app.dependency_overrides``."""
    function = module.function
    if isinstance(function, SignupFunction):
        signup = build_signup_service(
            function.settings, paynow_transport=emulator.transport(), steam_transport=steam.transport()
        )
        function.app.dependency_overrides[signup_routes.signup_service] = lambda: signup
    elif isinstance(function, TrustedFunction):
        trusted = build_trusted_service(function.settings, paynow_transport=emulator.transport())
        function.app.dependency_overrides[trusted_routes.trusted_service] = lambda: trusted
