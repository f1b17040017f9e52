"""The import against moto (S3, DynamoDB, EventBridge) and the in-process PayNow emulator: the pieces
the importer's integration tests share (the CSV helpers are in ``tests.support.import_memory``)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from customers.adapters.import_checkpoints import DynamoCheckpointStore
from customers.adapters.import_events import ImportEventPublisher
from customers.adapters.s3_import import S3ObjectSource, S3ReportStore
from customers.common.deadline import Deadline
from customers.importer.config import ExistingMode, ImportConfig
from customers.importer.model.state import ImportState
from customers.importer.model.summary import Summary
from customers.importer.ports import CheckpointStore, EventPublisher
from customers.importer.service import ImportService
from customers.importer.triggers import ImportRequest
from paynow.client import PayNowClient
from paynow.retry import RetryPolicy
from paynow_emulator import PayNowEmulator

from tests.support.fake_aws import EventTap, create_state_table
from tests.support.import_memory import RecordingContinuer

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

REGION = "us-east-1"
# The name the sample events in events/importer carry (shaped like the template's bucket names).
BUCKET = "paynow-import-123456789012-us-east-1-1a2b3c4d"
TABLE = "paynow-customers-state"
BUS = "paynow-customers"


@dataclass
class ImportStack:
    emu: PayNowEmulator
    s3: S3Client
    tap: EventTap
    client: PayNowClient
    continuer: RecordingContinuer = field(default_factory=RecordingContinuer)

    def put(self, key: str, data: bytes | str) -> str:
        body = data.encode() if isinstance(data, str) else data
        return self.s3.put_object(Bucket=BUCKET, Key=key, Body=body)["VersionId"]

    def service(
        self,
        *,
        mode: ExistingMode = ExistingMode.SKIP,
        concurrency: int = 3,
        hop_reserve_seconds: float = 0.0,
        max_hops: int = 50,
        on_checkpoint: Callable[[ImportState], None] | None = None,
        lease_seconds: float = 120.0,
        wrap_checkpoints: Callable[[CheckpointStore], CheckpointStore] = lambda store: store,
        wrap_events: Callable[[EventPublisher], EventPublisher] = lambda events: events,
    ) -> ImportService:
        return ImportService(
            source=S3ObjectSource(self.s3),
            reports=S3ReportStore(self.s3, BUCKET),
            checkpoints=wrap_checkpoints(self.checkpoints()),
            api=self.client,
            events=wrap_events(ImportEventPublisher(boto3.client("events", region_name=REGION), BUS)),
            continuer=self.continuer,
            config=ImportConfig(
                bucket=BUCKET,
                existing_mode=mode,
                concurrency=concurrency,
                hop_reserve_seconds=hop_reserve_seconds,
                max_hops=max_hops,
                lease_seconds=lease_seconds,
                on_checkpoint=on_checkpoint,
            ),
        )

    def checkpoints(self) -> DynamoCheckpointStore:
        return DynamoCheckpointStore(boto3.client("dynamodb", region_name=REGION), TABLE)

    def run(
        self, key: str, service: ImportService | None = None, *, seconds: float = 120.0, **kwargs: Any
    ) -> Summary:
        service = service or self.service(**kwargs)
        return service.handle(
            ImportRequest(bucket=BUCKET, key=key), deadline=Deadline.after(seconds), owner=str(uuid.uuid4())
        )

    def report(self, summary: Summary) -> list[list[str]]:
        assert summary.rejected_report is not None
        key = summary.rejected_report.removeprefix(f"s3://{BUCKET}/")
        body = self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode("utf-8-sig")
        return list(csv.reader(io.StringIO(body)))

    def summary_object(self, summary: Summary) -> dict[str, Any]:
        assert summary.summary_report is not None
        key = summary.summary_report.removeprefix(f"s3://{BUCKET}/")
        summary_object: dict[str, Any] = json.loads(self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
        return summary_object

    def events(self) -> list[dict[str, Any]]:
        return self.tap.drain()

    def calls(self, operation: str) -> int:
        return len(self.emu.inspect.requests_for(operation))

    def customers_by(self, field_name: str) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        for customer in self.emu.inspect.customers():
            if customer.get(field_name):
                found.setdefault(customer[field_name], []).append(customer)
        return found


def provision(s3: S3Client) -> EventTap:
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    create_state_table(boto3.client("dynamodb", region_name=REGION), TABLE)
    return EventTap.on_new_bus(REGION, BUS)


def emulator_client(emu: PayNowEmulator) -> PayNowClient:
    """A PayNow client on the in-process emulator, with short backoffs so fault storms stay quick."""
    return PayNowClient(
        emu.store_id,
        emu.api_key,
        base_url="https://api.paynow.test",
        transport=emu.transport(),
        retry=RetryPolicy(base_delay=0.001, max_delay=0.01),
    )


def assert_invariant(summary: Summary) -> None:
    c = summary.counts
    assert c.created + c.existing + c.updated + c.rejected + c.duplicates_in_file == c.total


def assert_no_duplicates(stack: ImportStack) -> None:
    for field_name in ("steam_id", "minecraft_uuid", "xbox_xuid"):
        dupes = {k: len(v) for k, v in stack.customers_by(field_name).items() if len(v) > 1}
        assert dupes == {}, f"{field_name} created more than once: {dupes}"


class ForwardingCheckpoints:
    """A checkpoint store that forwards every call to a real one; fault-injecting stores subclass it
    and override ``save``."""

    def __init__(self, store: CheckpointStore) -> None:
        self._store = store

    def acquire(
        self, state: ImportState, *, owner: str, lease_seconds: float, reopen_failed: bool = False
    ) -> ImportState:
        return self._store.acquire(
            state, owner=owner, lease_seconds=lease_seconds, reopen_failed=reopen_failed
        )

    def save(self, state: ImportState, *, owner: str, lease_seconds: float) -> None:
        self._store.save(state, owner=owner, lease_seconds=lease_seconds)


class DiesReserving(ForwardingCheckpoints):
    """The checkpoint store of an invocation that is killed as it reserves segment ``seq``."""

    def __init__(self, store: CheckpointStore, *, seq: int) -> None:
        super().__init__(store)
        self._seq = seq

    def save(self, state: ImportState, *, owner: str, lease_seconds: float) -> None:
        if state.reserved_seq > self._seq:
            raise SystemExit("invocation killed")
        self._store.save(state, owner=owner, lease_seconds=lease_seconds)
