"""Builders for real-shaped API Gateway HTTP API (payload 2.0) events, a Lambda context, app loading."""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
API_ID = "a1b2c3d4e5"
DOMAIN = f"{API_ID}.execute-api.us-east-1.amazonaws.com"


@dataclass
class FakeLambdaContext:
    function_name: str = "SignupFunction"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:SignupFunction"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timeout_s: float = 29.0
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return int(max(0.0, self.timeout_s - (time.monotonic() - self.started)) * 1000)


def http_event(
    method: str,
    path: str,
    *,
    route: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    path_parameters: dict[str, str] | None = None,
    caller: str | None = None,
    base64_body: bool = False,
    raw_body: str | None = None,
) -> dict[str, Any]:
    """An HTTP API v2 proxy event as API Gateway sends it (cf. ``sam local generate-event apigateway
    http-api-proxy``). ``caller`` adds the Lambda authorizer's context."""
    text = raw_body if raw_body is not None else (None if body is None else json.dumps(body))
    all_headers = {
        "accept": "application/json",
        "content-length": str(len(text or "")),
        "host": DOMAIN,
        "user-agent": "curl/8.5.0",
        "x-amzn-trace-id": "Root=1-67891233-abcdef012345678912345678",
        "x-forwarded-for": "203.0.113.7",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    if text is not None:
        all_headers["content-type"] = "application/json"
    all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
    route_key = f"{method} {route or path}"
    request_context: dict[str, Any] = {
        "accountId": "123456789012",
        "apiId": API_ID,
        "domainName": DOMAIN,
        "domainPrefix": API_ID,
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": "203.0.113.7",
            "userAgent": all_headers["user-agent"],
        },
        "requestId": base64.b32encode(uuid.uuid4().bytes)[:16].decode(),
        "routeKey": route_key,
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
        "timeEpoch": int(time.time() * 1000),
    }
    if caller is not None:
        request_context["authorizer"] = {"lambda": {"caller": caller}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": "",
        "headers": all_headers,
        "requestContext": request_context,
        "isBase64Encoded": base64_body,
    }
    if path_parameters:
        event["pathParameters"] = path_parameters
    if text is not None:
        event["body"] = base64.b64encode(text.encode()).decode() if base64_body else text
    return event


def authorizer_event(
    authorization: str | None, *, route_key: str = "POST /customers/resolve", path: str | None = None
) -> dict[str, Any]:
    """A payload-2.0 REQUEST authorizer event (identity source $request.header.Authorization)."""
    method, route = route_key.split(" ", 1)
    path = path or route
    event = http_event(
        method, path, route=route, headers={"authorization": authorization} if authorization else None
    )
    event.pop("isBase64Encoded")
    event["type"] = "REQUEST"
    event["routeArn"] = f"arn:aws:execute-api:us-east-1:123456789012:{API_ID}/$default/{method}{path}"
    event["identitySource"] = [authorization] if authorization else []
    event["pathParameters"] = {}
    event["queryStringParameters"] = {}
    event["stageVariables"] = {}
    event["cookies"] = []
    return event


def load_function(name: str) -> ModuleType:
    """A fresh copy of functions/<name>/app.py, as a new Lambda sandbox would import it."""
    path = ROOT / "functions" / name / "app.py"
    module_name = f"fn_{name}_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def body_of(response: dict[str, Any]) -> Any:
    return json.loads(response["body"]) if response.get("body") else None
