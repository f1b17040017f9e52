"""The webhook function in-process on moto, with the PayNow emulator delivering to it through an httpx
transport that turns each POST into the HTTP API event API Gateway would send."""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3
import httpx
from paynow_emulator import PayNowEmulator

from tests.support.fake_aws import EventTap
from tests.support.lambda_events import FakeLambdaContext, body_of, http_event

REGION = "us-east-1"
TABLE = "paynow-customers-state"
BUS = "paynow-customers"
SECRET = "paynow/webhook-secrets"
BUCKET = "paynow-import-webhooks-test"
PATH = "/webhooks/paynow"
URL = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com" + PATH


@dataclass
class Hooks:
    function: ModuleType
    emulator: PayNowEmulator
    tap: EventTap

    def post(self, raw: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        event = http_event("POST", PATH, raw_body=raw.decode("utf-8", "surrogateescape"), headers=headers)
        response = self.function.lambda_handler(event, FakeLambdaContext(function_name="WebhookFunction"))
        return response["statusCode"], body_of(response)

    def set_secrets(self, secrets: list[str]) -> None:
        boto3.client("secretsmanager").put_secret_value(
            SecretId=SECRET, SecretString=json.dumps({"secrets": secrets})
        )

    def create_customer(self, name: str) -> str:
        with httpx.Client(transport=self.emulator.transport(), base_url="https://api.paynow.gg") as api:
            response = api.post(
                f"/v1/stores/{self.emulator.store_id}/customers",
                json={"name": name},
                headers={"authorization": f"APIKey {self.emulator.api_key}"},
            )
        response.raise_for_status()
        return str(response.json()["id"])

    def subscribe(self, event: str) -> dict[str, Any]:
        subscription: dict[str, Any] = self.emulator.webhooks.create(
            {"url": URL, "subscribed_to": event, "type": "json_v1"}
        )
        return subscription

    def bus_events(self) -> list[dict[str, Any]]:
        return self.tap.drain()


def delivering_to(hooks_ref: list[Hooks]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        status, body = hooks_ref[0].post(request.content, dict(request.headers))
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handle)
