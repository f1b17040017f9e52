"""No log line, from any logger, ever carries the PayNow API key, a caller key or a customer token."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from customers.common import redaction
from paynow_emulator import Faults, RateLimit

from tests.support.api_stack import CALLERS, ORIGIN, ApiStack
from tests.support.lambda_events import FakeLambdaContext, authorizer_event, body_of, http_event


@pytest.fixture
def log_events(monkeypatch: pytest.MonkeyPatch) -> None:
    # The riskiest setting: every incoming event (headers included) is logged.
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")


@pytest.fixture
def captured(log_events: None, api_stack: ApiStack) -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    function_logger = logging.getLogger("paynow-customers")
    streams = []
    for handler in function_logger.handlers:
        if isinstance(handler, logging.StreamHandler):
            streams.append((handler, handler.setStream(buffer)))
    # Stands in for Lambda's root handler, which prints records from boto3, httpx and the rest.
    root = logging.getLogger()
    root_handler = logging.StreamHandler(buffer)
    root_handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root_handler.addFilter(redaction.RedactingFilter())
    old_level = root.level
    root.setLevel(logging.INFO)
    root.addHandler(root_handler)
    yield buffer
    root.removeHandler(root_handler)
    root.setLevel(old_level)
    for handler, stream in streams:
        handler.setStream(stream)


def test_no_secret_reaches_a_log_line(log_events: None, api_stack: ApiStack, captured: io.StringIO) -> None:
    tokens: list[str] = []
    ctx = FakeLambdaContext

    def record(response: dict[str, Any]) -> Any:
        payload = body_of(response) if "statusCode" in response else response
        if isinstance(payload, dict) and payload.get("token"):
            tokens.append(payload["token"])
        return payload

    for _ in range(2):
        record(
            api_stack.signup.lambda_handler(
                http_event(
                    "POST",
                    "/signup",
                    body={"steam": api_stack.steam.mint(f"{ORIGIN}/cb")},
                    headers={"origin": ORIGIN},
                ),
                ctx(),
            )
        )
    record(
        api_stack.signup.lambda_handler(
            http_event("POST", "/signup", body={"minecraft": {"name": "Notch", "edition": "java"}}), ctx()
        )
    )
    for caller, key in CALLERS.items():
        assert api_stack.authorizer.lambda_handler(authorizer_event(f"Bearer {key}"), ctx())[
            "isAuthorized"
        ], caller
    assert not api_stack.authorizer.lambda_handler(
        authorizer_event(f"Bearer {CALLERS['automation']}0"), ctx()
    )["isAuthorized"]
    resolved = record(
        api_stack.trusted.lambda_handler(
            http_event(
                "POST",
                "/customers/resolve",
                body={"identifier": {"name": "Logged"}, "token": True},
                headers={"authorization": f"Bearer {CALLERS['store-backend']}"},
                caller="store-backend",
            ),
            ctx(),
        )
    )
    customer_id = resolved["customer"]["id"]
    path = f"/customers/{customer_id}/tokens"
    record(
        api_stack.trusted.lambda_handler(
            http_event(
                "POST",
                path,
                route="/customers/{customerId}/tokens",
                path_parameters={"customerId": customer_id},
                headers={"authorization": f"Bearer {CALLERS['store-backend']}"},
                caller="store-backend",
            ),
            ctx(),
        )
    )
    record(api_stack.trusted.lambda_handler({"action": "create_token", "customer_id": customer_id}, ctx()))
    record(
        api_stack.trusted.lambda_handler(
            {"action": "resolve", "identifier": {"name": "Logged"}, "token": True}, ctx()
        )
    )
    api_stack.trusted.lambda_handler(
        http_event(
            "DELETE",
            path,
            route="/customers/{customerId}/tokens",
            path_parameters={"customerId": customer_id},
            caller="store-backend",
        ),
        ctx(),
    )
    api_stack.emulator.faults = Faults(rate_limit=RateLimit(per_second=0.01, burst=1))
    api_stack.signup.lambda_handler(
        http_event("POST", "/signup", body={"minecraft": {"name": "jeb_", "edition": "java"}}), ctx()
    )
    limited = api_stack.signup.lambda_handler(
        http_event("POST", "/signup", body={"minecraft": {"name": "jeb_", "edition": "java"}}),
        FakeLambdaContext(timeout_s=2),
    )
    assert limited["statusCode"] == 429

    text = captured.getvalue()
    assert len(tokens) == 7
    # The capture saw every kind of line: incoming events (headers included), decisions, failures.
    assert '"rawPath":"/signup"' in text
    assert '"authorization":"***"' in text
    assert "authorization decided" in text
    assert "signup completed" in text
    assert "upstream failure" in text
    for secret in [api_stack.emulator.api_key, *CALLERS.values(), *tokens]:
        assert secret not in text, "a secret reached the logs"
