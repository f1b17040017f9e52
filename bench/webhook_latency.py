"""Webhook receiver: in-process latency of POST /webhooks/paynow.

    .venv/bin/python bench/webhook_latency.py [--requests 500]

The webhook handler (functions/webhooks/app.py, its real adapters) invoked in-process with API
Gateway v2 events against moto (Secrets Manager, DynamoDB, EventBridge), three secrets in the list.
Cases: "new" = verify + claim + publish + mark published; "repeat" = verify + claim (already
published); "bad signature" = verify only (refused, no AWS call once the secrets are cached).
Prints p50/p95 per case from one run; moto's in-process latency stands in for AWS's, so the AWS
share of the figures is not what a deployed function sees.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers" / "shared"), str(ROOT / "local"), str(ROOT)]

ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_METRICS_NAMESPACE": "Bench",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "EVENT_BUS_NAME": "bench-bus",
    "STATE_TABLE": "bench-state",
    "WEBHOOK_SECRETS_SECRET": "bench/webhook-secrets",
    "WEBHOOK_PAYLOAD_BUCKET": "bench-webhooks",
}
SECRETS = ["whsec_bench_order_completed", "whsec_bench_refund", "whsec_bench_chargeback"]


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"p50 {statistics.median(ordered) * 1000:6.2f} ms   p95 {p95 * 1000:6.2f} ms   (n={len(ordered)})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    os.environ.update(ENV)

    import boto3
    from moto import mock_aws
    from paynow_emulator.signature import sign

    from tests.support.lambda_events import FakeLambdaContext, http_event

    with mock_aws():
        boto3.client("secretsmanager").create_secret(
            Name=ENV["WEBHOOK_SECRETS_SECRET"], SecretString=json.dumps({"secrets": SECRETS})
        )
        boto3.client("dynamodb").create_table(
            TableName=ENV["STATE_TABLE"],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        boto3.client("events").create_event_bus(Name=ENV["EVENT_BUS_NAME"])
        spec = importlib.util.spec_from_file_location("webhook_app", ROOT / "functions/webhooks/app.py")
        assert spec is not None
        assert spec.loader is not None
        app: Any = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(app)

        def event(event_id: int, secret: str) -> dict[str, Any]:
            raw = json.dumps(
                {
                    "event_type": "ON_ORDER_COMPLETED",
                    "event_id": str(event_id),
                    "body": {"id": str(event_id)},
                },
                separators=(",", ":"),
            )
            timestamp = str(time.time_ns() // 1_000_000)
            headers = {
                "paynow-timestamp": timestamp,
                "paynow-signature": sign(secret, timestamp, raw.encode()),
            }
            return http_event("POST", "/webhooks/paynow", raw_body=raw, headers=headers)

        def timed(build: Any) -> tuple[list[float], set[int]]:
            samples, statuses = [], set()
            for n in range(args.requests):
                payload = build(n)
                started = time.perf_counter()
                response = app.lambda_handler(payload, FakeLambdaContext(aws_request_id=str(uuid.uuid4())))
                samples.append(time.perf_counter() - started)
                statuses.add(response["statusCode"])
            return samples, statuses

        base = 900_000_000_000_000_000
        with contextlib.redirect_stdout(io.StringIO()):
            timed(lambda n: event(base - 1 - n, SECRETS[2]))  # warm-up: first reads, connection pools
        cases = {
            "new": lambda n: event(base + n, SECRETS[n % 3]),
            "repeat": lambda n: event(base + n, SECRETS[n % 3]),
            "bad signature": lambda n: event(base + n, "whsec_forged"),
        }
        lines = [f"webhook receiver, in-process on moto, {args.requests} requests per case"]
        for name, build in cases.items():
            # Metrics go to stdout as EMF lines; keep them out of the figures.
            with contextlib.redirect_stdout(io.StringIO()):
                samples, statuses = timed(build)
            lines.append(f"  {name:14s} {_percentiles(samples)}   statuses {sorted(statuses)}")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
