"""The customer provisioner both API functions share, on DynamoDB and EventBridge."""

from __future__ import annotations

from customers.adapters.dynamo_state import DynamoCreationLock
from customers.adapters.eventbridge import EventBridgePublisher
from customers.bootstrap.aws_clients import aws_client
from customers.common.ports import CustomersApi
from customers.common.provisioning import CustomerProvisioner
from customers.common.settings import PayNowFunctionSettings


def build_provisioner(
    settings: PayNowFunctionSettings, api: CustomersApi, *, via: str
) -> CustomerProvisioner:
    return CustomerProvisioner(
        api=api,
        lock=DynamoCreationLock(settings.state_table, aws_client("dynamodb")),
        events=EventBridgePublisher(settings.event_bus_name, aws_client("events")),
        via=via,
    )
