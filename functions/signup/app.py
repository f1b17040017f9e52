"""SignupFunction: ``POST /signup`` (public, CORS for the store's website origins)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, CORSConfig
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from customers import redaction
from customers.api import errors, runtime, signup_routes
from customers.signup_settings import SignupSettings

settings = SignupSettings.from_environment()
logger = Logger()
redaction.install_everywhere(logger.registered_handler)
tracer = Tracer()
metrics = Metrics()

service = runtime.Lazy(lambda: runtime.build_signup_service(settings))
app = APIGatewayHttpResolver(
    enable_validation=True,
    json_body_deserializer=errors.parse_json_body,
    cors=CORSConfig(
        allow_origin=settings.allowed_origins[0],
        extra_origins=list(settings.allowed_origins[1:]),
        max_age=600,
    ),
)
errors.register(app)
app.include_router(signup_routes.build_router(service.get))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
