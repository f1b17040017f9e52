"""The import engine: file → segments → chunks in flight → checkpoints. Pure: talks only to ports.

A *segment* is a run of consecutive records holding at most ``CHUNK_SIZE`` valid rows (and at most
``MAX_SEGMENT_RECORDS`` records, so a file of bad rows still checkpoints). Segments are cut the same
way on every run, so segment ``n`` of a resumed run is segment ``n`` of the crashed one. Segments
complete out of order; the checkpoint only advances over the contiguous prefix of completed ones.
Before a segment may reach PayNow, its sequence number is *reserved* in the checkpoint; a resumed run
reconciles every reserved-but-unconfirmed segment by lookup before sending, so nothing is created twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial

from paynow.errors import PayNowError

from customers.common.deadline import Deadline
from customers.importer.config import ImportConfig
from customers.importer.model.counts import Counts
from customers.importer.model.rejection import RejectCode, Rejection, reject_rows
from customers.importer.model.state import ImportState
from customers.importer.model.valid_row import ValidRow
from customers.importer.ports import CheckpointStore, ObjectSource, ObjectVersion, ReportStore
from customers.importer.reading.columns import HeaderError, map_header
from customers.importer.reading.csvreader import CsvFileError, Position, RecordReader, read_header
from customers.importer.reading.rows import RowValidator
from customers.importer.reading.seen import SeenIdentities
from customers.importer.sending import ChunkSender, DeadlineReachedError

logger = logging.getLogger(__name__)

CHUNK_SIZE = 200
MAX_SEGMENT_RECORDS = 2000
HEARTBEAT_SECONDS = 20.0
PROGRESS_LOG_SECONDS = 30.0


class RunOutcome(StrEnum):
    COMPLETED = "completed"
    PAUSED = "paused"  # out of time: continue in a new invocation
    FAILED = "failed"
    REJECTED = "rejected"


@dataclass
class Segment:
    seq: int
    end: Position
    valid: list[ValidRow]
    rejections: list[Rejection]
    counts: Counts


@dataclass
class _Run:
    state: ImportState
    deadline: Deadline
    done: dict[int, Segment] = field(default_factory=dict)
    last_save: float = 0.0
    # A segment ended without confirmation: it (and everything after it) stays reserved.
    unsettled: bool = False
    last_progress_log: float = field(default_factory=time.monotonic)


class ImportEngine:
    def __init__(
        self,
        *,
        source: ObjectSource,
        reports: ReportStore,
        checkpoints: CheckpointStore,
        sender: ChunkSender | None,
        owner: str,
        options: ImportConfig,
    ) -> None:
        self._source = source
        self._reports = reports
        self._checkpoints = checkpoints
        self._sender = sender
        self._owner = owner
        self._options = options

    def run(
        self, version: ObjectVersion, state: ImportState, report_prefix: str, deadline: Deadline
    ) -> RunOutcome:
        """Advance the import as far as time allows. ``state`` is updated and checkpointed in place."""
        run = _Run(state=state, deadline=deadline)
        if state.header is None:
            try:
                with self._source.open(version, 0) as stream:
                    header = read_header(stream)
                columns = map_header(header.fields)
            except (CsvFileError, HeaderError) as exc:
                state.error = str(exc)
                return RunOutcome.REJECTED
            state.header = header.fields
            state.delimiter = header.delimiter
            state.data_offset = state.offset = header.end.offset
            state.data_line = state.line = header.end.line
            state.unknown_columns = columns.unknown
            self._save(run)
        else:
            columns = map_header(state.header)
        validator = RowValidator(columns)
        with SeenIdentities(self._options.temp_dir) as seen:
            if state.offset > state.data_offset:
                self._replay(version, state, validator, seen)
            return self._pump(run, version, validator, seen, report_prefix)

    # --- reading -------------------------------------------------------------------------------
    def _replay(
        self, version: ObjectVersion, state: ImportState, validator: RowValidator, seen: SeenIdentities
    ) -> None:
        """Rebuild the identities seen before the checkpoint (a new sandbox has no local disk state)."""
        assert state.delimiter is not None
        batch: list[ValidRow] = []
        with self._source.open(version, state.data_offset) as stream:
            reader = RecordReader(stream, Position(state.data_offset, state.data_line), state.delimiter)
            for line, fields, error in reader:
                if reader.lines_consumed > state.line:
                    break
                if error is None:
                    row = validator.validate(line, fields)
                    if isinstance(row, ValidRow):
                        batch.append(row)
                if len(batch) >= 1000:
                    seen.claim(batch)
                    batch = []
        if batch:
            seen.claim(batch)

    def _segments(
        self, reader: RecordReader, validator: RowValidator, seen: SeenIdentities, first_seq: int
    ) -> Iterator[Segment]:
        seq = first_seq
        valid: list[ValidRow] = []
        rejections: list[Rejection] = []
        records = 0
        validate = validator.validate
        for line, fields, error in reader:
            records += 1
            if error is None:
                row = validate(line, fields, check_undecodable=reader.cp1252_lines > 0)
                if type(row) is ValidRow:
                    valid.append(row)
                else:
                    rejections.append(row)  # type: ignore[arg-type]
            else:
                rejections.append(Rejection(line, RejectCode.MALFORMED, error, fields))
            if len(valid) >= CHUNK_SIZE or records >= MAX_SEGMENT_RECORDS:
                counts = Counts(total=records, rejected=len(rejections))
                yield self._cut(
                    seq, end=reader.position, valid=valid, rejections=rejections, counts=counts, seen=seen
                )
                seq += 1
                valid, rejections, records = [], [], 0
        if records:
            counts = Counts(total=records, rejected=len(rejections))
            yield self._cut(
                seq, end=reader.position, valid=valid, rejections=rejections, counts=counts, seen=seen
            )

    def _cut(
        self,
        seq: int,
        *,
        end: Position,
        valid: list[ValidRow],
        rejections: list[Rejection],
        counts: Counts,
        seen: SeenIdentities,
    ) -> Segment:
        segment = Segment(seq, end, valid, rejections, counts)
        self._drop_duplicates(segment, seen.claim(valid))
        return segment

    @staticmethod
    def _drop_duplicates(segment: Segment, firsts: list[int | None]) -> None:
        if not any(firsts):  # lines start at 1: the usual segment without repeats, checked in C
            return
        unique: list[ValidRow] = []
        for row, first in zip(segment.valid, firsts, strict=True):
            if first is None:
                unique.append(row)
            else:
                segment.counts.duplicates_in_file += 1
                segment.rejections.append(
                    Rejection(
                        row.line,
                        RejectCode.DUPLICATE,
                        f"duplicate of line {first}; imported once",
                        row.values,
                    )
                )
        segment.valid = unique

    # --- sending -------------------------------------------------------------------------------
    def _process(
        self, segment: Segment, *, reconcile: bool, deadline: Deadline, report_prefix: str
    ) -> Segment:
        """Worker: send the segment's rows, then store its part of the rejected-rows report."""
        if segment.valid:
            if self._sender is None:
                segment.counts.valid += len(segment.valid)
            else:
                result = self._sender.send(segment.valid, reconcile=reconcile, deadline=deadline)
                segment.counts.add(result.counts)
                segment.rejections.extend(result.rejections)
        if segment.rejections:
            segment.rejections.sort(key=lambda r: r.line)
            self._reports.put_part(report_prefix, segment.seq, reject_rows(segment.rejections))
        # Only counts travel further: the rows are done with.
        segment.valid = []
        segment.rejections = []
        return segment

    def _pump(
        self,
        run: _Run,
        version: ObjectVersion,
        validator: RowValidator,
        seen: SeenIdentities,
        report_prefix: str,
    ) -> RunOutcome:
        state = run.state
        assert state.delimiter is not None
        options = self._options
        reconcile_below = state.reserved_seq
        outcome = RunOutcome.COMPLETED
        in_flight: dict[Future[Segment], int] = {}
        executor = ThreadPoolExecutor(max_workers=options.concurrency, thread_name_prefix="import")
        try:
            with self._source.open(version, state.offset) as stream:
                reader = RecordReader(stream, Position(state.offset, state.line), state.delimiter)
                segments = self._segments(reader, validator, seen, state.next_seq)
                for submitted, segment in enumerate(segments):
                    # Every hop sends at least one segment, so a chain of hops always progresses.
                    if submitted and run.deadline.remaining() < options.hop_reserve_seconds:
                        outcome = RunOutcome.PAUSED
                        break
                    future = self._submit(
                        run,
                        segment,
                        executor,
                        reconcile=segment.seq < reconcile_below,
                        report_prefix=report_prefix,
                    )
                    in_flight[future] = segment.seq
                    outcome = self._wait_for_room(run, in_flight)
                    if outcome is not RunOutcome.COMPLETED:
                        break
                state.cp1252_lines = max(state.cp1252_lines, reader.cp1252_lines)
            outcome = self._drain(run, in_flight, outcome)
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
        return outcome

    def _submit(
        self,
        run: _Run,
        segment: Segment,
        executor: ThreadPoolExecutor,
        *,
        reconcile: bool,
        report_prefix: str,
    ) -> Future[Segment]:
        """Reserve the segment's sequence number (checkpointed ahead of sending), then start it."""
        state = run.state
        if segment.seq >= state.reserved_seq:
            state.reserved_seq = segment.seq + 2 * self._options.concurrency + 2
            self._save(run)
        process = partial(
            self._process, segment, reconcile=reconcile, deadline=run.deadline, report_prefix=report_prefix
        )
        if self._sender is None:
            # Dry run: nothing to wait for, so no thread hand-off either.
            future: Future[Segment] = Future()
            future.set_result(process())
            return future
        return executor.submit(process)

    def _wait_for_room(self, run: _Run, in_flight: dict[Future[Segment], int]) -> RunOutcome:
        """One segment is read ahead while `concurrency` are in flight; then account for any other
        finished segment without waiting. A failed segment stops the run whichever collect saw it."""
        while len(in_flight) > self._options.concurrency:
            outcome = self._collect(run, in_flight, block=True)
            if outcome is not RunOutcome.COMPLETED:
                return outcome
        return self._collect(run, in_flight, block=False)

    def _drain(self, run: _Run, in_flight: dict[Future[Segment], int], outcome: RunOutcome) -> RunOutcome:
        """Wait for every segment still in flight; the first reason to stop is the one reported."""
        while in_flight:
            drained = self._collect(run, in_flight, block=True)
            if outcome is RunOutcome.COMPLETED:
                outcome = drained
        state = run.state
        if not run.unsettled and not run.done and state.reserved_seq > state.next_seq:
            # Everything sent was confirmed: the next hop has nothing to reconcile.
            state.reserved_seq = state.next_seq
            self._save(run)
        return outcome

    def _collect(self, run: _Run, in_flight: dict[Future[Segment], int], *, block: bool) -> RunOutcome:
        """Account for finished segments; checkpoint; renew the lease while waiting."""
        outcome = RunOutcome.COMPLETED
        while True:
            done, _ = wait(
                list(in_flight), timeout=HEARTBEAT_SECONDS if block else 0, return_when=FIRST_COMPLETED
            )
            if done or not block:
                break
            self._save(run)
        for future in done:
            stopped = self._settle(run, in_flight.pop(future), future)
            if stopped is not None:
                outcome = stopped
        self._advance(run)
        return outcome

    @staticmethod
    def _settle(run: _Run, seq: int, future: Future[Segment]) -> RunOutcome | None:
        """Keep a finished segment for checkpointing; the outcome it forces when it failed."""
        try:
            run.done[seq] = future.result()
        except DeadlineReachedError:
            run.unsettled = True
            return RunOutcome.PAUSED
        except PayNowError as exc:
            run.unsettled = True
            if exc.status in (401, 403, 404):
                # Wrong key or store: every further call would fail the same way.
                run.state.error = f"PayNow refused the import: {exc}"
                return RunOutcome.FAILED
            logger.warning("segment %s stopped by a PayNow error; it resumes later: %s", seq, exc)
            return RunOutcome.PAUSED
        return None

    def _advance(self, run: _Run) -> None:
        """Move the checkpoint over every finished segment that is next in order."""
        state = run.state
        advanced = False
        while state.next_seq in run.done:
            segment = run.done.pop(state.next_seq)
            state.counts.add(segment.counts)
            state.offset, state.line = segment.end.offset, segment.end.line
            state.next_seq += 1
            advanced = True
        if not advanced:
            return
        self._save(run)
        if self._options.on_checkpoint is not None:
            self._options.on_checkpoint(state)
        if self._options.progress is not None:
            self._options.progress(state)
        now = time.monotonic()
        if now - run.last_progress_log >= PROGRESS_LOG_SECONDS:
            run.last_progress_log = now
            logger.info(
                "import progress",
                extra={
                    "import_id": state.import_id,
                    "bytes_done": state.offset,
                    "bytes_total": state.size,
                    "counts": state.counts.model_dump(),
                },
            )

    def _save(self, run: _Run) -> None:
        self._checkpoints.save(run.state, owner=self._owner, lease_seconds=self._options.lease_seconds)
        run.last_save = time.monotonic()
