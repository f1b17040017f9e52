"""Lambda wiring for the import function: adapters built once per sandbox, one call per event."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.utilities.typing import LambdaContext
from paynow.deadline import Deadline

from customers.adapters.import_checkpoints import DynamoCheckpointStore
from customers.adapters.import_events import ImportEventPublisher
from customers.adapters.import_invoker import LambdaContinuer
from customers.adapters.paynow_api import paynow_client
from customers.adapters.s3_import import S3ObjectSource, S3ReportStore
from customers.importer.requests import parse_event
from customers.importer.service import ImportService, ServiceConfig
from customers.importer.settings import ImporterSettings

logger = Logger(child=True)
metrics = Metrics()
# Time kept back from Lambda's limit to write the checkpoint and invoke the continuation.
RESERVE_SECONDS = 10.0


@cache
def service() -> ImportService:
    settings = ImporterSettings.from_environment()
    copy_config_to_registered_loggers(source_logger=Logger(), include={"customers", "paynow"})
    if not settings.continuation_function:
        raise ValueError("IMPORT_FUNCTION_NAME (or AWS_LAMBDA_FUNCTION_NAME) must name this function")
    s3 = boto3.client("s3")
    return ImportService(
        source=S3ObjectSource(s3),
        reports=S3ReportStore(s3, settings.import_bucket),
        checkpoints=DynamoCheckpointStore(boto3.client("dynamodb"), settings.state_table),
        api=paynow_client(settings),
        events=ImportEventPublisher(boto3.client("events"), settings.event_bus_name),
        continuer=LambdaContinuer(boto3.client("lambda"), settings.continuation_function),
        config=ServiceConfig(
            bucket=settings.import_bucket,
            reports_prefix=settings.reports_prefix,
            incoming_prefix=settings.incoming_prefix,
            existing_mode=settings.existing_mode,
            concurrency=settings.concurrency,
            max_hops=settings.max_hops,
        ),
        metrics=metrics,
    )


def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Import every object the event names; the summaries (so far) are the result."""
    deadline = Deadline.from_lambda_context(context, reserve_seconds=RESERVE_SECONDS)
    imports = []
    for request in parse_event(event):
        summary = service().handle(request, deadline=deadline, owner=context.aws_request_id)
        imports.append(summary.model_dump(mode="json"))
    return {"imports": imports}
