"""Signup handler: cold import cost and in-process latency.

    .venv/bin/python bench/signup_latency.py [--runs 7] [--requests 300]

1. Import time of functions/signup/app.py (what a cold start pays before the first request) next
   to `import boto3, httpx` alone, each the median of fresh interpreter runs.
2. p50/p95 of the signup handler invoked in-process with API Gateway v2 events, against the
   in-process PayNow emulator, the Steam stand-in and moto (DynamoDB, Secrets Manager, EventBridge).
   "existing" = lookup + token (2 PayNow calls), "new" = lookup + lock + create + event + token.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers" / "shared"), str(ROOT / "local")]

ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_METRICS_NAMESPACE": "Bench",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "PAYNOW_STORE_ID": "429000000000000000",
    "PAYNOW_API_KEY_SECRET": "paynow/api-key",
    "PAYNOW_API_URL": "https://api.paynow.test",
    "EVENT_BUS_NAME": "bench-bus",
    "STATE_TABLE": "bench-state",
    "STEAM_OPENID_URL": "http://steam.test/openid/login",
    "ALLOWED_ORIGINS": "https://shop.example.com",
}
ORIGIN = "https://shop.example.com"


def _median_import_seconds(code: str, runs: int, extra_path: list[str]) -> float:
    env = {**os.environ, **ENV, "PYTHONPATH": os.pathsep.join(extra_path), "PYTHONDONTWRITEBYTECODE": "0"}
    probe = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    samples = []
    for _ in range(runs + 1):  # the first run warms the bytecode cache and the page cache
        out = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
        )
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(samples[1:])


def import_times(runs: int) -> None:
    paths = [str(ROOT / "layers" / "shared"), str(ROOT / "functions" / "signup")]
    base = _median_import_seconds("import boto3, httpx", runs, paths)
    handler = _median_import_seconds("import app", runs, paths)
    print(f"import boto3, httpx          : {base * 1000:7.1f} ms (median of {runs})")
    print(f"import functions/signup/app  : {handler * 1000:7.1f} ms (median of {runs})")
    print(f"ratio handler / boto3+httpx  : {handler / base:7.2f}x")


class _Context:
    function_name = "SignupFunction"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:SignupFunction"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self._end = time.monotonic() + 29

    def get_remaining_time_in_millis(self) -> int:
        return int((self._end - time.monotonic()) * 1000)


def _event(body: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(body)
    return {
        "version": "2.0",
        "routeKey": "POST /signup",
        "rawPath": "/signup",
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "origin": ORIGIN, "host": "api.example.com"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "bench",
            "domainName": "api.example.com",
            "http": {"method": "POST", "path": "/signup", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7"},
            "requestId": uuid.uuid4().hex,
            "routeKey": "POST /signup",
            "stage": "$default",
            "timeEpoch": int(time.time() * 1000),
        },
        "body": text,
        "isBase64Encoded": False,
    }


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = ordered[len(ordered) // 2]
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {p50 * 1000:6.2f} ms   p95 {p95 * 1000:6.2f} ms   (n={len(samples)})"


def latency(requests: int) -> None:
    import boto3
    from moto import mock_aws
    from paynow_emulator import PayNowEmulator
    from steam_openid import SteamOpenIdStandIn

    os.environ.update(ENV)
    emu = PayNowEmulator(store_id=ENV["PAYNOW_STORE_ID"])
    steam = SteamOpenIdStandIn(ENV["STEAM_OPENID_URL"])
    with mock_aws():
        ddb = boto3.client("dynamodb")
        ddb.create_table(
            TableName=ENV["STATE_TABLE"],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        boto3.client("secretsmanager").create_secret(
            Name=ENV["PAYNOW_API_KEY_SECRET"], SecretString=emu.api_key
        )
        boto3.client("events").create_event_bus(Name=ENV["EVENT_BUS_NAME"])

        spec = importlib.util.spec_from_file_location(
            "signup_bench_app", ROOT / "functions" / "signup" / "app.py"
        )
        assert spec is not None
        assert spec.loader is not None
        app = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(app)
        from customers.bootstrap.signup import build_signup_service
        from customers.signup.routes import signup_service

        service = build_signup_service(
            app.function.settings, paynow_transport=emu.transport(), steam_transport=steam.transport()
        )
        app.function.app.dependency_overrides[signup_service] = lambda: service

        def run(body: dict[str, Any]) -> float:
            started = time.perf_counter()
            response = app.lambda_handler(_event(body), _Context())
            elapsed = time.perf_counter() - started
            if response["statusCode"] != 200:
                raise RuntimeError(f"unexpected response {response}")
            return elapsed

        for i in range(20):  # warm-up: first calls pay for lazy imports and the secret read
            emu.add_minecraft_account(f"warm_{i}", str(uuid.UUID(int=10_000 + i)), "java")
            run({"minecraft": {"name": f"warm_{i}", "edition": "java"}})

        new_mc, existing_mc, new_steam, existing_steam = [], [], [], []
        for i in range(requests):
            name = f"bench_{i}"
            emu.add_minecraft_account(name, str(uuid.UUID(int=i + 1)), "java")
            new_mc.append(run({"minecraft": {"name": name, "edition": "java"}}))
            existing_mc.append(run({"minecraft": {"name": name, "edition": "java"}}))
            steam_id = str(76561198000000000 + i)
            new_steam.append(run({"steam": steam.mint(f"{ORIGIN}/cb", steam_id=steam_id)}))
            existing_steam.append(run({"steam": steam.mint(f"{ORIGIN}/cb", steam_id=steam_id)}))

    print(f"minecraft, existing customer : {_percentiles(existing_mc)}")
    print(f"minecraft, new customer      : {_percentiles(new_mc)}")
    print(f"steam, existing customer     : {_percentiles(existing_steam)}")
    print(f"steam, new customer          : {_percentiles(new_steam)}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per import measurement")
    parser.add_argument("--requests", type=int, default=300, help="signups per kind")
    args = parser.parse_args()
    import_times(args.runs)
    latency(args.requests)


if __name__ == "__main__":
    main()
