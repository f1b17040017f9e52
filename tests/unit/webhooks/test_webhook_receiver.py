"""The receiver's decisions with in-memory ports: exactly once onto the bus, failures retried,
refusals never published, rotation picked up without a flood of secret reads."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from customers.webhooks.ports import ClaimOutcome
from customers.webhooks.receiver import WebhookReceiver, WebhookUnavailableError
from customers.webhooks.signature import WebhookRefusedError, sign

SECRET = "whsec_receiver_test_secret"
NOW_S = 1_800_000_000.0


@dataclass
class Secrets:
    values: list[str] = field(default_factory=lambda: [SECRET])
    stored: list[str] | None = None  # what a re-read returns (a rotation), when set
    reads: int = 0
    refreshes: int = 0
    fail: bool = False

    def current(self, *, refresh: bool = False) -> Sequence[str]:
        if self.fail:
            raise ConnectionError("secrets manager unreachable")
        self.reads += 1
        if refresh:
            self.refreshes += 1
            if self.stored is not None:
                self.values = self.stored
        return self.values


@dataclass
class Ledger:
    items: dict[str, tuple[str, str]] = field(default_factory=dict)  # event id -> (state, owner)
    fail_claim: bool = False
    fail_mark: bool = False
    released: list[str] = field(default_factory=list)

    def claim(self, event_id: str, owner: str) -> ClaimOutcome:
        if self.fail_claim:
            raise ConnectionError("dynamodb unreachable")
        if event_id not in self.items:
            self.items[event_id] = ("publishing", owner)
            return ClaimOutcome.CLAIMED
        state, holder = self.items[event_id]
        if state == "published":
            return ClaimOutcome.PUBLISHED
        return ClaimOutcome.CLAIMED if holder == owner else ClaimOutcome.IN_PROGRESS

    def mark_published(self, event_id: str, owner: str) -> None:
        if self.fail_mark:
            raise ConnectionError("dynamodb unreachable")
        self.items[event_id] = ("published", owner)

    def release(self, event_id: str, owner: str) -> None:
        self.released.append(event_id)
        del self.items[event_id]


@dataclass
class Bus:
    published: list[dict[str, Any]] = field(default_factory=list)
    fail: bool = False

    def publish(self, envelope: dict[str, Any], raw_body: bytes) -> None:
        if self.fail:
            raise ConnectionError("eventbridge unreachable")
        self.published.append(envelope)


@dataclass
class World:
    secrets: Secrets = field(default_factory=Secrets)
    ledger: Ledger = field(default_factory=Ledger)
    bus: Bus = field(default_factory=Bus)
    now: float = NOW_S

    def receiver(self, **options: Any) -> WebhookReceiver:
        return WebhookReceiver(self.secrets, self.ledger, self.bus, clock=lambda: self.now, **options)


def body(event_id: str = "411486491630370816", event_type: str = "ON_CHARGEBACK") -> bytes:
    return json.dumps({"event_type": event_type, "event_id": event_id, "body": {"id": "1"}}).encode()


def signed(raw: bytes, secret: str = SECRET, now_s: float = NOW_S) -> dict[str, str]:
    timestamp = str(int(now_s * 1000))
    return {"paynow-timestamp": timestamp, "paynow-signature": sign(secret, timestamp, raw)}


def test_a_valid_delivery_is_published_once_and_repeats_answer_without_publishing() -> None:
    world = World()
    receiver = world.receiver()
    raw = body()
    first = receiver.receive(signed(raw), raw, owner="req-1")
    again = receiver.receive(signed(raw), raw, owner="req-2")
    assert (first.duplicate, again.duplicate) == (False, True)
    assert world.bus.published == [json.loads(raw)]
    assert again.body() == {"received": True, "event_id": "411486491630370816", "duplicate": True}


def test_a_repeat_while_the_first_is_publishing_is_told_to_retry() -> None:
    world = World()
    world.ledger.items["411486491630370816"] = ("publishing", "req-1")
    raw = body()
    with pytest.raises(WebhookRefusedError) as refused:
        world.receiver().receive(signed(raw), raw, owner="req-2")
    assert (refused.value.status, refused.value.code) == (409, "in_progress")
    assert world.bus.published == []


def test_a_failure_before_publishing_releases_the_claim_so_the_retry_publishes() -> None:
    world = World()
    world.bus.fail = True
    receiver = world.receiver()
    raw = body()
    with pytest.raises(WebhookUnavailableError):
        receiver.receive(signed(raw), raw, owner="req-1")
    assert world.ledger.released == ["411486491630370816"]
    world.bus.fail = False
    assert receiver.receive(signed(raw), raw, owner="req-2").duplicate is False
    assert len(world.bus.published) == 1


def test_an_unreachable_ledger_or_secret_store_answers_unavailable_and_publishes_nothing() -> None:
    world = World()
    world.ledger.fail_claim = True
    raw = body()
    with pytest.raises(WebhookUnavailableError):
        world.receiver().receive(signed(raw), raw, owner="req-1")
    world = World()
    world.secrets.fail = True
    with pytest.raises(WebhookUnavailableError):
        world.receiver().receive(signed(raw), raw, owner="req-1")
    assert world.bus.published == []


def test_published_but_not_marked_still_answers_success() -> None:
    """The event is on the bus: a non-2xx would make PayNow retry and publish it twice."""
    world = World()
    world.ledger.fail_mark = True
    raw = body()
    assert world.receiver().receive(signed(raw), raw, owner="req-1").duplicate is False
    assert len(world.bus.published) == 1


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"not json", "malformed_event"),
        (b"[]", "malformed_event"),
        (b'{"event_type": "ON_CHARGEBACK", "event_id": "1"}', "malformed_event"),
        (b'{"event_type": "on chargeback", "event_id": "1", "body": {}}', "malformed_event"),
        (b'{"event_type": "ON_CHARGEBACK", "event_id": "abc", "body": {}}', "malformed_event"),
        (b'{"event_type": "ON_CHARGEBACK", "event_id": "1", "body": []}', "malformed_event"),
    ],
)
def test_a_signed_body_that_is_not_an_envelope_is_refused(raw: bytes, code: str) -> None:
    world = World()
    with pytest.raises(WebhookRefusedError) as refused:
        world.receiver().receive(signed(raw), raw, owner="req-1")
    assert (refused.value.status, refused.value.code) == (400, code)
    assert world.ledger.items == {}


def test_an_oversized_body_is_refused_before_anything_is_read() -> None:
    world = World()
    raw = body() + b" " * 100
    with pytest.raises(WebhookRefusedError) as refused:
        world.receiver(max_body_bytes=50).receive(signed(raw), raw, owner="req-1")
    assert refused.value.status == 413
    assert world.secrets.reads == 0


def test_a_rotated_secret_is_picked_up_by_one_re_read_at_most_every_interval() -> None:
    world = World()
    world.secrets.stored = [SECRET, "whsec_new_after_rotation"]
    receiver = world.receiver(refresh_interval_s=3600)
    raw = body()
    assert receiver.receive(signed(raw, "whsec_new_after_rotation"), raw, owner="req-1").duplicate is False
    assert world.secrets.refreshes == 1
    forged = body("411486491630370817")
    for _ in range(20):
        with pytest.raises(WebhookRefusedError):
            receiver.receive(signed(forged, "forged-secret-value"), forged, owner="req-x")
    assert world.secrets.refreshes == 1


def test_stale_and_future_deliveries_are_refused_before_the_signature() -> None:
    world = World()
    raw = body()
    for skew in (-301, 61):
        with pytest.raises(WebhookRefusedError):
            world.receiver().receive(signed(raw, now_s=NOW_S + skew), raw, owner="req-1")
    assert world.bus.published == []
