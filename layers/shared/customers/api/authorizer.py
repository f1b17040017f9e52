"""HTTP API Lambda authorizer (payload 2.0, simple responses): ``Authorization: Bearer <caller key>``."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerEventV2,
)

from customers.adapters.caller_keys import load_caller_keys
from customers.signup_settings import AuthorizerSettings

logger = Logger(child=True)
metrics = Metrics()


def caller_for(authorization: str | None, callers: Mapping[str, str]) -> str | None:
    """The caller whose key was presented, or None.

    Every configured key is compared, in constant time, so the answer's timing reveals neither
    which caller matched nor how much of a key was right.
    """
    if not authorization:
        return None
    scheme, _, presented = authorization.strip().partition(" ")
    presented = presented.strip()
    if scheme.lower() != "bearer" or not presented:
        return None
    given = presented.encode()
    matched: str | None = None
    for name, key in callers.items():
        if hmac.compare_digest(given, key.encode()):
            matched = name
    return matched


def simple_response(caller: str | None) -> dict[str, Any]:
    if caller is None:
        return {"isAuthorized": False}
    return {"isAuthorized": True, "context": {"caller": caller}}


def authorize(event: APIGatewayAuthorizerEventV2, settings: AuthorizerSettings) -> dict[str, Any]:
    """The authorizer's decision. An unreadable secret raises (API Gateway answers 500 and caches
    nothing) instead of denying, so a Secrets Manager hiccup is not cached as a refusal."""
    callers = load_caller_keys(settings.caller_keys_secret, max_age=settings.caller_keys_max_age)
    caller = caller_for(event.headers.get("authorization"), callers)
    metrics.add_metric(name="CallerAuthorized" if caller else "CallerRefused", unit=MetricUnit.Count, value=1)
    logger.info(
        "authorization decided",
        extra={"caller": caller, "route": event.route_key, "authorized": bool(caller)},
    )
    return simple_response(caller)
