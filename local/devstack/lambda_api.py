"""A local Lambda service: the Invoke API (sync and async) over HTTP, and Lambda's async machinery.

boto3's ``lambda`` client reaches it through ``AWS_ENDPOINT_URL_LAMBDA`` (the importer's
self-continuation, a user's ``lambda.invoke``). Asynchronous invocations — ``InvocationType=Event``,
S3 notifications and EventBridge rules — go through one queue per function with the function's
EventInvokeConfig: bounded retries, maximum event age, and on-success/on-failure destinations.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import anyio.to_thread

from devstack.asgi import Receive, Scope, Send, header_pairs, raw_path, read_body, send_response
from devstack.logs import Console
from devstack.resources import Aws
from devstack.runtime import FunctionRuntime, InvokeResult, ThrottledError
from devstack.template import Destination, FunctionSpec

_INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations/?$")
_LIST_PATH = re.compile(r"^/2015-03-31/functions/?$")


@dataclass
class _AsyncItem:
    function: str
    event: Any
    source: str
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    attempt: int = 0
    enqueued: float = field(default_factory=time.monotonic)


class FunctionRegistry:
    """Finds a function by logical id, name, ARN or partial ARN (with or without a qualifier)."""

    def __init__(self, specs: Mapping[str, FunctionSpec]) -> None:
        self.specs = dict(specs)

    def find(self, reference: str) -> str | None:
        reference = unquote(reference)
        parts = reference.split(":")
        if reference.startswith("arn:") and len(parts) >= 7:
            name = parts[6]  # arn:aws:lambda:region:account:function:name[:qualifier]
        elif len(parts) >= 3 and parts[1] == "function":
            name = parts[2]  # account:function:name[:qualifier]
        else:
            name = parts[0]  # name[:qualifier]
        for logical_id, spec in self.specs.items():
            if name in (logical_id, spec.name):
                return logical_id
        return None


class AsyncInvoker:
    """Lambda's asynchronous invocation: an internal queue per function, retries, destinations."""

    def __init__(
        self,
        runtimes: Mapping[str, FunctionRuntime],
        console: Console,
        aws: Aws,
        *,
        retry_delays_s: tuple[float, ...] = (1.0, 2.0),
    ) -> None:
        self.runtimes = runtimes
        self.console = console
        self.aws = aws
        # Lambda waits about 1 and then 2 minutes between attempts; locally seconds keep feedback quick.
        self.retry_delays_s = retry_delays_s
        self.registry = FunctionRegistry({k: r.spec for k, r in runtimes.items()})
        self._queues: dict[str, queue.Queue[_AsyncItem | None]] = {}
        self._threads: list[threading.Thread] = []
        self._timers: set[threading.Timer] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._pending = 0
        self._idle = threading.Condition(self._lock)
        for logical_id, runtime in runtimes.items():
            work: queue.Queue[_AsyncItem | None] = queue.Queue()
            self._queues[logical_id] = work
            for index in range(runtime.max_concurrency):
                thread = threading.Thread(
                    target=self._run, args=(work,), daemon=True, name=f"async-{logical_id}-{index}"
                )
                thread.start()
                self._threads.append(thread)

    def submit(self, function: str, event: Any, source: str) -> str:
        item = _AsyncItem(function, event, source)
        with self._lock:
            self._pending += 1
        self._queues[function].put(item)
        return item.request_id

    def wait_idle(self, timeout_s: float) -> bool:
        """True once no async invocation is queued, running or waiting for a retry."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout_s)

    def _done(self) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def _run(self, work: queue.Queue[_AsyncItem | None]) -> None:
        while True:
            item = work.get()
            if item is None:
                return
            try:
                self._attempt(item)
            except Exception as exc:  # one failed delivery must not stop the function's async queue
                self.console.line(f"async {item.source} -> {item.function}: devstack error {exc!r}")
                self._done()

    def _attempt(self, item: _AsyncItem) -> None:
        runtime = self.runtimes[item.function]
        config = runtime.spec.async_config
        if time.monotonic() - item.enqueued > config.max_event_age_s:
            self._finish(item, None, "EventAgeExceeded")
            return
        item.attempt += 1
        if item.attempt > 1:
            self.console.line(
                f"async {item.source} -> {item.function}: "
                f"retry, attempt {item.attempt}/{config.max_retries + 1}"
            )
        result = runtime.invoke(item.event, request_id=item.request_id if item.attempt == 1 else None)
        if self._stopping.is_set():
            self._done()  # the stack is going down: no retries, no destination records
            return
        detail = f"attempt {item.attempt}/{config.max_retries + 1}"
        if result.init_ms is not None:
            detail += f", cold start {result.init_ms:.0f} ms"
        if result.ok:
            self.console.invocation(f"async {item.source}", "ok", result.duration_ms, item.function, detail)
            self._finish(item, result, "Success")
            return
        message = result.payload.get("errorMessage") if isinstance(result.payload, dict) else ""
        self.console.invocation(
            f"async {item.source}",
            "error",
            result.duration_ms,
            item.function,
            f"{detail}, {result.error_type}: {message}",
        )
        if item.attempt <= config.max_retries and not self._stopping.is_set():
            delay = self.retry_delays_s[min(item.attempt - 1, len(self.retry_delays_s) - 1)]
            timer = threading.Timer(delay, self._requeue, args=(item,))
            timer.daemon = True
            with self._lock:
                self._timers.add(timer)
            timer.start()
            return
        self._finish(item, result, "RetriesExhausted")

    def _requeue(self, item: _AsyncItem) -> None:
        with self._lock:
            self._timers = {t for t in self._timers if t.is_alive() and t is not threading.current_thread()}
        if self._stopping.is_set():
            self._done()
            return
        self._queues[item.function].put(item)

    def _finish(self, item: _AsyncItem, result: InvokeResult | None, condition: str) -> None:
        try:
            spec = self.runtimes[item.function].spec
            config = spec.async_config
            destination = config.on_success if condition == "Success" else config.on_failure
            if destination is not None:
                self._deliver(destination, _record(spec, item, result, condition), spec)
            if condition != "Success" and config.dead_letter is not None:
                self._deliver(config.dead_letter, item.event, spec)
        finally:
            self._done()

    def _deliver(self, destination: Destination, body: Any, spec: FunctionSpec) -> None:
        kind = destination.kind.upper()
        if kind == "SQS":
            self.aws.sqs.send_message(
                QueueUrl=self.aws.queue_url(destination.arn), MessageBody=json.dumps(body)
            )
            self.console.line(
                f"async {spec.logical_id}: record sent to SQS {destination.arn.rsplit(':', 1)[-1]}"
            )
        elif kind == "EVENTBRIDGE":
            outcome = "Success" if body.get("requestContext", {}).get("condition") == "Success" else "Failure"
            self.aws.events.put_events(
                Entries=[
                    {
                        "Source": "lambda",
                        "DetailType": f"Lambda Function Invocation Result - {outcome}",
                        "Detail": json.dumps(body),
                        "EventBusName": destination.arn,
                        "Resources": [spec.arn],
                    }
                ]
            )
            self.console.line(f"async {spec.logical_id}: record sent to EventBridge {destination.arn}")
        elif kind == "LAMBDA":
            target = self.registry.find(destination.arn)
            if target is None:
                self.console.line(
                    f"async {spec.logical_id}: destination {destination.arn} is not a local function"
                )
            else:
                self.submit(target, body, f"destination of {spec.logical_id}")
        else:
            self.console.line(f"async {spec.logical_id}: {destination.kind} destinations are not emulated")

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            timers = list(self._timers)
        for timer in timers:
            timer.cancel()
        for work in self._queues.values():
            for _ in range(len(self._threads)):
                work.put(None)
        # Threads still running a function end when its sandbox is killed (runtimes close next).
        for thread in self._threads:
            thread.join(timeout=0.05)


def _record(
    spec: FunctionSpec, item: _AsyncItem, result: InvokeResult | None, condition: str
) -> dict[str, Any]:
    """Lambda's invocation record, as sent to a destination."""
    response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if result is not None and not result.ok:
        response_context["functionError"] = "Unhandled"
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": item.request_id,
            "functionArn": f"{spec.arn}:$LATEST",
            "condition": condition,
            "approximateInvokeCount": item.attempt,
        },
        "requestPayload": item.event,
    }
    if result is not None:
        record["responseContext"] = response_context
        record["responsePayload"] = result.payload
    return record


class LambdaApiApp:
    """ASGI app: POST /2015-03-31/functions/{name}/invocations and GET /2015-03-31/functions/."""

    def __init__(
        self, runtimes: Mapping[str, FunctionRuntime], invoker: AsyncInvoker, console: Console
    ) -> None:
        self.runtimes = runtimes
        self.invoker = invoker
        self.console = console
        self.registry = FunctionRegistry({k: r.spec for k, r in runtimes.items()})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        status, response_headers, payload = await anyio.to_thread.run_sync(
            self.handle, scope["method"].upper(), raw_path(scope), dict(header_pairs(scope)), body
        )
        await send_response(send, status, response_headers.items(), payload)

    def handle(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        request_id = str(uuid.uuid4())
        base = {"content-type": "application/json", "x-amzn-requestid": request_id}
        if method == "GET" and _LIST_PATH.match(path):
            functions = [
                {
                    "FunctionName": r.spec.name,
                    "FunctionArn": r.spec.arn,
                    "Runtime": r.spec.runtime,
                    "Handler": r.spec.handler,
                    "Timeout": int(r.spec.timeout_s),
                    "MemorySize": r.spec.memory_mb,
                    "Environment": {"Variables": {}},
                }
                for r in self.runtimes.values()
            ]
            return 200, base, json.dumps({"Functions": functions}).encode()
        found = _INVOKE_PATH.match(path)
        if method != "POST" or found is None:
            return _error(404, "UnknownOperationException", f"{method} {path} is not emulated", base)
        function = self.registry.find(found.group("name"))
        if function is None:
            return _error(
                404, "ResourceNotFoundException", f"Function not found: {unquote(found.group('name'))}", base
            )
        try:
            event = json.loads(body) if body.strip() else {}
        except ValueError:
            return _error(
                400, "InvalidRequestContentException", "Could not parse request body into json", base
            )
        invocation_type = headers.get("x-amz-invocation-type", "RequestResponse")
        if invocation_type == "DryRun":
            return 204, base, b""
        if invocation_type == "Event":
            async_id = self.invoker.submit(function, event, "lambda invoke (Event)")
            return 202, {**base, "x-amzn-requestid": async_id}, b""
        runtime = self.runtimes[function]
        try:
            # A function with reserved concurrency is throttled at its limit, as in Lambda.
            result = runtime.invoke(
                event, wait_s=0 if runtime.spec.reserved_concurrency else None, request_id=request_id
            )
        except ThrottledError as exc:
            return _error(429, "TooManyRequestsException", str(exc), base)
        detail = "" if result.init_ms is None else f"cold start {result.init_ms:.0f} ms"
        if not result.ok:
            message = result.payload.get("errorMessage") if isinstance(result.payload, dict) else ""
            detail = ", ".join(filter(None, [detail, f"{result.error_type}: {message}"]))
        self.console.invocation(
            "lambda invoke", "ok" if result.ok else "error", result.duration_ms, function, detail
        )
        out = {**base, "x-amz-executed-version": "$LATEST"}
        if not result.ok:
            out["x-amz-function-error"] = "Unhandled"
        return 200, out, json.dumps(result.payload).encode()


def _error(
    status: int, kind: str, message: str, base: Mapping[str, str]
) -> tuple[int, dict[str, str], bytes]:
    return (
        status,
        {**base, "x-amzn-errortype": kind},
        json.dumps({"Type": "User", "message": message}).encode(),
    )
