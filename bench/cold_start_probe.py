"""One cold start, run by bench/cold_start.py in a fresh Lambda-runtime interpreter (python3.13).

    python3.13 cold_start_probe.py baseline
    python3.13 cold_start_probe.py floor STEPS
    python3.13 cold_start_probe.py handler EVENT.json

Prints one JSON line: the import time, and for a handler the first and second request times and
the first response. Standard library only: the interpreter's path is the staged /var/task, /opt
and runtime, as in Lambda.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from typing import Any


class Context:
    """The attributes of Lambda's context object that Powertools and the handlers read."""

    def __init__(self) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "bench"
        self._deadline = time.monotonic() + float(os.environ["BENCH_TIMEOUT_S"])

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


def _invoke(handler: Any, event: dict[str, Any]) -> tuple[float, Any]:
    if os.environ.get("BENCH_TRACING") == "Active":
        # Lambda sets the trace header per invoke when tracing is active.
        os.environ["_X_AMZN_TRACE_ID"] = f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=1"
    started = time.perf_counter()
    response = handler(event, Context())
    return time.perf_counter() - started, response


# The stack the design mandates, without a line of this project: what no function's init can go
# below. Each step adds to the ones before; the bench prints one row per step.
FLOOR_STEPS = (
    "a pydantic settings model",
    "Powertools Logger, Metrics (Tracer if Active)",
    "one boto3 client",
    "an event handler with validation",
    "an httpx client",
)


def floor(steps: int) -> None:
    import boto3
    import httpx

    if steps >= 1:
        import pydantic

        class Settings(pydantic.BaseModel):
            state_table: str
            limit: int = 20

        Settings(state_table=os.environ.get("STATE_TABLE", "table"))
    if steps >= 2:
        from aws_lambda_powertools import Logger, Metrics

        Logger()
        Metrics()
        if os.environ.get("BENCH_TRACING") == "Active":
            from aws_lambda_powertools import Tracer

            Tracer()
    if steps >= 3:
        from botocore.config import Config

        boto3.client("secretsmanager", config=Config(connect_timeout=2, read_timeout=5))
    if steps >= 4:
        from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

        class Body(pydantic.BaseModel):
            name: str

        resolver = APIGatewayHttpResolver(enable_validation=True)

        @resolver.post("/signup")
        def signup(body: Body) -> dict[str, str]:
            return {"name": body.name}

    if steps >= 5:
        httpx.Client()


def main() -> None:
    started = time.perf_counter()
    if sys.argv[1] == "baseline":
        import boto3  # noqa: F401
        import httpx  # noqa: F401

        print(json.dumps({"import_s": time.perf_counter() - started}))
        return
    if sys.argv[1] == "floor":
        floor(int(sys.argv[2]))
        print(json.dumps({"import_s": time.perf_counter() - started}))
        return
    import app

    imported = time.perf_counter() - started
    with open(sys.argv[2], encoding="utf-8") as file:
        event = json.load(file)
    at_init = set(sys.modules)
    first, response = _invoke(app.lambda_handler, event)
    second, _ = _invoke(app.lambda_handler, event)
    result = {
        "import_s": imported,
        "first_s": first,
        "second_s": second,
        "response": response,
        # What the requests imported that init did not: a cost the first request pays.
        "late_imports": sorted(set(sys.modules) - at_init),
    }
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
