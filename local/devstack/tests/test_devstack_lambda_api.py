"""The local Lambda service: Invoke over HTTP (boto3), async retries and the on-failure destination."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import uvicorn
from devstack.lambda_api import AsyncInvoker, FunctionRegistry, LambdaApiApp
from devstack.resources import Aws
from devstack.runtime import FunctionRuntime
from devstack_helpers import ECHO, FAILING, CapturedConsole, runtime, spec

SLEEPER = """
import pathlib, time

def lambda_handler(event, context):
    if "started" in event:
        pathlib.Path(event["started"]).touch()
    time.sleep(event.get("s", 0))
    return "slept"
"""


@pytest.fixture
def stack(tmp_path: Path, aws: Aws, console: CapturedConsole) -> Iterator[dict[str, Any]]:
    dlq_url = aws.sqs.create_queue(QueueName=f"dlq-{time.monotonic_ns()}")["QueueUrl"]
    dlq_arn = aws.sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    marker = tmp_path / "attempts.jsonl"
    runtimes: dict[str, FunctionRuntime] = {
        "Echo": runtime(spec(tmp_path, "Echo", ECHO), console),
        "Failing": runtime(
            spec(
                tmp_path,
                "Failing",
                FAILING,
                environment={"MARKER": str(marker)},
                on_failure=dlq_arn,
                max_retries=1,
            ),
            console,
        ),
        "Reserved": runtime(spec(tmp_path, "Reserved", SLEEPER, reserved=1), console, max_concurrency=1),
    }
    invoker = AsyncInvoker(runtimes, console, aws, retry_delays_s=(0.1,))
    app = LambdaApiApp(runtimes, invoker, console)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    client = boto3.client(
        "lambda",
        endpoint_url=f"http://127.0.0.1:{sock.getsockname()[1]}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    yield {"client": client, "invoker": invoker, "dlq": dlq_url, "marker": marker, "moto": aws, "app": app}
    server.should_exit = True
    thread.join(timeout=5)
    invoker.stop()
    for item in runtimes.values():
        item.close()


def test_registry_accepts_names_arns_and_qualifiers(tmp_path: Path) -> None:
    registry = FunctionRegistry({"Echo": spec(tmp_path, "Echo", ECHO)})
    for reference in (
        "Echo",
        "test-Echo",
        "test-Echo:$LATEST",
        "123456789012:function:test-Echo",
        "arn:aws:lambda:us-east-1:123456789012:function:test-Echo",
        "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Atest-Echo%3Aprod",
    ):
        assert registry.find(reference) == "Echo", reference
    assert registry.find("other") is None


def test_request_response_invoke_through_boto3(stack: dict[str, Any]) -> None:
    response = stack["client"].invoke(FunctionName="test-Echo", Payload=json.dumps({"x": 1}).encode())
    payload = json.loads(response["Payload"].read())
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert payload["event"] == {"x": 1}
    assert payload["function_name"] == "test-Echo"


def test_function_error_and_unknown_function(stack: dict[str, Any]) -> None:
    client = stack["client"]
    failed = client.invoke(FunctionName="Failing", Payload=b"{}")
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorMessage"] == "always fails"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName="nothing-here", Payload=b"{}")
    status, headers, _ = stack["app"].handle(
        "POST", "/2015-03-31/functions/Echo/invocations", {}, b"{not json"
    )
    assert (status, headers["x-amzn-errortype"]) == (400, "InvalidRequestContentException")
    listed = client.list_functions()["Functions"]
    assert {f["FunctionName"] for f in listed} == {"test-Echo", "test-Failing", "test-Reserved"}


def test_async_failures_are_retried_then_sent_to_the_on_failure_destination(stack: dict[str, Any]) -> None:
    response = stack["client"].invoke(FunctionName="Failing", InvocationType="Event", Payload=b'{"job": 7}')
    assert response["StatusCode"] == 202
    assert stack["invoker"].wait_idle(30)
    attempts = stack["marker"].read_text().splitlines()
    assert [json.loads(line) for line in attempts] == [{"job": 7}, {"job": 7}]
    sqs = stack["moto"].sqs
    messages = sqs.receive_message(QueueUrl=stack["dlq"], WaitTimeSeconds=1)["Messages"]
    record = json.loads(messages[0]["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestPayload"] == {"job": 7}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "always fails"


def test_async_success_runs_once(stack: dict[str, Any], console: CapturedConsole) -> None:
    stack["client"].invoke(FunctionName="test-Echo", InvocationType="Event", Payload=b"{}")
    assert stack["invoker"].wait_idle(30)
    assert "async lambda invoke (Event) -> ok" in console.text


def test_reserved_concurrency_throttles_sync_invokes(stack: dict[str, Any], tmp_path: Path) -> None:
    app = stack["app"]
    path = "/2015-03-31/functions/Reserved/invocations"
    started = tmp_path / "started"
    results: list[int] = []
    slow = json.dumps({"s": 2, "started": str(started)}).encode()
    busy = threading.Thread(target=lambda: results.append(app.handle("POST", path, {}, slow)[0]))
    busy.start()
    for _ in range(300):  # until the first invocation holds the only execution slot
        if started.exists():
            break
        time.sleep(0.05)
    status, headers, _ = app.handle("POST", path, {}, b"{}")
    busy.join()
    assert status == 429
    assert headers["x-amzn-errortype"] == "TooManyRequestsException"
    assert results == [200]
