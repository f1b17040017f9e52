"""Lambda sandboxes for the local stack: one worker process per concurrent execution of a function.

Why processes and not in-process imports under a lock: a function's environment variables are read
at import time and cached by module-level singletons (settings models, boto3 clients, the PayNow
client, Powertools Logger/Metrics), and every function's package is named ``app`` on top of a shared
layer whose modules would also be shared. One process per sandbox gives each function exactly the
environment, sys.path and module state it has in Lambda, lets functions run concurrently, and lets a
timed-out invocation be killed the way Lambda kills it.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from devstack.logs import Console
from devstack.template import FunctionSpec

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
# Lambda gives a function's init phase 10 s; a cold local interpreter on a busy laptop needs slack.
INIT_TIMEOUT_S = 30.0


class ThrottledError(Exception):
    """No execution slot became free in time (the function's concurrency limit is reached)."""


class SandboxError(Exception):
    """The worker died or stopped answering; the message says how."""


@dataclass(frozen=True)
class InvokeResult:
    function: str
    request_id: str
    payload: Any
    error_type: str | None
    duration_ms: float
    init_ms: float | None

    @property
    def ok(self) -> bool:
        return self.error_type is None


class Worker:
    """One sandbox process for one function."""

    def __init__(self, spec: FunctionSpec, env: Mapping[str, str], console: Console) -> None:
        self.spec = spec
        request_read, request_write = os.pipe()
        response_read, response_write = os.pipe()
        command = [
            sys.executable,
            "-I",
            str(WORKER_SCRIPT),
            "--code-dir",
            str(spec.code_dir),
            "--handler",
            spec.handler,
            "--request-fd",
            str(request_read),
            "--response-fd",
            str(response_write),
        ]
        for layer in spec.layers:
            command += ["--layer", str(layer)]
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
                command,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(request_read, response_write),
                cwd=spec.code_dir,
                # Ctrl-C in the terminal reaches the devstack only; it stops the workers itself.
                start_new_session=True,
            )
        finally:
            os.close(request_read)
            os.close(response_write)
        self._requests = os.fdopen(request_write, "w", encoding="utf-8")
        self._responses = response_read
        self._buffer = bytearray()
        self._relays = [
            threading.Thread(
                target=self._relay, args=(stream, console), daemon=True, name=f"log-{spec.logical_id}"
            )
            for stream in (self.process.stdout, self.process.stderr)
        ]
        for relay in self._relays:
            relay.start()

    def _relay(self, stream: IO[bytes] | None, console: Console) -> None:
        if stream is None:
            return
        for raw in iter(stream.readline, b""):
            console.function_output(self.spec.logical_id, raw.decode("utf-8", errors="replace"))

    def read_message(self, timeout_s: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        with selectors.DefaultSelector() as selector:
            selector.register(self._responses, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                if not selector.select(remaining):
                    continue
                chunk = os.read(self._responses, 1 << 16)
                if not chunk:
                    code = self.process.wait(timeout=5)
                    raise SandboxError(f"the sandbox process exited (code {code})")
                self._buffer += chunk
        line, _, rest = bytes(self._buffer).partition(b"\n")
        self._buffer = bytearray(rest)
        message: dict[str, Any] = json.loads(line)
        return message

    def send(self, request: Mapping[str, Any]) -> None:
        try:
            self._requests.write(json.dumps(request, separators=(",", ":")) + "\n")
            self._requests.flush()
        except (BrokenPipeError, ValueError) as exc:
            raise SandboxError("the sandbox process is gone") from exc

    def stop(self, *, kill: bool = False) -> None:
        if self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        with contextlib.suppress(OSError):
            self._requests.close()
        with contextlib.suppress(OSError):
            os.close(self._responses)
        for relay in self._relays:
            relay.join(timeout=2)


class FunctionRuntime:
    """The warm sandboxes of one function and the concurrency limit they share."""

    def __init__(
        self, spec: FunctionSpec, env: Mapping[str, str], console: Console, max_concurrency: int
    ) -> None:
        self.spec = spec
        self.env = dict(env)
        self.console = console
        self.max_concurrency = max_concurrency
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._idle: list[Worker] = []
        self._all: set[Worker] = set()
        self._lock = threading.Lock()
        self._closed = False

    def _new_worker(self) -> tuple[Worker, float]:
        if self._closed:
            raise SandboxError("the local stack is stopping")
        worker = Worker(self.spec, self.env, self.console)
        with self._lock:
            self._all.add(worker)
        try:
            message = worker.read_message(INIT_TIMEOUT_S)
        except TimeoutError:
            self._discard(worker, kill=True)
            raise SandboxError(f"init did not finish within {INIT_TIMEOUT_S:.0f} s") from None
        except SandboxError:
            self._discard(worker, kill=True)
            raise
        if message.get("type") != "ready":
            self._discard(worker, kill=True)
            raise SandboxError(f"{message.get('errorType')}: {message.get('errorMessage')}")
        return worker, float(message.get("init_ms", 0.0))

    def _discard(self, worker: Worker, *, kill: bool) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.stop(kill=kill)

    def prewarm(self) -> None:
        """Start one sandbox now so the first request is not a cold start (raises SandboxError)."""
        worker, _ = self._new_worker()
        with self._lock:
            self._idle.append(worker)

    def invoke(
        self, event: Any, *, wait_s: float | None = None, request_id: str | None = None
    ) -> InvokeResult:
        request_id = request_id or str(uuid.uuid4())
        if not self._slots.acquire(timeout=wait_s if wait_s is not None else -1):
            raise ThrottledError(
                f"{self.spec.logical_id}: all {self.max_concurrency} execution slots are busy"
            )
        try:
            return self._invoke(event, request_id)
        finally:
            self._slots.release()

    def _invoke(self, event: Any, request_id: str) -> InvokeResult:
        started = time.perf_counter()
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        init_ms = None
        if worker is None:
            try:
                worker, init_ms = self._new_worker()
            except SandboxError as exc:
                return self._failure(request_id, "Runtime.InitError", str(exc), started, None)
        timeout = self.spec.timeout_s
        deadline_ms = int(time.time() * 1000 + timeout * 1000)
        try:
            worker.send(
                {"id": request_id, "request_id": request_id, "event": event, "deadline_ms": deadline_ms}
            )
            message = worker.read_message(timeout + 0.5)
        except TimeoutError:
            self._discard(worker, kill=True)
            return self._failure(
                request_id,
                "Sandbox.Timedout",
                f"Task timed out after {timeout:.2f} seconds",
                started,
                init_ms,
            )
        except SandboxError as exc:
            self._discard(worker, kill=True)
            return self._failure(request_id, "Runtime.ExitError", str(exc), started, init_ms)
        duration = (time.perf_counter() - started) * 1000
        if message.get("type") == "error" and message.get("errorType") == "Runtime.ExitError":
            self._discard(worker, kill=True)
        else:
            with self._lock:
                if self._closed:
                    worker.stop()
                else:
                    self._idle.append(worker)
        if message.get("type") == "result":
            return InvokeResult(
                self.spec.logical_id, request_id, message.get("payload"), None, duration, init_ms
            )
        error = {k: message.get(k) for k in ("errorType", "errorMessage", "stackTrace")}
        return InvokeResult(
            self.spec.logical_id, request_id, error, str(message.get("errorType")), duration, init_ms
        )

    def _failure(
        self, request_id: str, error_type: str, message: str, started: float, init_ms: float | None
    ) -> InvokeResult:
        return InvokeResult(
            self.spec.logical_id,
            request_id,
            {"errorType": error_type, "errorMessage": message},
            error_type,
            (time.perf_counter() - started) * 1000,
            init_ms,
        )

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._idle.clear()
        for worker in workers:
            worker.stop()
