"""One import invocation: claim the object version, run the engine, then continue, finish or fail."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from customers.common.deadline import Deadline
from customers.common.ports import CustomerListing, CustomersApi
from customers.importer.config import ExistingMode, ImportConfig
from customers.importer.engine import RESULTS_PARTS, ImportEngine, RunOutcome, report_format
from customers.importer.model.counts import Counts
from customers.importer.model.rejection import reject_header
from customers.importer.model.report_csv import REPLACEMENT
from customers.importer.model.request import ImportRequest
from customers.importer.model.results import results_header
from customers.importer.model.state import ImportState, ImportStatus
from customers.importer.model.summary import Progress, Summary, message_for
from customers.importer.pacing import Pacer
from customers.importer.ports import (
    BusyError,
    CheckpointStore,
    Continuer,
    EventPublisher,
    ObjectSource,
    ObjectVersion,
    ReportStore,
)
from customers.importer.sending import ChunkSender

logger = logging.getLogger(__name__)

IMPORT_COMPLETED = "Import Completed"
IMPORT_FAILED = "Import Failed"
SUMMARY_NAME = "summary.json"
REJECTED_NAME = "rejected.csv"
RESULTS_NAME = "results.csv"
ERROR_CHARS = 2000
# The running summary.json is rewritten at a checkpoint at most this often (each write is an S3 PUT).
PROGRESS_SECONDS = 5.0


class MetricsSink(Protocol):
    def add_metric(self, name: str, unit: Any, value: float) -> None: ...


class ImportService:
    def __init__(
        self,
        *,
        source: ObjectSource,
        reports: ReportStore,
        checkpoints: CheckpointStore,
        api: CustomersApi | None,
        events: EventPublisher | None,
        continuer: Continuer | None,
        config: ImportConfig,
        metrics: MetricsSink | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._source = source
        self._reports = reports
        self._checkpoints = checkpoints
        self._api = api
        self._events = events
        self._continuer = continuer
        self._config = config
        self._metrics = metrics
        self._sleep = sleep

    def report_prefix(self, version: ObjectVersion) -> str:
        key = version.key
        if self._config.incoming_prefix and key.startswith(self._config.incoming_prefix):
            key = key[len(self._config.incoming_prefix) :]
        return f"{self._config.reports_prefix}{key}/{version.version_tag}/"

    def handle(self, request: ImportRequest, *, deadline: Deadline, owner: str) -> Summary:
        """Import (or continue importing) one object version; returns its summary so far."""
        config = self._config
        self._refuse_foreign(request)
        version = self._source.head(request.bucket, request.key, request.version_id)
        initial = self._new_state(version)
        state, held = self._acquire(initial, owner, deadline, reopen=request.resume_failed)
        prefix = self.report_prefix(version)
        if not held:
            logger.info("import in progress in another invocation", extra={"import_id": state.import_id})
            return self._summary(state, prefix)
        if state.announce_pending:
            return self._announce(state, prefix, owner)
        if state.status is not ImportStatus.RUNNING:
            if not (request.resume_failed and state.status is ImportStatus.FAILED):
                logger.info("import already finished; nothing to do", extra={"import_id": state.import_id})
                if self._metrics is not None:
                    self._metrics.add_metric(name="ImportRedelivered", unit="Count", value=1)
                return self._summary(state, prefix)
            # Reopened: the failed outcome recorded before is no longer the import's summary.
            state.status, state.error, state.summary, state.finished_at = (
                ImportStatus.RUNNING,
                None,
                None,
                None,
            )
        state.hops += 1
        if state.hops > config.max_hops:
            state.error = f"gave up after {config.max_hops} invocations (IMPORT_MAX_HOPS)"
            return self._finish(state, ImportStatus.FAILED, prefix, owner)
        started = time.monotonic()
        before = state.counts.model_copy()
        sender = None
        if self._api is not None and not config.dry_run:
            sender = ChunkSender(
                self._api,
                mode=ExistingMode(state.existing_mode),
                import_started=_parse(state.started_at),
                listing=self._api if isinstance(self._api, CustomerListing) else None,
                pacer=Pacer(config.concurrency, config.max_requests_per_second),
            )
        progress = _ProgressWriter(self, prefix, started)
        engine = ImportEngine(
            source=self._source,
            reports=self._reports,
            checkpoints=self._checkpoints,
            sender=sender,
            owner=owner,
            options=config,
            on_progress=progress.checkpointed,
        )
        outcome = engine.run(version, state, prefix, deadline)
        state.active_seconds += time.monotonic() - started
        self._emit(state.counts, before)
        logger.info(
            "import hop finished",
            extra={
                "import_id": state.import_id,
                "outcome": outcome.value,
                "hop": state.hops,
                "counts": state.counts.model_dump(),
            },
        )
        if outcome is RunOutcome.PAUSED:
            return self._continue(state, prefix, owner, version)
        status = {
            RunOutcome.COMPLETED: ImportStatus.COMPLETED,
            RunOutcome.REJECTED: ImportStatus.REJECTED,
            RunOutcome.FAILED: ImportStatus.FAILED,
        }[outcome]
        return self._finish(state, status, prefix, owner)

    # --- steps ---------------------------------------------------------------------------------
    def _refuse_foreign(self, request: ImportRequest) -> None:
        config = self._config
        if config.bucket is not None and request.bucket != config.bucket:
            raise ValueError(f"refusing to import from bucket {request.bucket!r}: not the import bucket")
        if config.reports_prefix and request.key.startswith(config.reports_prefix):
            raise ValueError(f"refusing to import {request.key!r}: it is under the reports prefix")
        # IAM also confines the function to the prefix; the code does not rely on it.
        if not request.key.startswith(config.incoming_prefix):
            raise ValueError(
                f"refusing to import {request.key!r}: only keys under {config.incoming_prefix!r} are imported"
            )

    def _new_state(self, version: ObjectVersion) -> ImportState:
        return ImportState(
            import_id=version.import_id,
            bucket=version.bucket,
            key=version.key,
            version_id=version.version_id,
            etag=version.etag,
            size=version.size,
            existing_mode=self._config.existing_mode.value,
            started_at=datetime.now(UTC).isoformat(),
        )

    def _acquire(
        self, initial: ImportState, owner: str, deadline: Deadline, *, reopen: bool = False
    ) -> tuple[ImportState, bool]:
        """The import's state, and whether we now hold its lease.

        Another invocation's live lease means either a duplicate delivery (the holder works on) or
        the retry of an invocation that just died. Waiting until the lease is renewed (holder alive:
        leave it alone) or expires (holder dead: take over) tells the two apart within one lease.
        """
        first_seen: float | None = None
        while True:
            try:
                return self._checkpoints.acquire(
                    initial, owner=owner, lease_seconds=self._config.lease_seconds, reopen_failed=reopen
                ), True
            except BusyError as busy:
                if first_seen is None:
                    first_seen = busy.lease_until
                elif busy.lease_until > first_seen:
                    return busy.state, False
                wait = max(0.0, busy.lease_until - time.time())
                poll = min(self._config.busy_poll_seconds, wait + 0.05)
                if deadline.remaining() - self._config.hop_reserve_seconds < poll:
                    # Out of time ourselves: fail so the platform delivers again later.
                    raise
                self._sleep(poll)

    def _continue(self, state: ImportState, prefix: str, owner: str, version: ObjectVersion) -> Summary:
        if self._continuer is None:
            raise RuntimeError("import paused but no continuation is configured")
        self._checkpoints.save(state, owner=owner, lease_seconds=0)
        self._continuer.continue_import(
            {
                "continuation": {
                    "bucket": version.bucket,
                    "key": version.key,
                    "version_id": version.version_id,
                    "hop": state.hops,
                }
            }
        )
        return self._summary(state, prefix)

    def _finish(self, state: ImportState, status: ImportStatus, prefix: str, owner: str) -> Summary:
        state.status = status
        if state.error is not None and len(state.error) > ERROR_CHARS:
            # The error travels in the checkpoint item and the event: both have size limits.
            state.error = state.error[:ERROR_CHARS] + "..."
        state.finished_at = datetime.now(UTC).isoformat()
        report = report_format(state)
        rejected_header = reject_header(state.header or [], report)
        state.report_replaced_rows += rejected_header.replaced_rows
        summary = self._summary(state, prefix)
        self._reports.compose(prefix, REJECTED_NAME, rejected_header.data)
        self._reports.compose(prefix, RESULTS_NAME, results_header(report).data, part_set=RESULTS_PARTS)
        self._reports.put_json(prefix, SUMMARY_NAME, summary.model_dump(mode="json"))
        state.summary = summary.model_dump(mode="json")
        # Record the outcome before publishing it: a failed write (or a crash) before this point
        # publishes nothing, and a retry finishes again; after it, only the event is left to send.
        state.announce_pending = self._events is not None
        self._checkpoints.save(state, owner=owner, lease_seconds=self._config.lease_seconds)
        self._reports.discard_parts(prefix)
        self._reports.discard_parts(prefix, part_set=RESULTS_PARTS)
        if self._metrics is not None:
            self._metrics.add_metric(name=f"Import{status.value.capitalize()}", unit="Count", value=1)
        logger.info("import finished", extra={"import_id": state.import_id, "status": status.value})
        return self._announce(state, prefix, owner)

    def _announce(self, state: ImportState, prefix: str, owner: str) -> Summary:
        """Publish the recorded outcome once, then clear the mark (and release the lease).

        Only a crash between the publish and the write that clears the mark publishes it again.
        """
        summary = self._summary(state, prefix)
        if state.announce_pending and self._events is not None:
            detail_type = IMPORT_COMPLETED if state.status is ImportStatus.COMPLETED else IMPORT_FAILED
            self._events.publish(detail_type, summary.model_dump(mode="json"))
        state.announce_pending = False
        self._checkpoints.save(state, owner=owner, lease_seconds=0)
        return summary

    def _summary(self, state: ImportState, prefix: str) -> Summary:
        if state.summary is not None and state.status is not ImportStatus.RUNNING:
            return Summary.model_validate(state.summary)
        seconds = state.active_seconds
        encoding = None
        if state.header is not None:
            encoding = "utf-8" if state.cp1252_lines == 0 else f"utf-8 with {state.cp1252_lines} cp1252 lines"
        summary = Summary(
            import_id=state.import_id,
            bucket=state.bucket,
            key=state.key,
            version_id=state.version_id,
            status=state.status,
            dry_run=self._config.dry_run,
            existing_mode=state.existing_mode,
            counts=state.counts,
            unknown_columns=state.unknown_columns,
            delimiter=state.delimiter,
            encoding=encoding,
            report_encoding=state.report_encoding,
            report_note=_report_note(state),
            error=state.error,
            hops=state.hops,
            started_at=state.started_at,
            finished_at=state.finished_at,
            elapsed_seconds=round(seconds, 3),
            rows_per_second=round(state.counts.total / seconds, 1) if seconds > 0 else 0.0,
            rejected_report=self._reports.location(prefix, REJECTED_NAME),
            results_report=self._reports.location(prefix, RESULTS_NAME),
            summary_report=self._reports.location(prefix, SUMMARY_NAME),
        )
        summary.message = message_for(summary)
        return summary

    def write_progress(self, state: ImportState, prefix: str, seconds: float) -> None:
        """The ``running`` summary.json, with where the import stands, and the progress metric."""
        summary = self._summary(state, prefix)
        rate = state.counts.total / seconds if seconds > 0 else 0.0
        done = state.offset / state.size if state.size else 0.0
        left = None
        if 0 < done < 1 and seconds > 0:
            left = round(seconds * (1 - done) / done, 1)
        summary.elapsed_seconds = round(seconds, 3)
        summary.rows_per_second = round(rate, 1)
        summary.progress = Progress(
            bytes_read=state.offset,
            bytes_total=state.size,
            percent=round(100 * done, 1),
            rows_per_second=round(rate, 1),
            seconds_left=left,
        )
        self._reports.put_json(prefix, SUMMARY_NAME, summary.model_dump(mode="json", exclude_none=True))
        if self._metrics is not None:
            self._metrics.add_metric(name="ImportProgressPercent", unit="Percent", value=round(100 * done, 1))

    def _emit(self, counts: Counts, before: Counts) -> None:
        if self._metrics is None:
            return
        for name in ("total", "created", "existing", "updated", "rejected", "duplicates_in_file"):
            delta = getattr(counts, name) - getattr(before, name)
            metric = "ImportRows" + "".join(part.capitalize() for part in name.split("_"))
            self._metrics.add_metric(name=metric, unit="Count", value=delta)


def _report_note(state: ImportState) -> str | None:
    if not state.report_replaced_rows:
        return None
    rows = state.report_replaced_rows
    return (
        f"{rows:,} report {'row' if rows == 1 else 'rows'} held characters {state.report_encoding} cannot "
        f"represent; each is written as '{REPLACEMENT}' (upload the file as CSV UTF-8 to keep them)"
    )


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


class _ProgressWriter:
    """Writes the running summary at checkpoints: the first one of a hop, then every few seconds."""

    def __init__(self, service: ImportService, prefix: str, started: float) -> None:
        self._service = service
        self._prefix = prefix
        self._started = started
        self._last: float | None = None

    def checkpointed(self, state: ImportState) -> None:
        now = time.monotonic()
        if self._last is not None and now - self._last < PROGRESS_SECONDS:
            return
        self._last = now
        self._service.write_progress(state, self._prefix, state.active_seconds + now - self._started)
