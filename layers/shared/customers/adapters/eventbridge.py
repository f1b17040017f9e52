"""Announces newly created customers on the EventBridge bus (never a token)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError
from paynow.models import Customer

if TYPE_CHECKING:
    from mypy_boto3_events.client import EventBridgeClient

SOURCE = "paynow.customers"
CUSTOMER_CREATED = "Customer Created"
TOKENS_REVOKED = "Customer Tokens Revoked"

logger = Logger(child=True)
metrics = Metrics()


class EventBridgePublisher:
    def __init__(self, bus_name: str, client: EventBridgeClient | None = None) -> None:
        self._bus = bus_name
        self._client = client or boto3.client("events")

    def customer_created(self, customer: Customer, *, via: str, identity_kind: str) -> None:
        """Best effort: the customer exists whatever happens here, so a failure must not fail the
        request; it is logged with the customer id and counted for an alarm."""
        detail = {
            "customer": customer.model_dump(mode="json", exclude_none=True),
            "via": via,
            "identity_kind": identity_kind,
        }
        entry = {
            "Source": SOURCE,
            "DetailType": CUSTOMER_CREATED,
            "Detail": json.dumps(detail),
            "EventBusName": self._bus,
        }
        try:
            result = self._client.put_events(Entries=[entry])  # type: ignore[list-item]
        except (BotoCoreError, ClientError) as error:
            self._failed(customer, str(error))
            return
        if result.get("FailedEntryCount"):
            failure = result["Entries"][0]
            self._failed(customer, f"{failure.get('ErrorCode')}: {failure.get('ErrorMessage')}")

    def tokens_revoked(self, detail: dict[str, Any]) -> None:
        """Records a revocation (and what caused it). Best effort, like ``customer_created``: the
        tokens are revoked whatever happens here."""
        entry = {
            "Source": SOURCE,
            "DetailType": TOKENS_REVOKED,
            "Detail": json.dumps(detail),
            "EventBusName": self._bus,
        }
        try:
            result = self._client.put_events(Entries=[entry])  # type: ignore[list-item]
        except (BotoCoreError, ClientError) as error:
            reason = str(error)
        else:
            if not result.get("FailedEntryCount"):
                return
            failure = result["Entries"][0]
            reason = f"{failure.get('ErrorCode')}: {failure.get('ErrorMessage')}"
        logger.error(
            "Customer Tokens Revoked event not published",
            extra={"customer_id": detail.get("customer_id"), "reason": reason},
        )
        metrics.add_metric(name="TokensRevokedEventFailed", unit=MetricUnit.Count, value=1)

    def _failed(self, customer: Customer, reason: str) -> None:
        logger.error(
            "Customer Created event not published", extra={"customer_id": customer.id, "reason": reason}
        )
        metrics.add_metric(name="CustomerCreatedEventFailed", unit=MetricUnit.Count, value=1)
