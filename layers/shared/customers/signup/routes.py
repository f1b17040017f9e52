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
from customers.api.wiring import not_wired
from customers.common.deadline import api_deadline
from customers.common.identity import SignupRequest
from customers.signup.service import SignupResponse, SignupService, client_of

logger = Logger(child=True)
metrics = Metrics()

_SIGNUP_RESPONSES: dict[int, OpenAPIResponse] = {
    **ERROR_RESPONSES,
    200: {"description": "The customer's id and display name, the platform, and a fresh customer token"},
    401: error_response("The Steam assertion is forged, replayed, tampered, expired or for another site"),
    403: error_response("This store does not accept Minecraft names (signup_method_disabled)"),
    404: error_response("No Minecraft account has that name"),
    409: error_response(
        "An unverified Minecraft name reached a customer that needs a verified sign-in "
        "(verified_sign_in_required)"
    ),
    429: error_response("Too many sign-ups from this client, or PayNow is rate limiting; see Retry-After"),
}


def _source_ip() -> str | None:
    """API Gateway's view of the caller's address (not a header the caller could set)."""
    context = router.current_event.raw_event.get("requestContext") or {}
    http = context.get("http") if isinstance(context, dict) else None
    source = http.get("sourceIp") if isinstance(http, dict) else None
    return source if isinstance(source, str) else None


def signup_service() -> SignupService:
    """What the route depends on; each function's wiring provides it in ``app.dependency_overrides``."""
    raise not_wired("signup_service", "customers.bootstrap.signup.SignupFunction")


router = Router()  # type: ignore[no-untyped-call]


@router.post(
    "/signup",
    summary="Sign a player up (Steam sign-in or Minecraft name) and mint a customer token",
    description=(
        "Steam: pass the openid.* parameters Steam returned to your return_to URL; they are "
        "verified with Steam (check_authentication), bound to an allowed origin and used once. "
        "Minecraft: a Java name or Bedrock gamertag (unverified, like PayNow's storefront): it only "
        "ever reaches a customer whose sole identity is that Minecraft account, and the store may "
        "allow it for new customers only, or not at all. Existing customers are found; new ones are "
        "created exactly once. The answer is minimal: no metadata, no other platform's identifier. "
        "Limited per client address (429 with Retry-After)."
    ),
    tags=["signup"],
    responses=_SIGNUP_RESPONSES,
)
def signup(
    request: Annotated[SignupRequest, Body()],
    service: Annotated[SignupService, Depends(signup_service)],
) -> SignupResponse:
    result = service.signup(
        request, deadline=api_deadline(router.lambda_context), client=client_of(_source_ip())
    )
    metrics.add_metric(
        name="CustomerCreated" if result.created else "CustomerFound", unit=MetricUnit.Count, value=1
    )
    logger.info(
        "signup completed",
        extra={
            "customer_id": result.customer.id,
            "customer_created": result.created,
            "identity": result.platform.value,
        },
    )
    return result
