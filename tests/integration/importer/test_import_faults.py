"""Exactly-once under failure: ambiguous writes, storms of 5xx, drops and 429s, and a property test."""

from __future__ import annotations

import io
import uuid
from typing import BinaryIO, NoReturn

import pytest
from customers.common.deadline import Deadline
from customers.importer.config import ImportConfig
from customers.importer.model.state import ImportStatus
from customers.importer.ports import ObjectVersion
from customers.importer.service import ImportService
from customers.importer.triggers import ImportRequest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from import_tools.stores import MemoryCheckpointStore, MemoryReportStore
from paynow_emulator import Faults, PayNowEmulator
from paynow_emulator.faults import RateLimit

from tests.support.import_memory import csv_text, steam
from tests.support.import_stack import (
    ImportStack,
    assert_invariant,
    assert_no_duplicates,
    emulator_client,
)


def _rows(n: int) -> list[list[str]]:
    return [[steam(i), f"name{i}", "" if i % 3 else "tag"] for i in range(1, n + 1)]


@pytest.mark.parametrize(
    "faults",
    [
        Faults(commit_then_fail="500", commit_then_fail_rate=0.5, operations=frozenset({"bulk"}), seed=1),
        Faults(
            commit_then_fail="timeout",
            commit_then_fail_rate=0.5,
            hang_s=0.0,
            operations=frozenset({"bulk"}),
            seed=2,
        ),
        Faults(error_rate=0.3, drop_rate=0.2, seed=3),
        Faults(rate_limit=RateLimit(per_second=5.0, burst=1), retry_after_header=False, seed=4),
        Faults(
            rate_limit=RateLimit(per_second=400.0, burst=4),
            retry_after_header=False,
            error_rate=0.2,
            drop_rate=0.1,
            commit_then_fail="500",
            commit_then_fail_count=2,
            seed=5,
        ),
    ],
    ids=["commit-then-500", "commit-then-timeout", "5xx-and-drop-storm", "429-storm", "everything"],
)
def test_no_duplicates_and_nothing_lost_under_faults(import_stack: ImportStack, faults: Faults) -> None:
    import_stack.put("incoming/storm.csv", csv_text(["steam_id", "name", "metadata.tag"], _rows(1000)))
    import_stack.emu.faults = faults
    summary = import_stack.run("incoming/storm.csv", concurrency=4)
    import_stack.emu.faults = Faults()
    assert summary.status is ImportStatus.COMPLETED
    assert_invariant(summary)
    assert summary.counts.created == 1000
    assert import_stack.emu.inspect.count() == 1000
    assert_no_duplicates(import_stack)
    assert set(import_stack.customers_by("steam_id")) == {steam(i) for i in range(1, 1001)}
    assert any(r.fault for r in import_stack.emu.inspect.requests)


def test_crash_after_an_ambiguous_write_then_resume(import_stack: ImportStack) -> None:
    """The invocation dies while PayNow committed a chunk it never confirmed; the retry reconciles."""
    import_stack.put("incoming/amb.csv", csv_text(["steam_id", "name", "metadata.tag"], _rows(600)))
    import_stack.emu.faults = Faults(commit_then_fail="timeout", commit_then_fail_count=1, hang_s=0.0)
    calls = 0
    original = import_stack.client.lookup_customer

    # The reconcile that would follow the timeout never happens.
    def dying_lookup(*args: object, **kwargs: object) -> NoReturn:
        nonlocal calls
        calls += 1
        raise SystemExit("invocation killed")

    import_stack.client.lookup_customer = dying_lookup  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        import_stack.run("incoming/amb.csv", concurrency=1, lease_seconds=0.5)
    import_stack.client.lookup_customer = original  # type: ignore[method-assign]
    # The unconfirmed chunk is in PayNow (plus any chunk already in flight when the invocation died).
    assert import_stack.emu.inspect.count() in (200, 400)
    summary = import_stack.run("incoming/amb.csv", concurrency=2)
    assert summary.counts.created == 600
    assert import_stack.emu.inspect.count() == 600
    assert_no_duplicates(import_stack)


_valid = st.integers(min_value=1, max_value=60).map(lambda i: [steam(i), f"n{i}"])
_invalid = st.sampled_from(
    [["7.65612E+16", "x"], ["76561198000000001.0", "y"], ["", "noid"], ["12", "small"]]
)
_existing_ids = st.sets(st.integers(min_value=1, max_value=60), max_size=10)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.one_of(_valid, _invalid), min_size=1, max_size=450),
    existing=_existing_ids,
    error_rate=st.sampled_from([0.0, 0.2]),
)
def test_property_invariant_and_every_valid_row_in_paynow_once(
    rows: list[list[str]], existing: set[int], error_rate: float
) -> None:
    emu = PayNowEmulator()
    client = emulator_client(emu)
    for i in existing:
        client.bulk_create_customers([__import__("paynow.models").models.CustomerUpsert(steam_id=steam(i))])
    emu.faults = Faults(
        error_rate=error_rate,
        commit_then_fail="500" if error_rate else None,
        commit_then_fail_rate=error_rate,
        seed=len(rows),
    )
    data = csv_text(["steam_id", "name"], rows).encode()
    service = ImportService(
        source=_BytesSource(data),
        reports=MemoryReportStore(),
        checkpoints=MemoryCheckpointStore(),
        api=client,
        events=None,
        continuer=None,
        config=ImportConfig(
            reports_prefix="reports/", incoming_prefix="incoming/", concurrency=3, hop_reserve_seconds=0.0
        ),
    )
    summary = service.handle(
        ImportRequest(bucket="bkt", key="incoming/p.csv"),
        deadline=Deadline.after(120),
        owner=str(uuid.uuid4()),
    )
    emu.faults = Faults()
    c = summary.counts
    assert c.total == len(rows)
    assert c.created + c.existing + c.updated + c.rejected + c.duplicates_in_file == c.total
    valid_ids = {r[0] for r in rows if r[0].isdigit() and len(r[0]) == 17}
    in_paynow = [cust["steam_id"] for cust in emu.inspect.customers()]
    assert sorted(in_paynow) == sorted(set(in_paynow))  # once each
    assert valid_ids | {steam(i) for i in existing} == set(in_paynow)
    assert c.created + c.existing == len(valid_ids)
    assert c.duplicates_in_file == sum(1 for r in rows if r[0] in valid_ids) - len(valid_ids)
    client.close()


class _BytesSource:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def head(self, bucket: str, key: str, version_id: str | None) -> ObjectVersion:
        return ObjectVersion(bucket, key, "v1", "etag", len(self._data))

    def open(self, version: ObjectVersion, offset: int) -> BinaryIO:
        stream = io.BufferedReader(io.BytesIO(self._data))
        stream.seek(offset)
        return stream
