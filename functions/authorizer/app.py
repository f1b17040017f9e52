"""AuthorizerFunction (CallerKeyAuthorizer): HTTP API Lambda authorizer, payload 2.0, simple responses.

Callers send ``Authorization: Bearer <key>``; the keys live in the CALLER_KEYS_SECRET secret as
``{"callers": {"<name>": "<key>"}}``. The caller's name reaches the route as
``requestContext.authorizer.lambda.caller``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerEventV2,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from customers import redaction
from customers.api.authorizer import authorize
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
    return authorize(event, settings)
