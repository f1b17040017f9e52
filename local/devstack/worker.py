"""One Lambda sandbox: a process that imports a function's handler once and serves invocations.

Run by path with ``python -I`` so that nothing of the devstack (or the caller's sys.path) leaks into
the function's process: its sys.path is the function's code directory, its layers and the
interpreter's site-packages, as in Lambda (/var/task, /opt/python, runtime). Stdlib only.

Protocol (one JSON document per line): the parent writes requests on the request fd; the worker
answers on the response fd. stdout/stderr stay free for the function's own logs.
  -> {"type": "ready", "init_ms": float} | {"type": "init_error", "errorType", "errorMessage", "stackTrace"}
  <- {"id": str, "event": any, "deadline_ms": int, "request_id": str}
  -> {"type": "result", "id": str, "payload": any} | {"type": "error", "id": str, "errorType", ...}
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, TextIO


class LambdaContext:
    """The attributes and method of the Lambda Python runtime's context object."""

    def __init__(self, request_id: str, deadline_ms: int) -> None:
        self.aws_request_id = request_id
        self._deadline_ms = deadline_ms
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        region = os.environ.get("AWS_REGION", "us-east-1")
        account = os.environ.get("DEVSTACK_ACCOUNT_ID", "123456789012")
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account}:function:{self.function_name}"
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self.tenant_id = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


class _RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


def _error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorType": error_type or type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def _send(out: TextIO, message: dict[str, Any]) -> None:
    out.write(json.dumps(message, separators=(",", ":")) + "\n")
    out.flush()


def _install_root_logger() -> _RequestIdFilter:
    # The Lambda Python runtime puts one handler on the root logger with this line format.
    request_filter = _RequestIdFilter()
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n")
    )
    handler.addFilter(request_filter)
    root = logging.getLogger()
    root.addHandler(handler)
    return request_filter


def _load(handler: str) -> Callable[[Any, LambdaContext], Any]:
    module_name, _, function_name = handler.rpartition(".")
    if not module_name:
        raise ValueError(f"handler {handler!r} is not MODULE.FUNCTION")
    module = importlib.import_module(module_name)
    function: Callable[[Any, LambdaContext], Any] = getattr(module, function_name)
    return function


def serve(code_dir: str, layers: list[str], handler: str, requests: TextIO, responses: TextIO) -> int:
    sys.path[:0] = [code_dir, *layers]
    os.chdir(code_dir)
    request_filter = _install_root_logger()
    started = time.perf_counter()
    try:
        function = _load(handler)
    except Exception as exc:
        traceback.print_exc()
        kind = "Runtime.ImportModuleError" if isinstance(exc, ImportError) else "Runtime.HandlerInitError"
        _send(responses, {"type": "init_error", **_error(exc, kind)})
        return 1
    _send(responses, {"type": "ready", "init_ms": (time.perf_counter() - started) * 1000})
    for line in requests:
        request = json.loads(line)
        request_filter.request_id = request["request_id"]
        os.environ["_X_AMZN_TRACE_ID"] = request.get("trace_id", "")
        context = LambdaContext(request["request_id"], int(request["deadline_ms"]))
        try:
            payload = function(request["event"], context)
        except SystemExit as exc:
            _send(responses, {"type": "error", "id": request["id"], **_error(exc, "Runtime.ExitError")})
            return 1
        except Exception as exc:
            # The runtime logs the unhandled error before returning it, as Lambda does.
            print(f"[ERROR] {type(exc).__name__}: {exc}", file=sys.stdout, flush=True)
            traceback.print_exc()
            _send(responses, {"type": "error", "id": request["id"], **_error(exc)})
            continue
        try:
            encoded = json.dumps({"type": "result", "id": request["id"], "payload": payload})
        except (TypeError, ValueError) as exc:
            _send(responses, {"type": "error", "id": request["id"], **_error(exc, "Runtime.MarshalError")})
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        responses.write(encoded + "\n")
        responses.flush()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--code-dir", required=True)
    parser.add_argument("--layer", action="append", default=[])
    parser.add_argument("--handler", required=True)
    parser.add_argument("--request-fd", type=int, required=True)
    parser.add_argument("--response-fd", type=int, required=True)
    args = parser.parse_args()
    with (
        os.fdopen(args.request_fd, "r", encoding="utf-8") as requests,
        os.fdopen(args.response_fd, "w", encoding="utf-8") as responses,
    ):
        return serve(args.code_dir, args.layer, args.handler, requests, responses)


if __name__ == "__main__":
    sys.exit(main())
