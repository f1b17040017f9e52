"""The client's retry behaviour, end to end through httpx: no duplicate writes, bounded by the deadline."""

from __future__ import annotations

from collections.abc import Callable
from email.utils import formatdate

import httpx
import pytest
from paynow.client import PayNowClient
from paynow.errors import RateLimitedError, ServerError, TransportError
from paynow.models import CustomerUpsert, LookupKey

from tests.support.fake_clock import FakeClock
from tests.support.scripted_paynow import (
    CUSTOMER_ID,
    WALL_NOW,
    ScriptedPayNow,
    Step,
    customer_json,
    error_response,
    json_response,
)

MakeClient = Callable[..., PayNowClient]


def rate_limited(retry_after: str | None = None) -> httpx.Response:
    response = error_response(429, "rate-limited", "Too many requests")
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


def server_error(status: int = 500) -> httpx.Response:
    return error_response(status, "internal-server-error", "Internal server error")


WRITES: dict[str, Callable[[PayNowClient], object]] = {
    "create": lambda c: c.create_customer(CustomerUpsert(name="x")),
    "bulk": lambda c: c.bulk_create_customers([CustomerUpsert(name="x")]),
    "token": lambda c: c.create_customer_token(CUSTOMER_ID),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
@pytest.mark.parametrize(
    "failure",
    [
        lambda: server_error(500),
        lambda: server_error(503),
        lambda: httpx.ReadTimeout,
        lambda: httpx.ReadError,
    ],
    ids=["500", "503", "read-timeout", "dropped"],
)
def test_non_idempotent_posts_are_never_sent_twice_after_an_ambiguous_failure(
    make_client: MakeClient, write: Callable[[PayNowClient], object], failure: Callable[[], Step]
) -> None:
    api = ScriptedPayNow(failure(), json_response(200, customer_json()))
    with pytest.raises((ServerError, TransportError)):
        write(make_client(api))
    assert len(api.requests) == 1


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_non_idempotent_posts_are_retried_after_a_connect_error(
    make_client: MakeClient, write: Callable[[PayNowClient], object], fake_time: FakeClock
) -> None:
    success = json_response(200, [customer_json()] if write is WRITES["bulk"] else customer_json())
    if write is WRITES["token"]:
        success = json_response(200, {"token": "t"})
    api = ScriptedPayNow(httpx.ConnectError, httpx.ConnectTimeout, success)
    write(make_client(api))
    assert len(api.requests) == 3
    assert len(fake_time.sleeps) == 2


def test_create_is_retried_after_429_honouring_retry_after_seconds(
    make_client: MakeClient, fake_time: FakeClock
) -> None:
    api = ScriptedPayNow(rate_limited("2"), json_response(200, customer_json()))
    customer = make_client(api).create_customer(CustomerUpsert(name="x"))
    assert customer.id == CUSTOMER_ID
    assert len(api.requests) == 2
    assert fake_time.sleeps == [2.0]


def test_retry_after_http_date_is_honoured(make_client: MakeClient, fake_time: FakeClock) -> None:
    api = ScriptedPayNow(
        rate_limited(formatdate(WALL_NOW + 4, usegmt=True)), json_response(200, customer_json())
    )
    make_client(api).create_customer(CustomerUpsert(name="x"))
    assert fake_time.sleeps == pytest.approx([4.0])


def test_429_without_retry_after_backs_off_exponentially_with_jitter(
    make_client: MakeClient, fake_time: FakeClock
) -> None:
    api = ScriptedPayNow(rate_limited(), rate_limited(), rate_limited(), json_response(200, customer_json()))
    make_client(api).create_customer(CustomerUpsert(name="x"))
    # random() is pinned at 0.5: half of 0.2, 0.4, 0.8.
    assert fake_time.sleeps == pytest.approx([0.1, 0.2, 0.4])


@pytest.mark.parametrize(
    "failure",
    [
        lambda: server_error(500),
        lambda: server_error(502),
        lambda: httpx.ReadTimeout,
        lambda: httpx.RemoteProtocolError,
    ],
    ids=["500", "502", "read-timeout", "dropped"],
)
def test_lookup_is_retried_after_5xx_timeouts_and_drops(
    make_client: MakeClient, failure: Callable[[], Step]
) -> None:
    api = ScriptedPayNow(failure(), failure(), json_response(200, customer_json()))
    customer = make_client(api).lookup_customer(LookupKey.STEAM_ID, "76561197960287930")
    assert customer is not None
    assert len(api.requests) == 3


IDEMPOTENT: dict[str, Callable[[PayNowClient], object]] = {
    "get": lambda c: c.get_customer(CUSTOMER_ID),
    "list": lambda c: c.list_customers(),
    "update": lambda c: c.update_customer(CUSTOMER_ID, CustomerUpsert(name="x")),
    "invalidate": lambda c: c.invalidate_customer_tokens(CUSTOMER_ID),
}


@pytest.mark.parametrize("call", IDEMPOTENT.values(), ids=IDEMPOTENT.keys())
def test_idempotent_operations_are_retried_after_a_5xx(
    make_client: MakeClient, call: Callable[[PayNowClient], object]
) -> None:
    ok = json_response(200, [customer_json()] if call is IDEMPOTENT["list"] else customer_json())
    if call is IDEMPOTENT["invalidate"]:
        ok = httpx.Response(204)
    api = ScriptedPayNow(server_error(503), ok)
    call(make_client(api))
    assert len(api.requests) == 2
    # PATCH resends the very same body.
    assert api.requests[0].content == api.requests[1].content


def test_the_deadline_bounds_a_lookup_that_keeps_failing(
    make_client: MakeClient, fake_time: FakeClock
) -> None:
    api = ScriptedPayNow(server_error(503))
    start = fake_time.now
    with pytest.raises(ServerError):
        make_client(api).lookup_customer(LookupKey.NAME, "x", deadline=fake_time.deadline(1.0))
    # Waits of 0.1, 0.2, 0.4 fit in 1 s; the next (0.8) would not.
    assert len(api.requests) == 4
    assert fake_time.now - start < 1.0


def test_a_long_retry_after_beyond_the_deadline_raises_at_once(
    make_client: MakeClient, fake_time: FakeClock
) -> None:
    api = ScriptedPayNow(rate_limited("30"), json_response(200, customer_json()))
    with pytest.raises(RateLimitedError) as info:
        make_client(api).get_customer(CUSTOMER_ID, deadline=fake_time.deadline(10))
    assert info.value.retry_after == 30.0
    assert fake_time.sleeps == []
    assert len(api.requests) == 1


def test_each_attempt_timeout_is_capped_by_the_time_left(
    make_client: MakeClient, fake_time: FakeClock
) -> None:
    api = ScriptedPayNow(json_response(200, customer_json()))
    make_client(api).get_customer(CUSTOMER_ID, deadline=fake_time.deadline(2.5))
    timeouts = api.requests[0].extensions["timeout"]
    assert timeouts == {"connect": 2.5, "read": 2.5, "write": 2.5, "pool": 2.5}


def test_without_a_tight_deadline_the_configured_timeouts_apply(
    make_client: MakeClient, fake_time: FakeClock
) -> None:
    api = ScriptedPayNow(json_response(200, customer_json()))
    make_client(api).get_customer(CUSTOMER_ID, deadline=fake_time.deadline(300))
    assert api.requests[0].extensions["timeout"] == {"connect": 3.0, "read": 15.0, "write": 10.0, "pool": 5.0}


def test_an_expired_deadline_sends_nothing(make_client: MakeClient, fake_time: FakeClock) -> None:
    api = ScriptedPayNow(json_response(200, customer_json()))
    with pytest.raises(TransportError) as info:
        make_client(api).create_customer(CustomerUpsert(name="x"), deadline=fake_time.deadline(0))
    assert info.value.request_sent is False
    assert api.requests == []


def test_retries_are_logged_without_bodies(make_client: MakeClient, caplog: pytest.LogCaptureFixture) -> None:
    api = ScriptedPayNow(server_error(503), json_response(200, customer_json(name="Secret Person")))
    with caplog.at_level("DEBUG"):
        make_client(api).get_customer(CUSTOMER_ID)
    retries = [r for r in caplog.records if r.getMessage() == "PayNow call failed, retrying"]
    assert len(retries) == 1
    assert retries[0].__dict__["operation"] == "get_customer"
    assert retries[0].__dict__["status"] == 503
    assert "Secret Person" not in caplog.text
