"""Files built to hurt the importer: oversized headers and rows, unreadable tails, failing final writes."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

import pytest
from customers.importer.model.state import ImportState, ImportStatus
from customers.importer.ports import CheckpointStore, EventPublisher
from customers.importer.reading.csvreader import HEADER_LIMIT, MAX_HEADER_COLUMNS

from tests.support.import_memory import csv_text, steam
from tests.support.import_stack import BUCKET, ForwardingCheckpoints, ImportStack, assert_invariant


class FailFinalSaveOnce(ForwardingCheckpoints):
    """The checkpoint store, except that the first write of a finished import fails (as a DynamoDB
    error or a crash would); every other call goes through."""

    def __init__(self, store: CheckpointStore) -> None:
        super().__init__(store)
        self.failed = False

    def save(self, state: ImportState, *, owner: str, lease_seconds: float) -> None:
        if state.status is not ImportStatus.RUNNING and not self.failed:
            self.failed = True
            raise RuntimeError("the final checkpoint write failed")
        self._store.save(state, owner=owner, lease_seconds=lease_seconds)


class FailFirstPublish:
    def __init__(self, events: EventPublisher) -> None:
        self._events = events
        self.failed = False

    def publish(self, detail_type: str, detail: Mapping[str, Any]) -> None:
        if not self.failed:
            self.failed = True
            raise RuntimeError("crashed before the event went out")
        self._events.publish(detail_type, detail)


def _rows(stack: ImportStack, name: str) -> list[list[str]]:
    body = stack.s3.get_object(Bucket=BUCKET, Key=name)["Body"].read().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_control_character_header_is_rejected_with_one_failed_event_even_when_retried(
    import_stack: ImportStack,
) -> None:
    # 16,000 control-character columns fit the header's byte limit but once JSON-escaped overflowed
    # the checkpoint item; the event was published on every retry.
    data = ",".join(["steam_id"] + ["\x01"] * 16_000).encode() + b"\n" + steam(1).encode() + b"\n"
    assert len(data) < HEADER_LIMIT
    import_stack.put("incoming/control.csv", data)
    first = import_stack.run("incoming/control.csv")
    again = import_stack.run("incoming/control.csv")
    assert first.status is again.status is ImportStatus.REJECTED
    assert first.error is not None
    assert "columns; the limit is" in first.error
    assert [e["detail-type"] for e in import_stack.events()] == ["Import Failed"]
    assert import_stack.emu.inspect.requests == []


def test_the_widest_header_allowed_keeps_checkpoint_and_summary_within_dynamodb_item_limit(
    import_stack: ImportStack,
) -> None:
    # Backslashes double when JSON-escaped: the largest checkpoint a header under the limits can make.
    # moto refuses DynamoDB items over 400 KB, as DynamoDB does.
    width = (HEADER_LIMIT - 100) // (MAX_HEADER_COLUMNS - 1) - 1
    header = ["steam_id"] + [f"{i:03d}" + "\\" * (width - 3) for i in range(MAX_HEADER_COLUMNS - 1)]
    data = csv_text(header, [[steam(i)] + [""] * (MAX_HEADER_COLUMNS - 1) for i in range(1, 4)])
    assert len(data.splitlines()[0].encode()) < HEADER_LIMIT
    import_stack.put("incoming/wide-header.csv", data)
    summary = import_stack.run("incoming/wide-header.csv")
    assert summary.status is ImportStatus.COMPLETED
    assert summary.counts.created == 3
    assert len(summary.unknown_columns) == 21
    assert summary.unknown_columns[-1] == f"... and {MAX_HEADER_COLUMNS - 21} more"
    assert [e["detail-type"] for e in import_stack.events()] == ["Import Completed"]


def test_completed_event_is_published_once_when_the_final_checkpoint_write_fails(
    import_stack: ImportStack,
) -> None:
    import_stack.put("incoming/once.csv", csv_text(["steam_id"], [[steam(i)] for i in range(1, 6)]))
    failing: list[FailFinalSaveOnce] = []

    def wrap(store: CheckpointStore) -> CheckpointStore:
        failing.append(FailFinalSaveOnce(store))
        return failing[-1]

    service = import_stack.service(lease_seconds=0.5, wrap_checkpoints=wrap)
    with pytest.raises(RuntimeError, match="final checkpoint write failed"):
        import_stack.run("incoming/once.csv", service)
    assert import_stack.events() == []
    summary = import_stack.run("incoming/once.csv", service)  # the platform's retry
    assert summary.status is ImportStatus.COMPLETED
    import_stack.run("incoming/once.csv", service)  # a redelivery later on
    assert [e["detail-type"] for e in import_stack.events()] == ["Import Completed"]
    assert import_stack.emu.inspect.count() == 5


def test_an_outcome_recorded_but_not_yet_published_is_published_by_the_next_delivery(
    import_stack: ImportStack,
) -> None:
    import_stack.put("incoming/late.csv", csv_text(["steam_id"], [[steam(1)]]))
    service = import_stack.service(lease_seconds=0.5, wrap_events=FailFirstPublish)
    with pytest.raises(RuntimeError, match="crashed before the event"):
        import_stack.run("incoming/late.csv", service)
    assert import_stack.events() == []
    first = import_stack.run("incoming/late.csv", service)
    import_stack.run("incoming/late.csv", service)
    assert first.status is ImportStatus.COMPLETED
    assert first.hops == 1  # nothing was imported again: only the event was left to send
    assert [e["detail-type"] for e in import_stack.events()] == ["Import Completed"]


@pytest.mark.parametrize("tail", ["unclosed-quote", "over-long-line"])
def test_text_after_an_unreadable_point_is_never_imported_and_the_rest_is_reported(
    import_stack: ImportStack, tail: str
) -> None:
    # Every line of the tail would be a valid row if the reader resynchronised inside it.
    inside = "".join(f"{steam(i)},inside a cell\n" for i in range(100, 1500))
    broken = '"never closed,x\n' if tail == "unclosed-quote" else "7" * (300 << 10) + "\n"
    data = csv_text(["steam_id", "name"], [[steam(1), "a"], [steam(2), "b"]]) + broken + inside
    import_stack.put("incoming/tail.csv", data)
    summary = import_stack.run("incoming/tail.csv")
    assert summary.status is ImportStatus.COMPLETED
    assert (summary.counts.total, summary.counts.created, summary.counts.rejected) == (3, 2, 1)
    assert_invariant(summary)
    assert summary.error is not None
    assert "line 4 and everything after it was not read" in summary.error
    assert import_stack.emu.inspect.count() == 2
    rejected = import_stack.report(summary)[1:]
    assert [r[:2] for r in rejected] == [["4", "rest_of_file_unread"]]


def test_rows_over_the_size_cap_are_rejected_without_their_cells(import_stack: ImportStack) -> None:
    rows = [[steam(1), "a"], [steam(2), "w" * (100 << 10)], [steam(3), "c"]]
    import_stack.put("incoming/wide-rows.csv", csv_text(["steam_id", "name"], rows))
    summary = import_stack.run("incoming/wide-rows.csv")
    assert (summary.counts.created, summary.counts.rejected) == (2, 1)
    (row,) = import_stack.report(summary)[1:]
    assert row[:2] == ["3", "row_too_large"]
    assert "100 KiB" in row[2]
    assert len("".join(row)) < 500
