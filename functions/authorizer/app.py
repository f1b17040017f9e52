"""AuthorizerFunction (CallerKeyAuthorizer): HTTP API Lambda authorizer, payload 2.0, simple responses.

Callers send ``Authorization: Bearer <key>``; the keys live in the CALLER_KEYS_SECRET secret as
``{"callers": {"<name>": "<key>"}}``. The caller's name reaches the route as
``requestContext.authorizer.lambda.caller``. If the secret cannot be read the function fails
(API Gateway answers 500 and caches nothing) rather than denying, so an outage never sticks.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import APIGatewayAuthorizerEventV2
from aws_lambda_powertools.utilities.typing import LambdaContext
from customers import redaction
from customers.adapters.caller_keys import load_caller_keys
from customers.api.authorizer import caller_for, simple_response
from customers.signup_settings import AuthorizerSettings

settings = AuthorizerSettings.from_environment()
logger = Logger()
redaction.install_everywhere(logger.registered_handler)
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_source(data_class=APIGatewayAuthorizerEventV2)
def lambda_handler(event: APIGatewayAuthorizerEventV2, context: LambdaContext) -> dict[str, Any]:
    callers = load_caller_keys(settings.caller_keys_secret, max_age=settings.caller_keys_max_age)
    caller = caller_for(event.headers.get("authorization"), callers)
    metrics.add_metric(name="CallerAuthorized" if caller else "CallerRefused", unit=MetricUnit.Count, value=1)
    logger.info("authorization decided", extra={"caller": caller, "route": event.route_key, "authorized": bool(caller)})
    return simple_response(caller)
