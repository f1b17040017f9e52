"""SignupFunction: ``POST /signup`` (public, CORS for the store's website origins)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from customers.bootstrap.observability import observed
from customers.bootstrap.signup import SignupFunction

function = SignupFunction()


@observed(correlation_id_path=function.correlation_id_path)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return function.handle(event, context)
