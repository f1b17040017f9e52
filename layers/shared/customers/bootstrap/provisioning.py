"""The customer provisioner both API functions share, on DynamoDB and EventBridge."""

from __future__ import annotations

from typing import Any

from customers.adapters.dynamo_state import DynamoCreationLock
from customers.adapters.eventbridge import EventBridgePublisher
from customers.bootstrap.aws_clients import aws_client
from customers.common.ports import CustomersApi
from customers.common.provisioning import CustomerProvisioner
from customers.common.settings import PayNowFunctionSettings


def build_provisioner(
    settings: PayNowFunctionSettings, api: CustomersApi, *, via: str, dynamodb: Any | None = None
) -> CustomerProvisioner:
    """``dynamodb``: the function's one DynamoDB client, when it has one already (a client per
    service per sandbox: each costs init time)."""
    return CustomerProvisioner(
        api=api,
        lock=DynamoCreationLock(settings.state_table, dynamodb or aws_client("dynamodb")),
        events=EventBridgePublisher(settings.event_bus_name, aws_client("events")),
        via=via,
    )
