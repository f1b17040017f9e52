"""Helpers for the PayNow client tests: a scripted PayNow (the fake clock is tests.support.fake_clock).

A uniquely named module (not conftest) so test files can import it without clashing with other areas."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

STORE_ID = "411486491630370816"
CUSTOMER_ID = "411486491630370817"
API_KEY = "pnapi_v1_unit_test_key_0123456789"
WALL_NOW = 1_780_000_000.0
REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO_ROOT.parent / "shared" / "paynow-openapi" / "management-api.json"


def customer_json(customer_id: str = CUSTOMER_ID, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": customer_id,
        "store_id": STORE_ID,
        "created_at": "2026-11-25T10:00:00.123Z",
        "metadata": {},
    }
    body.update(fields)
    return body


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(), headers=headers or {})


def error_response(status: int, code: str, message: str, **extra: Any) -> httpx.Response:
    return json_response(status, {"status": status, "code": code, "message": message, **extra})


Step = httpx.Response | type[Exception] | Callable[[httpx.Request], httpx.Response]


class ScriptedPayNow:
    """Answers requests from a script, one step per request; the last step repeats.

    A step is a response, an httpx exception class (raised with the request), or a callable.
    """

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []
        # Captured on arrival: httpx auth flows resend the same Request object with new headers.
        self.authorizations: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.authorizations.append(request.headers.get("Authorization"))
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, httpx.Response):
            return step
        if isinstance(step, type):
            raise step("scripted failure", request=request)  # type: ignore[call-arg]
        return step(request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def bodies(self) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests]
