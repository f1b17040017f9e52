"""RetryPolicy on its own: which errors are retried, how long it waits, and that the deadline wins."""

from __future__ import annotations

from email.utils import formatdate

import pytest
from hypothesis import given
from hypothesis import strategies as st
from paynow.errors import (
    ConflictError,
    NotFoundError,
    PayNowError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnauthorizedError,
    UnexpectedResponseError,
    ValidationError,
)
from paynow.retry import RetryPolicy

from tests.support.fake_clock import FakeClock
from tests.support.scripted_paynow import WALL_NOW

CONNECT = TransportError("refused", request_sent=False)
TIMEOUT = TransportError("read timeout", request_sent=True)


@pytest.mark.parametrize(
    ("error", "idempotent", "expected"),
    [
        (RateLimitedError("slow down", status=429), False, True),
        (RateLimitedError("slow down", status=429), True, True),
        (CONNECT, False, True),
        (CONNECT, True, True),
        (TIMEOUT, False, False),
        (TIMEOUT, True, True),
        (ServerError("boom", status=500), False, False),
        (ServerError("boom", status=503), True, True),
        (ValidationError("bad", status=400), True, False),
        (UnauthorizedError("who", status=401), True, False),
        (NotFoundError("none", status=404), True, False),
        (ConflictError("taken", status=409), True, False),
        (UnexpectedResponseError("garbage", status=200), True, False),
    ],
)
def test_which_errors_are_retried(error: PayNowError, idempotent: bool, expected: bool) -> None:
    assert RetryPolicy().should_retry(error, idempotent=idempotent) is expected


@given(st.integers(min_value=0, max_value=30), st.floats(min_value=0, max_value=0.999999))
def test_backoff_is_full_jitter_under_a_capped_exponential(retry_number: int, draw: float) -> None:
    policy = RetryPolicy(base_delay=0.2, max_delay=5.0, random=lambda: draw)
    ceiling = min(5.0, 0.2 * 2**retry_number)
    assert policy.backoff(retry_number) == pytest.approx(draw * ceiling)
    assert 0 <= policy.backoff(retry_number) <= 5.0


def test_retry_after_in_seconds() -> None:
    policy = RetryPolicy(wall_clock=lambda: WALL_NOW)
    assert policy.parse_retry_after("7") == 7.0
    assert policy.parse_retry_after(" 0 ") == 0.0
    assert policy.parse_retry_after("1.5") == 1.5


def test_retry_after_as_http_date_is_relative_to_the_wall_clock() -> None:
    policy = RetryPolicy(wall_clock=lambda: WALL_NOW)
    assert policy.parse_retry_after(formatdate(WALL_NOW + 12, usegmt=True)) == pytest.approx(12.0)
    # A date already past means "now", not a negative wait.
    assert policy.parse_retry_after(formatdate(WALL_NOW - 60, usegmt=True)) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "-3", "nan", "inf", "Tue, 99 Foo 2026 00:00:00 GMT"])
def test_unusable_retry_after_is_ignored(value: str | None) -> None:
    assert RetryPolicy(wall_clock=lambda: WALL_NOW).parse_retry_after(value) is None


def test_rate_limit_waits_exactly_retry_after_else_backoff(fake_time: FakeClock) -> None:
    policy = RetryPolicy(sleep=fake_time.sleep, clock=fake_time.monotonic, random=lambda: 0.5, base_delay=1.0)
    failures = [RateLimitedError("x", retry_after=3.0), RateLimitedError("x", retry_after=None)]

    def attempt(remaining: float) -> str:
        if failures:
            raise failures.pop(0)
        return "ok"

    result = policy.run(attempt, idempotent=False, deadline=fake_time.deadline(60), operation="op")
    assert result == "ok"
    assert fake_time.sleeps == [3.0, 1.0]  # Retry-After as given; then 0.5 * 1.0 * 2**1


def test_gives_up_with_the_last_error_when_the_next_wait_does_not_fit(fake_time: FakeClock) -> None:
    policy = RetryPolicy(
        sleep=fake_time.sleep, clock=fake_time.monotonic, random=lambda: 1.0, max_attempts=100
    )
    calls: list[float] = []

    def attempt(remaining: float) -> str:
        calls.append(remaining)
        raise ServerError(f"boom {len(calls)}", status=503)

    with pytest.raises(ServerError, match="boom 4"):
        policy.run(attempt, idempotent=True, deadline=fake_time.deadline(2.0), operation="op")
    # 0.2 + 0.4 + 0.8 = 1.4 s slept; the next wait (1.6 s) would overrun the 0.6 s left.
    assert fake_time.sleeps == pytest.approx([0.2, 0.4, 0.8])
    assert calls == pytest.approx([2.0, 1.8, 1.4, 0.6])


def test_retry_after_longer_than_the_deadline_is_not_waited_for(fake_time: FakeClock) -> None:
    policy = RetryPolicy(sleep=fake_time.sleep, clock=fake_time.monotonic)

    def attempt(remaining: float) -> str:
        raise RateLimitedError("slow down", status=429, retry_after=30.0)

    with pytest.raises(RateLimitedError) as info:
        policy.run(attempt, idempotent=True, deadline=fake_time.deadline(5.0), operation="op")
    assert info.value.retry_after == 30.0
    assert fake_time.sleeps == []


def test_attempts_are_capped_even_with_time_to_spare(fake_time: FakeClock) -> None:
    policy = RetryPolicy(sleep=fake_time.sleep, clock=fake_time.monotonic, max_attempts=3, random=lambda: 0.0)
    calls = 0

    def attempt(remaining: float) -> str:
        nonlocal calls
        calls += 1
        raise CONNECT

    with pytest.raises(TransportError):
        policy.run(attempt, idempotent=False, deadline=fake_time.deadline(600), operation="op")
    assert calls == 3


def test_no_deadline_means_the_default_budget_not_forever(fake_time: FakeClock) -> None:
    policy = RetryPolicy(
        sleep=fake_time.sleep,
        clock=fake_time.monotonic,
        random=lambda: 1.0,
        max_attempts=1000,
        default_budget=3.0,
    )

    def attempt(remaining: float) -> str:
        raise CONNECT

    with pytest.raises(TransportError):
        policy.run(attempt, idempotent=True, deadline=None, operation="op")
    # After 1.4 s of waits, the next 1.6 s wait would leave no time for the attempt itself.
    assert fake_time.sleeps == pytest.approx([0.2, 0.4, 0.8])


def test_an_already_spent_deadline_sends_nothing(fake_time: FakeClock) -> None:
    policy = RetryPolicy(sleep=fake_time.sleep, clock=fake_time.monotonic)

    def attempt(remaining: float) -> str:
        raise AssertionError("must not be called")

    with pytest.raises(TransportError) as info:
        policy.run(attempt, idempotent=True, deadline=fake_time.deadline(0), operation="get_customer")
    assert info.value.request_sent is False
    assert info.value.operation == "get_customer"


def test_a_sleep_that_overruns_the_deadline_re_raises_the_last_error(fake_time: FakeClock) -> None:
    def oversleep(seconds: float) -> None:
        fake_time.sleep(seconds + 10)  # the OS may wake us late

    policy = RetryPolicy(sleep=oversleep, clock=fake_time.monotonic, random=lambda: 1.0)

    def attempt(remaining: float) -> str:
        raise ServerError("the real failure", status=502)

    with pytest.raises(ServerError, match="the real failure"):
        policy.run(attempt, idempotent=True, deadline=fake_time.deadline(5), operation="op")


def test_non_paynow_exceptions_are_not_retried(fake_time: FakeClock) -> None:
    policy = RetryPolicy(sleep=fake_time.sleep, clock=fake_time.monotonic)
    calls = 0

    def attempt(remaining: float) -> str:
        nonlocal calls
        calls += 1
        raise KeyError("bug")

    with pytest.raises(KeyError):
        policy.run(attempt, idempotent=True, deadline=fake_time.deadline(5), operation="op")
    assert calls == 1


@pytest.mark.parametrize(
    "kwargs", [{"max_attempts": 0}, {"base_delay": -1.0}, {"base_delay": 2.0, "max_delay": 1.0}]
)
def test_nonsense_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
