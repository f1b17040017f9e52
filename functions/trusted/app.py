"""TrustedFunction: resolve customers and mint/revoke tokens for trusted callers.

Over the HTTP API (behind CallerKeyAuthorizer) or by direct invocation with a plain JSON payload:
  {"action": "resolve", "identifier": {"steam_id": "765..."}, "name": "...", "metadata": {...}, "token": true}
  {"action": "create_token", "customer_id": "<flake id>"}
  {"action": "invalidate_tokens", "customer_id": "<flake id>"}
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from customers.bootstrap.observability import observed
from customers.bootstrap.trusted import TrustedFunction

function = TrustedFunction()


@observed(correlation_id_path=function.correlation_id_path)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return function.handle(event, context)
