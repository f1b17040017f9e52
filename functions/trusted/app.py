"""TrustedFunction: resolve customers and mint/revoke tokens for trusted callers.

Over the HTTP API (behind CallerKeyAuthorizer) or by direct invocation with a plain JSON payload:
  {"action": "resolve", "identifier": {"steam_id": "765..."}, "name": "...", "metadata": {...}, "token": true}
  {"action": "create_token", "customer_id": "<flake id>"}
  {"action": "invalidate_tokens", "customer_id": "<flake id>"}
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from customers import redaction
from customers.api import errors, runtime, trusted_routes
from customers.signup_settings import TrustedSettings

settings = TrustedSettings.from_environment()
logger = Logger()
redaction.install_everywhere(logger.registered_handler)
tracer = Tracer()
metrics = Metrics()

service = runtime.Lazy(lambda: runtime.build_trusted_service(settings))
app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=errors.parse_json_body)
errors.register(app)
app.include_router(trusted_routes.build_router(service.get))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return trusted_routes.handle_event(app, service.get, event, context)
