"""A route whose service was never wired is a bug of ours: it must fail loudly in logs, name the wiring
that provides it, and still answer the caller with the generic JSON error, nothing more."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any, cast

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext
from customers.api.resolver import http_resolver
from customers.api.wiring import NotWiredError
from customers.signup import routes as signup_routes
from customers.trusted import routes as trusted_routes
from customers.webhooks import routes as webhook_routes

from tests.support.lambda_events import FakeLambdaContext, http_event


@pytest.mark.parametrize(
    ("provider", "wiring"),
    [
        (signup_routes.signup_service, "customers.bootstrap.signup.SignupFunction"),
        (trusted_routes.trusted_service, "customers.bootstrap.trusted.TrustedFunction"),
        (webhook_routes.webhook_receiver, "customers.bootstrap.webhooks.WebhookFunction"),
    ],
)
def test_an_unwired_provider_names_the_wiring_that_provides_it(
    provider: Callable[[], Any], wiring: str
) -> None:
    with pytest.raises(NotWiredError, match=wiring):
        provider()
    module, _, name = wiring.rpartition(".")
    assert hasattr(importlib.import_module(module), name), f"{wiring} does not exist"


def test_a_route_without_its_service_answers_the_generic_error_and_logs_the_cause(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = http_resolver()
    app.include_router(signup_routes.router)
    event = http_event("POST", "/signup", body={"minecraft": {"name": "Notch", "edition": "java"}})

    # Powertools types the context as its own class; the fake has the members the resolver reads.
    response = app.resolve(event, cast(LambdaContext, FakeLambdaContext()))

    assert response["statusCode"] == 500
    body = json.loads(response["body"])
    assert body == {"status": 500, "code": "internal_error", "message": "internal error"}
    (record,) = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "customers.bootstrap.signup.SignupFunction" in caplog.text
    assert record.message == "request failed"
