"""HTTP routes for trusted callers (behind the caller-key authorizer). The service comes from
``app.dependency_overrides``; the same operations by direct invoke are in ``customers.trusted.actions``."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.metrics import MetricUnit

from customers.api.error_body import ERROR_RESPONSES, error_response
from customers.api.wiring import not_wired
from customers.common.deadline import api_deadline
from customers.common.errors import BadRequestError, UnauthenticatedError
from customers.trusted.service import (
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


def trusted_service() -> TrustedService:
    """What the routes depend on; each function's wiring provides it in ``app.dependency_overrides``."""
    raise not_wired("trusted_service", "customers.bootstrap.trusted.TrustedFunction")


router = Router()  # type: ignore[no-untyped-call]
Service = Annotated[TrustedService, Depends(trusted_service)]


@router.post(
    "/customers/resolve",
    summary="Find a customer by one identifier, creating it when missing; optionally mint a token",
    tags=["trusted"],
    security=CALLER_KEY_SECURITY,
    responses=_RESPONSES,
)
def resolve(request: Annotated[ResolveRequest, Body()], service: Service) -> ResolveResponse:
    caller_of(router)
    result = service.resolve(request, deadline=api_deadline(router.lambda_context))
    _count("CustomerCreated" if result.created else "CustomerFound")
    return result


@router.post(
    "/customers/<customerId>/tokens",
    summary="Mint a customer token",
    tags=["trusted"],
    security=CALLER_KEY_SECURITY,
    responses=_RESPONSES,
)
def create_token(customerId: Annotated[str, _CUSTOMER_ID], service: Service) -> TokenResponse:  # noqa: N803
    caller_of(router)
    customer_id = _customer_id(customerId)
    token = service.create_token(customer_id, deadline=api_deadline(router.lambda_context))
    _count("TokenMinted")
    return TokenResponse(token=token)


@router.delete(
    "/customers/<customerId>/tokens",
    summary="Revoke every token of a customer",
    tags=["trusted"],
    security=CALLER_KEY_SECURITY,
    responses={**_RESPONSES, 204: {"description": "All the customer's tokens are revoked"}},
)
def invalidate_tokens(customerId: Annotated[str, _CUSTOMER_ID], service: Service) -> Response[None]:  # noqa: N803
    caller_of(router)
    customer_id = _customer_id(customerId)
    service.invalidate_tokens(customer_id, deadline=api_deadline(router.lambda_context))
    _count("TokensInvalidated")
    return Response(status_code=204, body=None)
