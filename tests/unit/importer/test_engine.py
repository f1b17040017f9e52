"""ImportEngine on in-memory ports: segments, chunks in flight, the checkpoint's contiguous prefix,
reservation before sending, and resuming (after a crash or a paused hop) without creating twice."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from customers.common.deadline import Deadline
from customers.importer.config import ExistingMode, ImportConfig
from customers.importer.engine import CHUNK_SIZE, MAX_ROW_CHARS, MAX_SEGMENT_RECORDS, ImportEngine, RunOutcome
from customers.importer.model.state import ImportState
from customers.importer.ports import ObjectVersion
from customers.importer.sending import ChunkSender
from import_tools.stores import MemoryCheckpointStore, MemoryReportStore
from paynow.errors import RateLimitedError, UnauthorizedError
from paynow.models import CustomerUpsert

from tests.support.customers_api import FakeCustomersApi
from tests.support.import_memory import MemorySource, csv_text, steam

OWNER = "invocation-1"
PREFIX = "reports/customers.csv/v1/"


class Crash(Exception):
    """The invocation dies (raised from the checkpoint hook)."""


@dataclass
class Rig:
    """One object version, its stores and PayNow, run hop after hop like the service does."""

    data: bytes
    api: FakeCustomersApi = field(default_factory=FakeCustomersApi)
    config: ImportConfig = field(default_factory=lambda: ImportConfig(concurrency=2, hop_reserve_seconds=0.0))
    dry_run: bool = False
    store: MemoryCheckpointStore = field(default_factory=MemoryCheckpointStore)
    reports: MemoryReportStore = field(default_factory=MemoryReportStore)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        self.source = MemorySource(self.data)
        self.version: ObjectVersion = self.source.head("imports", "incoming/customers.csv", None)

    def state(self) -> ImportState:
        return self.store.load(self.version.import_id)

    def run(self, seconds: float = 60.0) -> tuple[RunOutcome, ImportState]:
        initial = ImportState(
            import_id=self.version.import_id,
            bucket=self.version.bucket,
            key=self.version.key,
            started_at=self.started.isoformat(),
        )
        state = self.store.acquire(initial, owner=OWNER, lease_seconds=60)
        sender = None if self.dry_run else self._sender()
        engine = ImportEngine(
            source=self.source,
            reports=self.reports,
            checkpoints=self.store,
            sender=sender,
            owner=OWNER,
            options=self.config,
        )
        return engine.run(self.version, state, PREFIX, Deadline.after(seconds)), state

    def _sender(self) -> ChunkSender:
        return ChunkSender(
            self.api, mode=ExistingMode.SKIP, import_started=self.started, sleep=lambda _: None
        )


def steam_file(numbers: Sequence[int]) -> bytes:
    return csv_text(["steam_id", "name"], [[steam(n), f"name{n}"] for n in numbers]).encode()


def assert_each_created_once(api: FakeCustomersApi, numbers: Sequence[int]) -> None:
    held = {c.steam_id for c in api.customers}
    assert len(api.customers) == len(held), "a customer was created twice"
    assert held == {steam(n) for n in numbers}


def segment_of(items: Sequence[CustomerUpsert]) -> int:
    """Which segment a bulk call carries (rows are steam(1..n) in order, CHUNK_SIZE per segment)."""
    assert items[0].steam_id is not None
    return (int(items[0].steam_id) - int(steam(1))) // CHUNK_SIZE


def test_valid_rows_are_cut_into_chunks_of_200_and_the_checkpoint_reaches_the_end() -> None:
    rig = Rig(steam_file(range(1, 451)))
    outcome, state = rig.run()
    assert outcome is RunOutcome.COMPLETED
    assert sorted(rig.api.bulk_sizes) == [50, 200, 200]
    assert (state.counts.total, state.counts.created) == (450, 450)
    assert (state.next_seq, state.offset) == (3, len(rig.data))
    # Every segment was confirmed: nothing is left for a later hop to reconcile.
    assert rig.state().reserved_seq == rig.state().next_seq == 3
    assert_each_created_once(rig.api, range(1, 451))


def test_a_file_of_invalid_rows_still_checkpoints_every_2000_records() -> None:
    rows = 2 * MAX_SEGMENT_RECORDS + 10
    rig = Rig(csv_text(["steam_id"], [["not-an-id"]] * rows).encode())
    outcome, state = rig.run()
    assert outcome is RunOutcome.COMPLETED
    assert state.next_seq == 3
    assert (state.counts.total, state.counts.rejected) == (rows, rows)
    assert rig.api.calls == []
    assert sorted(rig.reports.parts[PREFIX]) == [0, 1, 2]  # one report part per segment


def test_chunks_are_sent_concurrently_but_never_more_than_the_configured_concurrency() -> None:
    both_in_flight = threading.Barrier(2, timeout=10)
    active = 0
    most = 0
    lock = threading.Lock()

    def before_bulk(items: Sequence[CustomerUpsert]) -> None:
        nonlocal active, most
        with lock:
            active += 1
            most = max(most, active)
        if segment_of(items) < 2:
            both_in_flight.wait()  # breaks (and fails the run) unless segments 0 and 1 overlap
        with lock:
            active -= 1

    rig = Rig(steam_file(range(1, 1201)), api=FakeCustomersApi(before_bulk=before_bulk))
    outcome, state = rig.run()
    assert outcome is RunOutcome.COMPLETED
    assert most == 2
    assert state.counts.created == 1200


def test_the_checkpoint_advances_only_over_the_contiguous_prefix_of_finished_segments() -> None:
    later_segments_done = threading.Semaphore(0)
    stored_while_segment_0_waited: list[ImportState] = []
    rig: Rig

    def before_bulk(items: Sequence[CustomerUpsert]) -> None:
        if segment_of(items) == 0:
            # Segment 0 finishes last: after segments 1 and 2 were sent and collected.
            for _ in range(2):
                assert later_segments_done.acquire(timeout=10)
            time.sleep(0.2)
            stored_while_segment_0_waited.append(rig.state())

    def after_bulk(items: Sequence[CustomerUpsert]) -> None:
        if segment_of(items) > 0:
            later_segments_done.release()

    rig = Rig(steam_file(range(1, 501)), api=FakeCustomersApi(before_bulk=before_bulk, after_bulk=after_bulk))
    seen: list[tuple[int, int]] = []
    rig.config.on_checkpoint = lambda state: seen.append((state.next_seq, state.counts.created))
    outcome, state = rig.run()
    assert outcome is RunOutcome.COMPLETED
    (waiting,) = stored_while_segment_0_waited
    # 300 rows of segments 1 and 2 were created, yet the checkpoint claims none of them before 0.
    assert (waiting.next_seq, waiting.offset, waiting.counts.created) == (0, waiting.data_offset, 0)
    assert seen == [(3, 500)]
    assert state.offset == len(rig.data)


def test_a_segment_is_reserved_in_the_stored_checkpoint_before_it_reaches_paynow() -> None:
    reserved_at_send: dict[int, int] = {}
    rig: Rig

    def before_bulk(items: Sequence[CustomerUpsert]) -> None:
        reserved_at_send[segment_of(items)] = rig.state().reserved_seq

    rig = Rig(steam_file(range(1, 701)), api=FakeCustomersApi(before_bulk=before_bulk))
    rig.run()
    assert sorted(reserved_at_send) == [0, 1, 2, 3]
    assert all(reserved > seq for seq, reserved in reserved_at_send.items())


def test_a_crashed_run_resumes_from_its_checkpoint_and_creates_no_customer_twice() -> None:
    rig = Rig(steam_file(range(1, 801)))
    rig.config.concurrency = 1

    def crash(state: ImportState) -> None:
        raise Crash

    rig.config.on_checkpoint = crash
    with pytest.raises(Crash):
        rig.run()
    crashed = rig.state()
    assert crashed.next_seq == 1
    assert crashed.reserved_seq > crashed.next_seq  # later segments may have reached PayNow
    rig.config.on_checkpoint = None
    rig.api.calls.clear()
    outcome, state = rig.run()
    assert outcome is RunOutcome.COMPLETED
    assert_each_created_once(rig.api, range(1, 801))
    # Rows a crashed hop created count as created (ours), not as pre-existing customers.
    assert (state.counts.created, state.counts.existing, state.counts.total) == (800, 0, 800)
    # Only the reserved segments were reconciled, and nothing before the checkpoint was re-read.
    assert 0 < rig.api.calls.count("lookup") <= 600
    assert rig.source.opened[-1] == crashed.offset


def test_a_repeat_of_a_row_from_before_the_checkpoint_is_a_duplicate_after_resuming() -> None:
    rig = Rig(steam_file([*range(1, 251), 1]))

    def crash(state: ImportState) -> None:
        raise Crash

    rig.config.on_checkpoint = crash
    rig.config.concurrency = 1
    with pytest.raises(Crash):
        rig.run()
    rig.config.on_checkpoint = None
    _, state = rig.run()
    assert (state.counts.duplicates_in_file, state.counts.existing) == (1, 0)
    assert_each_created_once(rig.api, range(1, 251))


def test_a_hop_out_of_time_pauses_at_a_checkpoint_and_the_next_hop_reconciles_nothing() -> None:
    rig = Rig(steam_file(range(1, 451)))
    rig.config.hop_reserve_seconds = 60.0
    outcome, state = rig.run(seconds=30.0)
    assert outcome is RunOutcome.PAUSED
    # At least one segment per hop, so a chain of hops always progresses.
    assert state.next_seq >= 1
    assert rig.state().reserved_seq == rig.state().next_seq
    rig.config.hop_reserve_seconds = 0.0
    rig.api.calls.clear()
    outcome, state = rig.run()
    assert outcome is RunOutcome.COMPLETED
    assert "lookup" not in rig.api.calls
    assert state.counts.created == 450
    assert_each_created_once(rig.api, range(1, 451))


def run_in_two_hops(rig: Rig) -> ImportState:
    """The first hop pauses after its first segment; the next one replays it, then finishes."""
    rig.config.hop_reserve_seconds = 60.0
    outcome, paused = rig.run()
    assert outcome is RunOutcome.PAUSED
    assert 2 <= paused.line < rig.data.count(b"\n")  # line 2 on the first hop, the last line on the next
    rig.config.hop_reserve_seconds = 0.0
    outcome, state = rig.run()
    assert outcome is RunOutcome.COMPLETED
    return state


def repeated_on_the_last_line(first: list[str]) -> list[list[str]]:
    """Rows for steam(1..410): line 2 is ``first``, the last line repeats steam(1) validly, in a
    later segment than line 2 (read by the second hop)."""
    rows = [[steam(n), f"name{n}", ""] for n in range(1, 2 * CHUNK_SIZE + 11)]
    rows[0] = first
    rows[-1] = [steam(1), "later", ""]
    return rows


def test_a_row_rejected_as_too_large_does_not_make_its_later_repeat_a_duplicate_after_a_hop() -> None:
    rows = repeated_on_the_last_line([steam(1), "big", "x" * (MAX_ROW_CHARS + 10)])
    rig = Rig(csv_text(["steam_id", "name", "notes"], rows).encode())
    state = run_in_two_hops(rig)
    assert [c.name for c in rig.api.customers if c.steam_id == steam(1)] == ["later"]
    assert (state.counts.rejected, state.counts.duplicates_in_file) == (1, 0)


def test_a_row_rejected_as_undecodable_does_not_make_its_later_repeat_a_duplicate_after_a_hop() -> None:
    # 0x81 is undefined in Windows-1252: line 2 is read as cp1252 with U+FFFD, and rejected.
    rows = repeated_on_the_last_line([steam(1), "Zo\u00eb", ""])
    data = csv_text(["steam_id", "name", "notes"], rows).encode("cp1252").replace(b"Zo\xeb", b"Zo\x81", 1)
    rig = Rig(data)
    state = run_in_two_hops(rig)
    assert [c.name for c in rig.api.customers if c.steam_id == steam(1)] == ["later"]
    assert (state.counts.rejected, state.counts.duplicates_in_file) == (1, 0)


def test_a_utf8_row_holding_a_replacement_character_is_rejected_on_every_hop_alike() -> None:
    # In a UTF-8 file U+FFFD marks text an earlier conversion lost: line 2 is rejected whichever
    # hop reads it, so the repeat on the last line is imported, never counted as its duplicate.
    rows = repeated_on_the_last_line([steam(1), "Zo\ufffd", ""])
    rig = Rig(csv_text(["steam_id", "name", "notes"], rows).encode())
    state = run_in_two_hops(rig)
    assert [c.name for c in rig.api.customers if c.steam_id == steam(1)] == ["later"]
    assert (state.counts.rejected, state.counts.duplicates_in_file) == (1, 0)


def test_a_segment_that_runs_out_of_time_stays_reserved_and_is_reconciled_next_hop() -> None:
    api = FakeCustomersApi(fail={"bulk": [RateLimitedError("slow down", status=429, retry_after=3600)]})
    rig = Rig(steam_file(range(1, 11)), api=api)
    outcome, state = rig.run(seconds=30.0)
    assert outcome is RunOutcome.PAUSED
    assert (state.next_seq, api.customers) == (0, [])
    assert rig.state().reserved_seq > 0
    outcome, state = rig.run()
    assert outcome is RunOutcome.COMPLETED
    assert api.calls.count("lookup") == 10
    assert state.counts.created == 10


def test_a_refused_api_key_fails_the_import_with_the_reason() -> None:
    api = FakeCustomersApi(fail={"bulk": [UnauthorizedError("unknown key", status=401)]})
    rig = Rig(steam_file(range(1, 11)), api=api)
    outcome, state = rig.run()
    assert outcome is RunOutcome.FAILED
    assert state.error is not None
    assert "unknown key" in state.error


def test_a_file_without_an_identifier_column_is_rejected_before_any_paynow_call() -> None:
    rig = Rig(b"name,email\nAnn,a@example.com\n")
    outcome, state = rig.run()
    assert outcome is RunOutcome.REJECTED
    assert state.error
    assert rig.api.calls == []


def test_a_dry_run_counts_valid_rows_and_calls_nobody() -> None:
    rig = Rig(steam_file([1, 2, 2, 3]) + b"bad,row\n", dry_run=True)
    outcome, state = rig.run()
    assert outcome is RunOutcome.COMPLETED
    assert (state.counts.valid, state.counts.duplicates_in_file, state.counts.rejected) == (3, 1, 1)
    assert rig.api.calls == []
