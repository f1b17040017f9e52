"""The HTTP API resolver both API functions use: JSON bodies, every exception and unknown route answered
through ``to_api_error``, and dependencies provided through ``app.dependency_overrides``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import CORSConfig, Response
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver, ApiGatewayResolver

from customers.api.error_mapping import to_api_error
from customers.api.failure_log import log_failure
from customers.api.json_body import parse_json_body

T = TypeVar("T")


def handle(error: Exception) -> Response[Any]:
    api_error = to_api_error(error)
    log_failure(error, api_error)
    return api_error.response()


def register(app: ApiGatewayResolver) -> None:
    """Route every exception, and unknown routes, through ``to_api_error``."""
    app.exception_handler(Exception)(handle)
    app.not_found(handle)


def http_resolver(cors: CORSConfig | None = None) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=parse_json_body, cors=cors)
    register(app)
    return app


def provided(app: ApiGatewayResolver, dependency: Callable[[], T]) -> T:
    """What a route of ``app`` gets for ``Depends(dependency)``, for callers outside a route."""
    provider: Callable[[], T] = app.dependency_overrides.get(dependency, dependency)
    return provider()
