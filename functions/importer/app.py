"""ImportFunction: CSV import from S3 / EventBridge "Object Created" / direct / continuation events."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from customers.bootstrap.importer import ImporterFunction
from customers.bootstrap.observability import observed

function = ImporterFunction()


@observed(correlation_id_path=function.correlation_id_path)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return function.handle(event, context)
