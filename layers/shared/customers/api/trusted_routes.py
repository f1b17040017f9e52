"""Routes for trusted callers (behind the caller-key authorizer), and the same operations by direct invoke."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver, Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.metrics import MetricUnit
from paynow.ids import InvalidIdError, validate_flake_id
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from customers import redaction
from customers.api.errors import ERROR_RESPONSES, error_response, log_failure, to_api_error
from customers.api.runtime import api_deadline, invoke_deadline
from customers.errors import BadRequestError, UnauthenticatedError
from customers.trusted import (
    ResolveRequest,
    ResolveResponse,
    TokenResponse,
    TrustedService,
    customer_id_or_error,
)

logger = Logger(child=True)
metrics = Metrics()

CALLER_KEY_SCHEME = "CallerKey"
CALLER_KEY_SECURITY: list[dict[str, list[str]]] = [{CALLER_KEY_SCHEME: []}]
_RESPONSES: dict[int, OpenAPIResponse] = {**ERROR_RESPONSES, 404: error_response("No such customer")}
_CUSTOMER_ID = Path(
    description="PayNow customer id (a flake id: decimal digits)", examples=["429000000000000001"]
)


def _count(name: str) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)


def caller_of(router: Router) -> str:
    """The caller the authorizer identified. A route reachable without it must refuse to work."""
    context: dict[str, Any] = router.current_event.raw_event.get("requestContext") or {}
    authorizer: dict[str, Any] = context.get("authorizer") or {}
    caller = (authorizer.get("lambda") or {}).get("caller")
    if not isinstance(caller, str) or not caller:
        raise UnauthenticatedError("this route requires an authorized caller")
    logger.info("trusted call", extra={"caller": caller, "route": context.get("routeKey")})
    return caller


def _customer_id(value: str) -> str:
    try:
        return customer_id_or_error(value)
    except ValueError as error:
        raise BadRequestError(str(error)) from None


def build_router(service: Callable[[], TrustedService]) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    @router.post(
        "/customers/resolve",
        summary="Find a customer by one identifier, creating it when missing; optionally mint a token",
        tags=["trusted"],
        security=CALLER_KEY_SECURITY,
        responses=_RESPONSES,
    )
    def resolve(request: Annotated[ResolveRequest, Body()]) -> ResolveResponse:
        caller_of(router)
        result = service().resolve(request, deadline=api_deadline(router.lambda_context))
        redaction.secrets.add(result.token)
        _count("CustomerCreated" if result.created else "CustomerFound")
        return result

    @router.post(
        "/customers/<customerId>/tokens",
        summary="Mint a customer token",
        tags=["trusted"],
        security=CALLER_KEY_SECURITY,
        responses=_RESPONSES,
    )
    def create_token(customerId: Annotated[str, _CUSTOMER_ID]) -> TokenResponse:  # noqa: N803
        caller_of(router)
        customer_id = _customer_id(customerId)
        token = service().create_token(customer_id, deadline=api_deadline(router.lambda_context))
        redaction.secrets.add(token)
        _count("TokenMinted")
        return TokenResponse(token=token)

    @router.delete(
        "/customers/<customerId>/tokens",
        summary="Revoke every token of a customer",
        tags=["trusted"],
        security=CALLER_KEY_SECURITY,
        responses={**_RESPONSES, 204: {"description": "All the customer's tokens are revoked"}},
    )
    def invalidate_tokens(customerId: Annotated[str, _CUSTOMER_ID]) -> Response[None]:  # noqa: N803
        caller_of(router)
        customer_id = _customer_id(customerId)
        service().invalidate_tokens(customer_id, deadline=api_deadline(router.lambda_context))
        _count("TokensInvalidated")
        return Response(status_code=204, body=None)

    return router


# Direct invocation (Lambda invoke, EventBridge target, Step Functions): plain JSON in, plain JSON out.


class ResolveAction(ResolveRequest):
    action: Literal["resolve"]


class _CustomerAction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(description="PayNow customer id")

    @field_validator("customer_id", mode="before")
    @classmethod
    def _flake(cls, value: Any) -> str:
        try:
            return validate_flake_id(value)
        except InvalidIdError as error:
            raise ValueError(str(error)) from None


class CreateTokenAction(_CustomerAction):
    action: Literal["create_token"]


class InvalidateTokensAction(_CustomerAction):
    action: Literal["invalidate_tokens"]


DirectAction = Annotated[
    ResolveAction | CreateTokenAction | InvalidateTokensAction, Field(discriminator="action")
]
_DIRECT = TypeAdapter(DirectAction)


class RetryableError(Exception):
    """Raised (not returned) for 429/5xx so Lambda async retries and Step Functions ``Retry`` apply."""


def is_http_api_event(event: Any) -> bool:
    # Only a well-formed HTTP API v2 event goes to the resolver; anything else is validated as a
    # direct-invoke payload, so a malformed event gets a clear error instead of a crash.
    if not isinstance(event, dict) or event.get("version") != "2.0":
        return False
    context = event.get("requestContext")
    return isinstance(context, dict) and isinstance(context.get("http"), dict) and "routeKey" in event


def handle_direct(event: Any, service: TrustedService, context: Any) -> dict[str, Any]:
    """Runs one action; failures the caller must fix come back as ``{"error": {...}}``."""
    deadline = invoke_deadline(context)
    try:
        action = _DIRECT.validate_python(event)
        if isinstance(action, ResolveAction):
            result = service.resolve(action, deadline=deadline)
            redaction.secrets.add(result.token)
            _count("CustomerCreated" if result.created else "CustomerFound")
            return result.model_dump(mode="json")
        if isinstance(action, CreateTokenAction):
            token = service.create_token(action.customer_id, deadline=deadline)
            redaction.secrets.add(token)
            _count("TokenMinted")
            return {"token": token}
        service.invalidate_tokens(action.customer_id, deadline=deadline)
        _count("TokensInvalidated")
        return {"customer_id": action.customer_id, "invalidated": True}
    except Exception as error:
        api_error = to_api_error(error)
        log_failure(error, api_error)
        if api_error.retryable:
            raise RetryableError(f"{api_error.code}: {api_error.message}") from None
        return {"error": api_error.body()}


def handle_event(
    app: APIGatewayHttpResolver, service: Callable[[], TrustedService], event: Any, context: Any
) -> Any:
    """HTTP API events go to the resolver; anything else is a direct invocation."""
    if is_http_api_event(event):
        return app.resolve(event, context)
    return handle_direct(event, service(), context)
