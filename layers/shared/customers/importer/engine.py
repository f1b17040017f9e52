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
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial

from paynow.errors import PayNowError

from customers.common.deadline import Deadline
from customers.importer.config import ImportConfig
from customers.importer.model.counts import Counts
from customers.importer.model.rejection import RejectCode, Rejection, reject_rows
from customers.importer.model.report_csv import ReportEncoding, ReportFormat
from customers.importer.model.results import Outcome, ResultLine, result_rows
from customers.importer.model.state import ImportState
from customers.importer.model.valid_row import ValidRow
from customers.importer.ports import CheckpointStore, ObjectSource, ObjectVersion, ReportStore
from customers.importer.reading.columns import IDENTIFIER_COLUMNS, HeaderError, map_header, shown_columns
from customers.importer.reading.csvreader import (
    CsvFileError,
    Position,
    RecordReader,
    name_problem,
    read_header,
    sample_text,
)
from customers.importer.reading.rows import RowValidator
from customers.importer.reading.seen import FirstUse, SeenIdentities
from customers.importer.sending import ChunkSender, DeadlineReachedError

logger = logging.getLogger(__name__)

CHUNK_SIZE = 200
MAX_SEGMENT_RECORDS = 2000
# A valid row is far smaller (50 metadata values of 500 characters and a few ids); a wider row is
# rejected without keeping its cells, so wide rows cannot exhaust memory.
MAX_ROW_CHARS = 64 << 10
# Results and rejected parts are separate part sets of the report store.
# Under a "parts" folder like the rejected rows' parts, so the same permissions and expiry cover both.
RESULTS_PARTS = "results/parts"
# A rejected row's identifier cells are repeated in the results file up to this length.
ID_CHARS = 100
# Segments are also cut by the characters they hold, so the rows kept for a report stay bounded.
MAX_SEGMENT_CHARS = 2 << 20
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
    report_replaced_rows: int = 0


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
        on_progress: Callable[[ImportState], None] | None = None,
    ) -> None:
        self._source = source
        self._on_progress = on_progress
        self._reports = reports
        self._checkpoints = checkpoints
        self._sender = sender
        self._owner = owner
        self._options = options
        self._size = 0
        self._report = ReportFormat()
        self._header: list[str] = []
        self._id_columns: list[int | None] = [None, None, None]
        self._compared: list[tuple[int, ...]] = []

    def run(
        self, version: ObjectVersion, state: ImportState, report_prefix: str, deadline: Deadline
    ) -> RunOutcome:
        """Advance the import as far as time allows. ``state`` is updated and checkpointed in place."""
        run = _Run(state=state, deadline=deadline)
        self._size = version.size
        if state.header is None:
            problem = name_problem(version.key)
            if problem is not None:
                state.error = problem
                return RunOutcome.REJECTED
            try:
                with self._source.open(version, 0) as stream:
                    header = read_header(stream)
                    text = header.text | sample_text(stream)
                columns = map_header(header.fields)
            except (CsvFileError, HeaderError) as exc:
                state.error = str(exc)
                return RunOutcome.REJECTED
            state.header = header.fields
            state.delimiter = header.delimiter
            state.report_encoding = ReportEncoding.of_upload(
                bom=header.bom, windows_1252=text.windows_1252, utf8_text=text.utf8_text
            )
            state.data_offset = state.offset = header.end.offset
            state.data_line = state.line = header.end.line
            state.unknown_columns = shown_columns(columns.unknown)
            self._save(run)
        else:
            columns = map_header(state.header)
        validator = RowValidator(columns)
        self._compared = validator.compared
        self._report = report_format(state)
        self._header = state.header or []
        self._id_columns = [columns.fields.get(c) for c in IDENTIFIER_COLUMNS]
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
            classify = _classifier(reader, validator)
            for line, fields, error in reader:
                if reader.lines_consumed > state.line:
                    break
                # Classified as the hop that read it did: only the rows it imported own their identities.
                row = classify(line, fields, error, sum(map(len, fields)))
                if type(row) is ValidRow:
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
        records = chars = 0
        classify = _classifier(reader, validator)
        for line, fields, error in reader:
            records += 1
            size = sum(map(len, fields))
            chars += size
            row = classify(line, fields, error, size)
            if type(row) is ValidRow:
                valid.append(row)
            else:
                rejections.append(row)  # type: ignore[arg-type]
            if len(valid) >= CHUNK_SIZE or records >= MAX_SEGMENT_RECORDS or chars >= MAX_SEGMENT_CHARS:
                yield self._cut(seq, reader, valid=valid, rejections=rejections, records=records, seen=seen)
                seq += 1
                valid, rejections, records, chars = [], [], 0, 0
        if records:
            yield self._cut(seq, reader, valid=valid, rejections=rejections, records=records, seen=seen)

    def _cut(
        self,
        seq: int,
        reader: RecordReader,
        *,
        valid: list[ValidRow],
        rejections: list[Rejection],
        records: int,
        seen: SeenIdentities,
    ) -> Segment:
        end = reader.position
        if reader.rest_unread is not None:
            # Nothing after this segment may ever be read, not even by a resumed run.
            end = Position(self._size, end.line)
        counts = Counts(total=records, rejected=len(rejections))
        segment = Segment(seq, end, valid, rejections, counts)
        self._drop_duplicates(segment, seen.claim(valid))
        return segment

    def _drop_duplicates(self, segment: Segment, firsts: list[FirstUse | None]) -> None:
        if not any(firsts):  # the usual segment without repeats, checked in C
            return
        unique: list[ValidRow] = []
        for row, first in zip(segment.valid, firsts, strict=True):
            if first is None:
                unique.append(row)
            else:
                segment.counts.duplicates_in_file += 1
                segment.rejections.append(
                    Rejection(row.line, RejectCode.DUPLICATE, self._duplicate_reason(row, first), row.values)
                )
        segment.valid = unique

    def _duplicate_reason(self, row: ValidRow, first: FirstUse) -> str:
        """Which line won and which imported columns this row differs in, wherever that line is."""
        reason = f"duplicate of line {first.line}, which is the one imported"
        differing = [
            self._column_label(columns)
            for columns, a, b in sorted(
                zip(self._compared, first.fingerprint, row.fingerprint, strict=True), key=lambda c: c[0]
            )
            if a != b
        ]
        if not differing:
            return reason + " (same data)"
        shown = ", ".join(differing[:10]) + (
            f" and {len(differing) - 10} more" if len(differing) > 10 else ""
        )
        return reason + "; this row differed in " + shown + " and was not imported"

    def _column_label(self, columns: tuple[int, ...]) -> str:
        if len(columns) > 1:
            return f"metadata (one or more of its {len(columns)} columns)"
        (i,) = columns
        return self._header[i][:40] if i < len(self._header) else f"column {i + 1}"

    def _result_lines(self, segment: Segment, outcomes: dict[int, tuple[Outcome, str]]) -> list[ResultLine]:
        """One line per record of the segment, in file order."""
        lines: list[ResultLine] = []
        rejected = {r.line for r in segment.rejections}
        for row in segment.valid:
            if row.line in rejected:
                continue
            outcome, customer = outcomes.get(row.line, (Outcome.VALID, ""))
            body = row.body
            lines.append(
                (
                    row.line,
                    outcome,
                    customer,
                    body.get("steam_id", ""),
                    body.get("minecraft_uuid", ""),
                    body.get("xbox_xuid", ""),
                    "",
                )
            )
        for r in segment.rejections:
            outcome = Outcome.DUPLICATE if r.code is RejectCode.DUPLICATE else Outcome.REJECTED
            ids = [
                r.values[i][:ID_CHARS] if i is not None and i < len(r.values) else ""
                for i in self._id_columns
            ]
            lines.append((r.line, outcome, "", ids[0], ids[1], ids[2], r.reason))
        lines.sort(key=lambda line: line[0])
        return lines

    # --- sending -------------------------------------------------------------------------------
    def _process(
        self, segment: Segment, *, reconcile: bool, deadline: Deadline, report_prefix: str
    ) -> Segment:
        """Worker: send the segment's rows, then store its part of the rejected-rows report."""
        outcomes: dict[int, tuple[Outcome, str]] = {}
        if segment.valid:
            if self._sender is None:
                segment.counts.valid += len(segment.valid)
            else:
                result = self._sender.send(segment.valid, reconcile=reconcile, deadline=deadline)
                segment.counts.add(result.counts)
                segment.rejections.extend(result.rejections)
                outcomes = result.outcomes
        if segment.rejections:
            segment.rejections.sort(key=lambda r: r.line)
            rejected = reject_rows(segment.rejections, self._report)
            segment.report_replaced_rows += rejected.replaced_rows
            self._reports.put_part(report_prefix, segment.seq, rejected.data)
        results = result_rows(self._result_lines(segment, outcomes), self._report)
        segment.report_replaced_rows += results.replaced_rows
        self._reports.put_part(report_prefix, segment.seq, results.data, part_set=RESULTS_PARTS)
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
                if reader.rest_unread is not None:
                    state.error = reader.rest_unread
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
            state.report_replaced_rows += segment.report_replaced_rows
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
        if self._on_progress is not None:
            self._on_progress(state)
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


def report_format(state: ImportState) -> ReportFormat:
    """How this import's reports are written (fixed on its first hop)."""
    return ReportFormat(state.delimiter or ",", state.report_encoding or ReportEncoding.UTF8_BOM)


def _classifier(
    reader: RecordReader, validator: RowValidator
) -> Callable[[int, list[str], str | None, int], ValidRow | Rejection]:
    """What each record of ``reader`` is: ``classify(line, fields, error, size)``, ``size`` being its
    characters. The only place that decides it: ``_replay`` must claim exactly the identities of the rows
    the hop that read them imported, or a rejected row would own its identity and make a later valid
    repeat a "duplicate" that is never sent."""
    validate = validator.validate

    def classify(line: int, fields: list[str], error: str | None, size: int) -> ValidRow | Rejection:
        if error is not None:
            code = RejectCode.MALFORMED if reader.rest_unread is None else RejectCode.REST_UNREAD
            return Rejection(line, code, error, fields)
        if size > MAX_ROW_CHARS:
            return _too_large(line, size)
        return validate(line, fields)

    return classify


def _too_large(line: int, size: int) -> Rejection:
    return Rejection(
        line,
        RejectCode.ROW_TOO_LARGE,
        f"row holds {size // 1024} KiB of text; the limit is {MAX_ROW_CHARS // 1024} KiB (its cells are "
        "not repeated here)",
        [],
    )
