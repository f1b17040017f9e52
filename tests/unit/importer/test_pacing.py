"""The import's share of the PayNow quota: back off on 429, creep back up, never above the ceiling."""

from __future__ import annotations

import threading
import time

import pytest
from customers.importer.pacing import Pacer
from paynow.errors import RateLimitedError


def limited() -> None:
    raise RateLimitedError("slow down", status=429, code="rate-limited")


def test_a_429_halves_the_window_and_successes_creep_back_up() -> None:
    pacer = Pacer(8)
    with pytest.raises(RateLimitedError):
        pacer.call(limited)
    assert pacer.limit == 4
    with pytest.raises(RateLimitedError):
        pacer.call(limited)
    assert pacer.limit == 2
    for _ in range(2):
        pacer.call(lambda: None)
    assert pacer.limit == 3  # one more after `limit` successes in a row
    for _ in range(3 + 4 + 5 + 6 + 7 + 20):
        pacer.call(lambda: None)
    assert pacer.limit == 8  # never above the configured concurrency
    assert pacer.rate_limited == 2


def test_the_window_never_goes_below_one() -> None:
    pacer = Pacer(2)
    for _ in range(5):
        with pytest.raises(RateLimitedError):
            pacer.call(limited)
    assert pacer.limit == 1


def test_the_ceiling_spaces_calls_evenly() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        now[0] += seconds

    pacer = Pacer(4, max_per_second=5.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        pacer.call(lambda: None)
    assert slept == [0.2, 0.2, 0.2, 0.2]  # the first call goes at once, then one every 1/5 s


def test_calls_in_flight_never_exceed_the_window() -> None:
    pacer = Pacer(3)
    with pytest.raises(RateLimitedError):
        pacer.call(limited)  # window 1
    in_flight = 0
    most = 0
    guard = threading.Lock()

    def work() -> None:
        nonlocal in_flight, most
        with guard:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.01)
        with guard:
            in_flight -= 1

    threads = [threading.Thread(target=pacer.call, args=(work,)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= most <= 3
    assert pacer.limit <= 3
