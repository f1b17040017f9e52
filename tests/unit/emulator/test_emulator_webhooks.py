"""Webhook subscriptions as the Management API defines them, and signed deliveries to a receiver.

The receiver here is an httpx.MockTransport (in-process); every API answer is validated against
the official spec by the test client.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from paynow_emulator import PayNowEmulator
from paynow_emulator.flake import parse_flake
from paynow_emulator.signature import sign
from paynow_emulator.webhooks import DeliveryPolicy, envelope_event_type

from tests.support.emulator_clients import STEAM_A, Api

HOOK = "http://receiver.test/webhooks/paynow"


@dataclass
class Receiver:
    """Records each delivery; answers the scripted statuses in order, then 200."""

    statuses: list[int] = field(default_factory=list)
    seen: list[httpx.Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.seen.append(request)
            status = self.statuses.pop(0) if self.statuses else 200
        return httpx.Response(status, text="ok" if status < 300 else "nope")


@pytest.fixture
def receiver(emu: PayNowEmulator) -> Iterator[Receiver]:
    target = Receiver()
    emu.webhooks.transport = httpx.MockTransport(target)
    emu.webhooks.policy = DeliveryPolicy(base_delay_s=0.01, max_delay_s=0.05)
    yield target
    emu.close()


def _subscribe(api: Api, event: str = "OnChargeback", url: str = HOOK) -> dict[str, Any]:
    response = api.http.post(
        f"/v1/stores/{api.emu.store_id}/webhooks",
        json={"url": url, "subscribed_to": event, "type": "json_v1"},
    )
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def _envelope(request: httpx.Request) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(request.content)
    return body


def _signed_with(request: httpx.Request, secret: str) -> bool:
    timestamp = request.headers["PayNow-Timestamp"]
    return request.headers["PayNow-Signature"] == sign(secret, timestamp, request.content)


def test_a_subscription_returns_its_secret_once_and_lists_it_masked(api: Api) -> None:
    created = _subscribe(api)
    assert created["subscribed_to"] == "OnChargeback"
    assert created["type"] == "json_v1"
    assert len(created["secret"]) >= 32
    listed = api.http.get(f"/v1/stores/{api.emu.store_id}/webhooks").json()
    assert [entry["id"] for entry in listed] == [created["id"]]
    assert listed[0]["secret"] != created["secret"]
    assert created["secret"] not in json.dumps(listed)


def test_one_url_subscribed_to_two_events_has_two_secrets(api: Api) -> None:
    first = _subscribe(api, "OnChargeback")
    second = _subscribe(api, "OnRefund")
    assert first["secret"] != second["secret"]
    assert first["id"] != second["id"]


def test_reset_secret_rotates_it_and_returns_the_new_one(api: Api) -> None:
    created = _subscribe(api)
    path = f"/v1/stores/{api.emu.store_id}/webhooks/{created['id']}"
    body = {"url": HOOK, "subscribed_to": "OnChargeback", "reset_secret": True}
    rotated = api.http.patch(path, json=body).json()
    assert rotated["secret"] != created["secret"]
    unchanged = api.http.patch(path, json=body | {"reset_secret": False}).json()
    assert rotated["secret"] not in json.dumps(unchanged)
    assert api.emu.webhooks.secrets_for()[0]["secret"] == rotated["secret"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"url": HOOK, "subscribed_to": "OnChargeback"}, "type"),
        ({"url": HOOK, "subscribed_to": "ON_CHARGEBACK", "type": "json_v1"}, "subscribed_to"),
        ({"url": "ftp://x/y", "subscribed_to": "OnChargeback", "type": "json_v1"}, "url"),
        ({"url": HOOK, "subscribed_to": "OnChargeback", "type": "json_v1", "secret": "mine"}, "secret"),
        ({"url": HOOK, "subscribed_to": "OnChargeback", "type": "xml"}, "type"),
    ],
)
def test_an_invalid_subscription_is_refused_naming_the_field(
    api: Api, body: dict[str, Any], path: str
) -> None:
    response = api.http.post(f"/v1/stores/{api.emu.store_id}/webhooks", json=body)
    assert response.status_code == 400
    assert [error["path"] for error in response.json()["errors"]] == [path]
    assert api.emu.webhooks.secrets_for() == []


def test_unknown_and_deleted_subscriptions_are_404(api: Api) -> None:
    created = _subscribe(api)
    path = f"/v1/stores/{api.emu.store_id}/webhooks/{created['id']}"
    assert api.http.delete(path).status_code == 204
    assert api.http.delete(path).status_code == 404
    assert api.http.get(f"{path}/history").status_code == 404
    assert api.http.delete(f"/v1/stores/{api.emu.store_id}/webhooks/abc").status_code == 400


def test_a_chargeback_is_delivered_signed_with_the_subscription_secret(api: Api, receiver: Receiver) -> None:
    subscription = _subscribe(api)
    customer = api.create(steam_id=STEAM_A)
    before_ms = time.time() * 1000
    triggered = api.emu.trigger_payment_event(customer["id"])
    assert api.emu.webhooks.wait_idle(5)
    [request] = receiver.seen
    assert request.method == "POST"
    assert str(request.url) == HOOK
    assert _signed_with(request, subscription["secret"])
    timestamp = request.headers["PayNow-Timestamp"]
    assert timestamp.isdigit()
    assert before_ms - 1000 <= int(timestamp) <= time.time() * 1000 + 1000
    envelope = _envelope(request)
    assert envelope["event_type"] == "ON_CHARGEBACK"
    assert envelope["event_id"] == triggered["event_id"]
    assert parse_flake(envelope["event_id"]) is not None
    assert envelope["body"]["customer"]["id"] == customer["id"]
    assert envelope["body"]["chargeback_status"] == "pending"
    assert envelope["body"]["id"] == triggered["payment_id"]


def test_the_payment_names_the_payer_when_the_event_does_not(api: Api, receiver: Receiver) -> None:
    _subscribe(api)
    customer = api.create(name="payer")
    triggered = api.emu.trigger_payment_event(customer["id"], include_customer=False)
    assert api.emu.webhooks.wait_idle(5)
    assert _envelope(receiver.seen[0])["body"]["customer"] is None
    payment = api.http.get(f"/v1/stores/{api.emu.store_id}/payments/{triggered['payment_id']}")
    assert payment.status_code == 200
    assert payment.json()["customer_id"] == customer["id"]
    assert payment.json()["chargeback_status"] == "pending"
    assert api.http.get(f"/v1/stores/{api.emu.store_id}/payments/{customer['id']}").status_code == 404


def test_non_2xx_answers_are_retried_with_backoff_until_success(api: Api, receiver: Receiver) -> None:
    subscription = _subscribe(api)
    receiver.statuses = [500, 503]
    api.emu.trigger_payment_event(api.create(name="x")["id"])
    assert api.emu.webhooks.wait_idle(5)
    assert len(receiver.seen) == 3
    assert len({_envelope(r)["event_id"] for r in receiver.seen}) == 1
    assert all(_signed_with(r, subscription["secret"]) for r in receiver.seen)
    history = api.http.get(f"/v1/stores/{api.emu.store_id}/webhooks/{subscription['id']}/history")
    assert history.status_code == 200
    [entry] = history.json()["history"]
    assert entry["state"] == "success"
    assert [e["status_code"] for e in entry["executions"]] == [500, 503, 200]


def test_a_delivery_that_never_succeeds_fails_after_max_attempts(api: Api, receiver: Receiver) -> None:
    _subscribe(api)
    api.emu.webhooks.policy = DeliveryPolicy(max_attempts=3, base_delay_s=0.01, max_delay_s=0.01)
    receiver.statuses = [500] * 10
    api.emu.trigger_payment_event(api.create(name="x")["id"])
    assert api.emu.webhooks.wait_idle(5)
    [delivery] = api.emu.webhooks.delivery_log()
    assert delivery["state"] == "failed"
    assert len(delivery["executions"]) == 3


def test_a_duplicate_delivery_repeats_the_same_event_id(api: Api, receiver: Receiver) -> None:
    _subscribe(api)
    api.emu.webhooks.policy = DeliveryPolicy(base_delay_s=0.01, max_delay_s=0.01, duplicate_count=1)
    api.emu.trigger_payment_event(api.create(name="x")["id"])
    assert api.emu.webhooks.wait_idle(5)
    assert len(receiver.seen) == 2
    assert _envelope(receiver.seen[0]) == _envelope(receiver.seen[1])


def test_after_rotation_deliveries_are_signed_with_the_new_secret_only(api: Api, receiver: Receiver) -> None:
    old = _subscribe(api)
    path = f"/v1/stores/{api.emu.store_id}/webhooks/{old['id']}"
    new = api.http.patch(
        path, json={"url": HOOK, "subscribed_to": "OnChargeback", "reset_secret": True}
    ).json()
    api.emu.trigger_payment_event(api.create(name="x")["id"])
    assert api.emu.webhooks.wait_idle(5)
    assert _signed_with(receiver.seen[0], new["secret"])
    assert not _signed_with(receiver.seen[0], old["secret"])


def test_only_subscribers_to_that_event_receive_it(api: Api, receiver: Receiver) -> None:
    _subscribe(api, "OnRefund")
    result = api.emu.trigger_payment_event(api.create(name="x")["id"])
    assert result["deliveries"] == []
    assert api.emu.webhooks.wait_idle(5)
    assert receiver.seen == []


def test_the_trigger_endpoint_fires_events_and_refuses_bad_input(api: Api, receiver: Receiver) -> None:
    _subscribe(api, "OnChargebackClosed")
    customer = api.create(name="x")
    fired = api.http.post(
        "/_emulator/webhooks/trigger", json={"event": "OnChargebackClosed", "customer_id": customer["id"]}
    )
    assert fired.status_code == 202, fired.text
    assert api.emu.webhooks.wait_idle(5)
    assert _envelope(receiver.seen[0])["event_type"] == "ON_CHARGEBACK_CLOSED"
    assert _envelope(receiver.seen[0])["body"]["chargeback_status"] == "lost"
    deliveries = api.http.get("/_emulator/webhooks/deliveries").json()
    assert deliveries[0]["event_id"] == fired.json()["event_id"]
    assert deliveries[0]["executions"][0]["status_code"] == 200
    for bad in (
        {"event": "OnChargeback", "customer_id": "123456789"},
        {"event": "OnNothing", "body": {}},
        {"event": "OnChargeback"},
        {"event": "OnChargeback", "customer_id": customer["id"], "chargeback_status": "maybe"},
    ):
        assert api.http.post("/_emulator/webhooks/trigger", json=bad).status_code == 400, bad


def test_the_storefront_check_refuses_an_invalidated_token(api: Api) -> None:
    customer = api.create(steam_id=STEAM_A)
    token = api.http.post(api.tokens(customer["id"])).json()["token"]

    def check() -> httpx.Response:
        return api.http.post("/_emulator/tokens/check", json={"token": token})

    assert check().json() == {"valid": True, "customer_id": customer["id"]}
    assert api.http.delete(api.tokens(customer["id"])).status_code == 204
    assert check().json() == {"valid": False, "customer_id": None}
    assert api.storefront(token).status_code == 401
    assert api.http.post("/_emulator/tokens/check", json={}).status_code == 400


def test_envelope_event_types_follow_the_webhook_definitions() -> None:
    assert envelope_event_type("OnChargeback") == "ON_CHARGEBACK"
    assert envelope_event_type("OnDeliveryItemAdded") == "ON_DELIVERY_ITEM_ADDED"
    assert envelope_event_type("OnTrialCanceled") == "ON_TRIAL_CANCELLED"


def test_a_receiver_that_raises_is_a_failed_attempt_and_retried(api: Api) -> None:
    calls: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("receiver crashed")
        return httpx.Response(200)

    api.emu.webhooks.transport = httpx.MockTransport(flaky)
    api.emu.webhooks.policy = DeliveryPolicy(base_delay_s=0.01, max_delay_s=0.01)
    _subscribe(api)
    api.emu.trigger_payment_event(api.create(name="x")["id"])
    assert api.emu.webhooks.wait_idle(5)
    [delivery] = api.emu.webhooks.delivery_log()
    assert [e["status_code"] for e in delivery["executions"]] == [0, 200]
    assert "receiver crashed" in delivery["executions"][0]["response"]
    api.emu.close()
