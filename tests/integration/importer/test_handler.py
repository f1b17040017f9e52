"""functions/importer/app.py as Lambda runs it: real env, moto, the emulator over loopback HTTP."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from botocore.stub import Stubber
from customers.adapters.import_invoker import LambdaContinuer
from moto import mock_aws
from paynow_emulator import PayNowEmulator
from paynow_emulator.server import BackgroundServer

from tests.support.import_memory import csv_text, steam
from tests.support.import_stack import BUCKET, BUS, REGION, TABLE, provision
from tests.support.lambda_events import load_function

ROOT = Path(__file__).resolve().parents[3]
EVENTS = ROOT / "events" / "importer"


@dataclass
class Context:
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_name: str = "ImportFunction"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:ImportFunction"
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return int((900 - (time.monotonic() - self.started)) * 1000)


@pytest.fixture
def app(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ModuleType, Any, PayNowEmulator]]:
    emu = PayNowEmulator()
    with BackgroundServer(emu) as server, mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        provision(s3)
        boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name="paynow/api-key", SecretString=json.dumps({"api_key": emu.api_key})
        )
        for name, value in {
            "PAYNOW_API_URL": server.url,
            "PAYNOW_STORE_ID": emu.store_id,
            "PAYNOW_API_KEY_SECRET": "paynow/api-key",
            "EVENT_BUS_NAME": BUS,
            "STATE_TABLE": TABLE,
            "IMPORT_BUCKET": BUCKET,
            "IMPORT_FUNCTION_NAME": "ImportFunction",
            "POWERTOOLS_SERVICE_NAME": "paynow-customers",
            "POWERTOOLS_METRICS_NAMESPACE": "PayNowCustomers",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }.items():
            monkeypatch.setenv(name, value)
        parameters.clear_caches()  # type: ignore[no-untyped-call]  # Powertools leaves it unannotated
        yield load_function("importer"), s3, emu
        parameters.clear_caches()  # type: ignore[no-untyped-call]  # Powertools leaves it unannotated


def test_s3_put_event_sample_imports_and_a_redelivery_does_nothing(
    app: tuple[ModuleType, Any, PayNowEmulator],
) -> None:
    module, s3, emu = app
    key = "incoming/customers 2026.csv"
    version = s3.put_object(
        Bucket=BUCKET,
        Key=key,
        Body=csv_text(["steamid", "name"], [[steam(i), f"p{i}"] for i in range(1, 251)]),
    )["VersionId"]
    event = json.loads((EVENTS / "s3-put.json").read_text())
    event["Records"][0]["s3"]["object"].update({"key": "incoming/customers+2026.csv", "versionId": version})
    result = module.lambda_handler(event, Context())
    (summary,) = result["imports"]
    assert summary["status"] == "completed"
    assert summary["counts"]["created"] == 250
    assert emu.inspect.count() == 250
    calls = len(emu.inspect.requests)
    again = module.lambda_handler(event, Context())
    assert again == result
    assert len(emu.inspect.requests) == calls


def test_eventbridge_and_direct_payloads(app: tuple[ModuleType, Any, PayNowEmulator]) -> None:
    module, s3, emu = app
    s3.put_object(Bucket=BUCKET, Key="incoming/customers 2026.csv", Body=csv_text(["uuid"], [["0" * 32]]))
    event = json.loads((EVENTS / "eventbridge-object-created.json").read_text())
    event["detail"]["object"].pop("version-id")
    (summary,) = module.lambda_handler(event, Context())["imports"]
    assert summary["counts"]["created"] == 1
    s3.put_object(
        Bucket=BUCKET, Key="incoming/customers.csv", Body=csv_text(["xuid"], [["2535411111111111"]])
    )
    (summary,) = module.lambda_handler(json.loads((EVENTS / "direct.json").read_text()), Context())["imports"]
    assert summary["counts"]["created"] == 1
    assert emu.inspect.count() == 2


def test_objects_outside_the_import_bucket_or_the_incoming_prefix_are_refused(
    app: tuple[ModuleType, Any, PayNowEmulator],
) -> None:
    module, _, emu = app
    with pytest.raises(ValueError, match="not the import bucket"):
        module.lambda_handler({"bucket": "someone-elses-bucket", "key": "incoming/a.csv"}, Context())
    with pytest.raises(ValueError, match="reports prefix"):
        module.lambda_handler({"bucket": BUCKET, "key": "reports/a.csv/v/rejected.csv"}, Context())
    for key in ("elsewhere/a.csv", "a.csv", "incoming", "Incoming/a.csv"):
        with pytest.raises(ValueError, match="only keys under 'incoming/'"):
            module.lambda_handler({"bucket": BUCKET, "key": key}, Context())
    assert emu.inspect.requests == []


def test_lambda_continuer_invokes_asynchronously_with_the_payload() -> None:
    client = boto3.client("lambda", region_name=REGION)
    payload = {"continuation": {"bucket": BUCKET, "key": "incoming/a.csv", "version_id": "v", "hop": 2}}
    with Stubber(client) as stub:
        stub.add_response(
            "invoke",
            {"StatusCode": 202},
            {
                "FunctionName": "ImportFunction",
                "InvocationType": "Event",
                "Payload": json.dumps(payload).encode(),
            },
        )
        LambdaContinuer(client, "ImportFunction").continue_import(payload)
        stub.assert_no_pending_responses()
