"""Flake ids: PayNow's epoch and 41/10/12 layout, monotonic and unique across threads."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from paynow_emulator import PAYNOW_EPOCH_MS, FlakeGenerator, flake_datetime, parse_flake


def test_layout_is_timestamp_node_counter() -> None:
    now_ms = PAYNOW_EPOCH_MS + 123_456
    generator = FlakeGenerator(node=5, clock_ms=lambda: now_ms)

    first, second = generator.next_id(), generator.next_id()

    assert first >> 22 == 123_456
    assert (first >> 12) & 0x3FF == 5
    assert first & 0xFFF == 0
    assert second & 0xFFF == 1
    assert flake_datetime(first) == datetime.fromtimestamp(now_ms / 1000, tz=UTC)


def test_epoch_is_2022_02_22() -> None:
    assert flake_datetime(0) == datetime(2022, 2, 22, 22, 22, 22, tzinfo=UTC)


def test_known_paynow_id_decodes_to_a_plausible_date() -> None:
    moment = flake_datetime(411486491630370816)
    assert datetime(2024, 1, 1, tzinfo=UTC) < moment < datetime(2026, 1, 1, tzinfo=UTC)


def test_counter_overflow_and_clock_going_back_stay_monotonic() -> None:
    times = iter([PAYNOW_EPOCH_MS + 10] * 5000 + [PAYNOW_EPOCH_MS + 5] * 10)
    generator = FlakeGenerator(clock_ms=lambda: next(times))
    ids = [generator.next_id() for _ in range(5010)]
    assert ids == sorted(set(ids))


def test_unique_across_threads() -> None:
    generator = FlakeGenerator()
    results: list[list[int]] = [[] for _ in range(50)]

    def work(bucket: list[int]) -> None:
        bucket.extend(generator.next_id() for _ in range(200))

    threads = [threading.Thread(target=work, args=(bucket,)) for bucket in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [flake for bucket in results for flake in bucket]
    assert len(set(everything)) == len(everything) == 10_000
    assert all(bucket == sorted(bucket) for bucket in results)


@given(st.integers(min_value=1, max_value=(1 << 63) - 1))
def test_parse_flake_round_trips_every_positive_int64(number: int) -> None:
    assert parse_flake(str(number)) == number


@given(st.text())
def test_parse_flake_accepts_only_canonical_decimals(text: str) -> None:
    parsed = parse_flake(text)
    if parsed is not None:
        assert str(parsed) == text
        assert 1 <= parsed < 1 << 63


def test_parse_flake_rejects_edge_cases() -> None:
    for bad in ["", "0", "007", "-1", "+1", " 1", "1e5", "\uff19", str(1 << 63)]:
        assert parse_flake(bad) is None, bad
