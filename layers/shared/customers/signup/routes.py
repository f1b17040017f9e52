"""``POST /signup``: the browser-facing route. The service comes from ``app.dependency_overrides``."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.metrics import MetricUnit

from customers.api.error_body import ERROR_RESPONSES, error_response
from customers.common.deadline import api_deadline
from customers.common.identity import SignupRequest
from customers.signup.service import SignupResponse, SignupService

logger = Logger(child=True)
metrics = Metrics()

_SIGNUP_RESPONSES: dict[int, OpenAPIResponse] = {
    **ERROR_RESPONSES,
    200: {"description": "The customer (found or created) and a fresh customer token"},
    401: error_response("The Steam assertion is forged, replayed, tampered, expired or for another site"),
    404: error_response("No Minecraft account has that name"),
}


def _kind(request: SignupRequest) -> str:
    return "steam" if request.steam is not None else f"minecraft_{request.minecraft.edition.value}"  # type: ignore[union-attr]


def signup_service() -> SignupService:
    """What the route depends on; each function's wiring provides it in ``app.dependency_overrides``."""
    raise NotImplementedError("wired by customers.bootstrap.signup")


router = Router()  # type: ignore[no-untyped-call]


@router.post(
    "/signup",
    summary="Sign a player up (Steam sign-in or Minecraft name) and mint a customer token",
    description=(
        "Steam: pass the openid.* parameters Steam returned to your return_to URL; they are "
        "verified with Steam (check_authentication), bound to an allowed origin and used once. "
        "Minecraft: a Java name or Bedrock gamertag (unverified, like PayNow's storefront). "
        "Existing customers are found; new ones are created exactly once."
    ),
    tags=["signup"],
    responses=_SIGNUP_RESPONSES,
)
def signup(
    request: Annotated[SignupRequest, Body()],
    service: Annotated[SignupService, Depends(signup_service)],
) -> SignupResponse:
    result = service.signup(request, deadline=api_deadline(router.lambda_context))
    metrics.add_metric(
        name="CustomerCreated" if result.created else "CustomerFound", unit=MetricUnit.Count, value=1
    )
    logger.info(
        "signup completed",
        extra={
            "customer_id": result.customer.id,
            "customer_created": result.created,
            "identity": _kind(request),
        },
    )
    return result
