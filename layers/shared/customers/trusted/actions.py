"""The trusted operations by direct invocation (Lambda invoke, EventBridge target, Step Functions):
plain JSON in, plain JSON out."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from paynow.ids import InvalidIdError, validate_flake_id
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from customers.api.error_mapping import to_api_error
from customers.api.failure_log import log_failure
from customers.common.deadline import invoke_deadline
from customers.trusted.service import ResolveRequest, TrustedService

logger = Logger(child=True)
metrics = Metrics()


def _count(name: str) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)


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
            _count("CustomerCreated" if result.created else "CustomerFound")
            return result.model_dump(mode="json")
        if isinstance(action, CreateTokenAction):
            token = service.create_token(action.customer_id, deadline=deadline)
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
