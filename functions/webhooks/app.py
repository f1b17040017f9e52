"""WebhookFunction: PayNow webhooks in (POST /webhooks/paynow), verified and deduplicated, onto the
stack's event bus as source ``paynow.webhooks``."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from customers.bootstrap.observability import observed
from customers.bootstrap.webhooks import WebhookFunction

function = WebhookFunction()


@observed(correlation_id_path=function.correlation_id_path)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return function.handle(event, context)
