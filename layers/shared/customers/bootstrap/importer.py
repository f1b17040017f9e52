"""ImportFunction's wiring: settings parsed and the import service built at init, so no request pays
for it (no SnapStart: its ephemeral storage is above SnapStart's limit)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Metrics
from paynow.retry import RetryPolicy

from customers.adapters.import_checkpoints import DynamoCheckpointStore
from customers.adapters.import_events import ImportEventPublisher
from customers.adapters.import_invoker import LambdaContinuer
from customers.adapters.paynow_client import paynow_client
from customers.adapters.s3_import import S3ObjectSource, S3ReportStore
from customers.bootstrap import snapstart
from customers.bootstrap.aws_clients import aws_client
from customers.common.deadline import Deadline
from customers.importer.service import ImportService
from customers.importer.settings import ImporterSettings
from customers.importer.triggers import parse_event

# Time kept back from Lambda's limit to write the checkpoint and invoke the continuation.
RESERVE_SECONDS = 10.0


def build_import_service(settings: ImporterSettings) -> ImportService:
    if not settings.continuation_function:
        raise ValueError("IMPORT_FUNCTION_NAME (or AWS_LAMBDA_FUNCTION_NAME) must name this function")
    s3 = aws_client("s3")
    return ImportService(
        source=S3ObjectSource(s3),
        reports=S3ReportStore(s3, settings.import_bucket),
        checkpoints=DynamoCheckpointStore(aws_client("dynamodb"), settings.state_table),
        # One attempt per call: the importer retries itself, so its pacer sees every 429 PayNow sends.
        api=paynow_client(settings, retry=RetryPolicy(max_attempts=1)),
        events=ImportEventPublisher(aws_client("events"), settings.event_bus_name),
        continuer=LambdaContinuer(aws_client("lambda"), settings.continuation_function),
        config=settings.import_config(),
        metrics=Metrics(),
    )


class ImporterFunction:
    """One sandbox of the function."""

    correlation_id_path: str | None = None

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.settings = ImporterSettings.from_environment(environ)
        snapstart.warm_secrets_provider()
        self.service = build_import_service(self.settings)

    def handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """Import every object the event names; the summaries (so far) are the result."""
        deadline = Deadline.from_lambda_context(context, reserve_seconds=RESERVE_SECONDS)
        imports = []
        for request in parse_event(event):
            summary = self.service.handle(request, deadline=deadline, owner=context.aws_request_id)
            imports.append(summary.model_dump(mode="json"))
        return {"imports": imports}
