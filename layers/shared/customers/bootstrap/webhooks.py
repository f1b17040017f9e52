"""WebhookFunction's wiring: settings parsed and the receiver built at init, as in every function."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths

from customers.adapters.webhook_bus import EventBridgeWebhookBus
from customers.adapters.webhook_ledger import DynamoDeliveryLedger
from customers.adapters.webhook_secrets import SecretsManagerSigningSecrets
from customers.bootstrap import snapstart
from customers.bootstrap.aws_clients import aws_client
from customers.webhooks import routes
from customers.webhooks.receiver import WebhookReceiver
from customers.webhooks.settings import WebhookSettings


def build_receiver(settings: WebhookSettings) -> WebhookReceiver:
    return WebhookReceiver(
        secrets=SecretsManagerSigningSecrets(
            settings.signing_secrets_secret, max_age=settings.secrets_max_age
        ),
        ledger=DynamoDeliveryLedger(
            settings.state_table, aws_client("dynamodb"), keep_seconds=settings.dedupe_seconds
        ),
        bus=EventBridgeWebhookBus(
            settings.event_bus_name,
            aws_client("events"),
            aws_client("s3"),
            bucket=settings.payload_bucket,
            prefix=settings.payload_prefix,
        ),
        max_age_s=settings.max_age_s,
    )


class WebhookFunction:
    """One sandbox of the function. Tests replace the receiver with ``app.dependency_overrides``."""

    correlation_id_path = correlation_paths.API_GATEWAY_HTTP

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.settings = WebhookSettings.from_environment(environ)
        # No request validation: the route reads the raw bytes, which are what the signature covers.
        self.app = APIGatewayHttpResolver()
        self.app.include_router(routes.router)
        self.app.exception_handler(Exception)(routes.answer)
        self.app.not_found(routes.answer)
        self.app.dependency_overrides[routes.webhook_receiver] = lambda: self.receiver
        # Else the first delivery's get_secret would build it, and its boto3 client with the SDK's
        # default timeouts and retries.
        snapstart.warm_secrets_provider()
        self.receiver = build_receiver(self.settings)

    def handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        return self.app.resolve(event, context)
