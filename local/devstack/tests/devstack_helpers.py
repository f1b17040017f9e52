"""Throwaway Lambda functions on disk, for exercising sandboxes, the HTTP API and the Lambda API."""

from __future__ import annotations

import io
import os
import textwrap
from pathlib import Path

from devstack.logs import Console
from devstack.runtime import FunctionRuntime
from devstack.template import AsyncConfig, Destination, FunctionSpec


class CapturedConsole(Console):
    def __init__(self) -> None:
        self.buffer = io.StringIO()
        super().__init__(self.buffer)

    @property
    def text(self) -> str:
        return self.buffer.getvalue()


ECHO = """
import os

COUNTER = {"calls": 0}

def lambda_handler(event, context):
    COUNTER["calls"] += 1
    return {
        "event": event,
        "function_name": context.function_name,
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "env": os.environ.get("WHO"),
        "calls": COUNTER["calls"],
        "pid": os.getpid(),
    }
"""

HTTP = """
import json

def lambda_handler(event, context):
    if event.get("rawPath") == "/boom":
        raise RuntimeError("kaboom")
    if event.get("rawPath") == "/bare":
        return {"hello": "world"}
    return {
        "statusCode": 201,
        "headers": {"content-type": "application/json", "access-control-allow-origin": "https://evil.example"},
        "cookies": ["a=1"],
        "body": json.dumps({"event": event}),
    }
"""

AUTHORIZER = """
CALLS = []

def lambda_handler(event, context):
    CALLS.append(1)
    key = event["identitySource"][0]
    if key == "Bearer crash":
        raise ValueError("authorizer broke")
    return {"isAuthorized": key == "Bearer good", "context": {"caller": "tester", "calls": len(CALLS)}}
"""

FAILING = """
import json, os, pathlib

def lambda_handler(event, context):
    marker = pathlib.Path(os.environ["MARKER"])
    with marker.open("a") as out:
        out.write(json.dumps(event) + "\\n")
    raise RuntimeError("always fails")
"""


def write_function(root: Path, name: str, code: str) -> Path:
    directory = root / name
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "app.py").write_text(textwrap.dedent(code))
    return directory


def spec(
    root: Path,
    name: str,
    code: str,
    *,
    timeout_s: float = 10,
    environment: dict[str, str] | None = None,
    reserved: int | None = None,
    on_failure: str | None = None,
    max_retries: int = 2,
) -> FunctionSpec:
    directory = write_function(root, name, code)
    return FunctionSpec(
        logical_id=name,
        name=f"test-{name}",
        arn=f"arn:aws:lambda:us-east-1:123456789012:function:test-{name}",
        code_dir=directory,
        handler="app.lambda_handler",
        runtime="python3.13",
        timeout_s=timeout_s,
        memory_mb=128,
        layers=(),
        environment=environment or {},
        reserved_concurrency=reserved,
        async_config=AsyncConfig(
            max_retries=max_retries,
            on_failure=Destination("SQS", on_failure) if on_failure else None,
        ),
    )


def runtime(function: FunctionSpec, console: Console, max_concurrency: int = 2) -> FunctionRuntime:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_LAMBDA_FUNCTION_NAME": function.name,
        **function.environment,
    }
    return FunctionRuntime(function, env, console, max_concurrency=max_concurrency)
