"""AuthorizerFunction's wiring: settings parsed and the Secrets Manager provider built at init; the
caller keys read (and cached) through it; provider and cache replaced after a SnapStart restore."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from customers.adapters.caller_keys import load_caller_keys
from customers.authorizer.check import caller_for, simple_response
from customers.authorizer.settings import AuthorizerSettings
from customers.bootstrap import snapstart

logger = Logger(child=True)
metrics = Metrics()


def authorization_header(event: Mapping[str, Any]) -> str | None:
    """The Authorization header of a payload-2.0 authorizer event, whatever its letter case.

    Read from the plain event rather than Powertools' ``APIGatewayAuthorizerEventV2``: importing
    that class imports all of Powertools' event data classes, about a tenth of `import boto3,
    httpx` on every cold start."""
    headers = event.get("headers") or {}
    return next((value for name, value in headers.items() if name.lower() == "authorization"), None)


def authorize(event: Mapping[str, Any], settings: AuthorizerSettings) -> dict[str, Any]:
    """The authorizer's decision. An unreadable secret raises (API Gateway answers 500 and caches
    nothing) instead of denying, so a Secrets Manager hiccup is not cached as a refusal."""
    callers = load_caller_keys(settings.caller_keys_secret, max_age=settings.caller_keys_max_age)
    caller = caller_for(authorization_header(event), callers)
    metrics.add_metric(name="CallerAuthorized" if caller else "CallerRefused", unit=MetricUnit.Count, value=1)
    logger.info(
        "authorization decided",
        extra={"caller": caller, "route": event.get("routeKey"), "authorized": bool(caller)},
    )
    return simple_response(caller)


class AuthorizerFunction:
    """One sandbox of the function."""

    correlation_id_path: str | None = None

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.settings = AuthorizerSettings.from_environment(environ)
        snapstart.warm_secrets_provider()
        snapstart.install(self)

    def after_restore(self) -> None:
        """SnapStart restore hook: the caller keys cached in the snapshot are read again."""
        snapstart.refresh_process_state()

    def handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        return authorize(event, self.settings)
