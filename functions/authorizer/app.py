"""AuthorizerFunction (CallerKeyAuthorizer): HTTP API Lambda authorizer, payload 2.0, simple responses.

Callers send ``Authorization: Bearer <key>``; the keys live in the CALLER_KEYS_SECRET secret as
``{"callers": {"<name>": "<key>"}}``. The caller's name reaches the route as
``requestContext.authorizer.lambda.caller``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from customers.bootstrap.authorizer import AuthorizerFunction
from customers.bootstrap.observability import observed

function = AuthorizerFunction()


@observed(correlation_id_path=function.correlation_id_path)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return function.handle(event, context)
