"""PayNow webhooks through the local stack: the emulator (subscribed by `make dev`) or a test posing
as PayNow delivers over HTTP to POST /webhooks/paynow; what reaches the bus is read from the stack's
event log. Its own stack, started with OnChargeback=invalidate-tokens."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from devstack_e2e import Stack, start_stack, stop_stack, wait_for, wait_ready
from paynow_emulator.signature import sign


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("devstack-webhooks")
    # These tests are about verification and deduplication under concurrency, not throttling: the
    # route's default throttle (25 rps) answers 429 to a fast machine's thousand deliveries.
    process, ready, log = start_stack(
        workdir,
        *("--parameter", "OnChargeback=invalidate-tokens"),
        *("--parameter", "ThrottlingRate=10000", "--parameter", "ThrottlingBurst=10000"),
    )
    info = wait_ready(process, ready, log)
    yield Stack(info=info, workdir=workdir, log=log)
    stop_stack(process)


def emulator_call(stack: Stack, method: str, path: str, body: Any = None) -> Any:
    with stack.http() as client:
        response = client.request(method, stack.info["emulator_url"] + path, json=body)
    response.raise_for_status()
    return response.json() if response.content else None


def secrets_of(stack: Stack) -> list[str]:
    return [s["secret"] for s in emulator_call(stack, "GET", "/_emulator/webhooks")]


def post(stack: Stack, body: bytes, *, secret: str | None, timestamp: str | None = None) -> httpx.Response:
    timestamp = timestamp or str(time.time_ns() // 1_000_000)
    headers = {"content-type": "application/json", "PayNow-Timestamp": timestamp}
    if secret is not None:
        headers["PayNow-Signature"] = sign(secret, timestamp, body)
    with stack.http() as client:
        return client.post(stack.info["webhook_url"], content=body, headers=headers)


def envelope(event_id: int, event_type: str = "ON_ORDER_COMPLETED") -> bytes:
    body = {"event_type": event_type, "event_id": str(event_id), "body": {"id": str(event_id)}}
    return json.dumps(body, separators=(",", ":")).encode()


def bus_events(stack: Stack) -> list[dict[str, Any]]:
    return [record["event"] for record in stack.events()]


def webhook_events(stack: Stack) -> list[dict[str, Any]]:
    return [e for e in bus_events(stack) if e.get("source") == "paynow.webhooks"]


def resolve_with_token(stack: Stack, steam_id: str) -> tuple[str, str]:
    _, answer = stack.invoke(
        "TrustedFunction", {"action": "resolve", "identifier": {"steam_id": steam_id}, "token": True}
    )
    return answer["customer"]["id"], answer["token"]


def token_valid(stack: Stack, token: str) -> bool:
    with stack.http() as client:
        response = client.post(stack.info["emulator_url"] + "/_emulator/tokens/check", json={"token": token})
    return bool(response.json()["valid"])


@pytest.mark.parametrize("include_customer", [True, False], ids=["customer-named", "customer-null"])
def test_chargeback_revokes_the_payers_tokens(hooks: Stack, include_customer: bool) -> None:
    steam_id = "7656119800000100" + ("1" if include_customer else "2")
    customer_id, token = resolve_with_token(hooks, steam_id)
    assert token_valid(hooks, token)
    fired = emulator_call(
        hooks,
        "POST",
        "/_emulator/webhooks/trigger",
        {"event": "OnChargeback", "customer_id": customer_id, "customer": include_customer},
    )

    def revoked() -> dict[str, Any] | None:
        for event in bus_events(hooks):
            detail = event.get("detail") or {}
            if (
                event.get("detail-type") == "Customer Tokens Revoked"
                and detail.get("customer_id") == customer_id
            ):
                return event
        return None

    record = wait_for(revoked, 90, "Customer Tokens Revoked")
    assert not token_valid(hooks, token)
    assert hooks.storefront_status(token)[0] == 401
    assert record["detail"]["cause"]["event_id"] == fired["event_id"]
    assert record["detail"]["resolved_from_payment"] is (not include_customer)
    [published] = [e for e in webhook_events(hooks) if e["detail"]["event_id"] == fired["event_id"]]
    assert published["detail-type"] == "ON_CHARGEBACK"


def test_a_revocation_paynow_keeps_refusing_lands_in_the_revocation_dlq_and_redrives(hooks: Stack) -> None:
    """PayNow answers 500 to every token revocation: the trusted function's retries (PayNow client
    and Lambda's) all fail, and the chargeback is not lost but waits in RevocationDLQ as Lambda's
    failure record; invoking the function with its requestPayload, once PayNow is back, revokes."""
    customer_id, token = resolve_with_token(hooks, "76561198000001003")
    outputs = json.loads((hooks.workdir / "outputs.json").read_text())["outputs"]
    queue_url = outputs["RevocationDLQUrl"]
    sqs = hooks.aws("sqs")
    emulator_call(
        hooks, "PATCH", "/_emulator/faults", {"error_rate": 1.0, "operations": ["invalidate_tokens"]}
    )
    try:
        fired = emulator_call(
            hooks,
            "POST",
            "/_emulator/webhooks/trigger",
            {"event": "OnChargeback", "customer_id": customer_id, "customer": True},
        )

        def dead_lettered() -> dict[str, Any] | None:
            for message in sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages", []):
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                record: dict[str, Any] = json.loads(message["Body"])
                if record["requestPayload"].get("customer_id") == customer_id:
                    return record
            return None

        record = wait_for(dead_lettered, 120, "the failed revocation in RevocationDLQ")
    finally:
        emulator_call(hooks, "DELETE", "/_emulator/faults")
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3  # the first attempt and 2 retries
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["requestPayload"]["action"] == "invalidate_tokens"
    assert record["requestPayload"]["cause"]["event_id"] == fired["event_id"]
    assert token_valid(hooks, token)
    assert not [
        e
        for e in bus_events(hooks)
        if e.get("detail-type") == "Customer Tokens Revoked" and e["detail"].get("customer_id") == customer_id
    ]
    # The redrive the README describes: the record's requestPayload, invoked again.
    _, answer = hooks.invoke("TrustedFunction", record["requestPayload"])
    assert answer == {"customer_id": customer_id, "invalidated": True}
    assert not token_valid(hooks, token)


def test_signature_failures_are_refused_and_publish_nothing(hooks: Stack) -> None:
    secret = secrets_of(hooks)[0]
    before = len(webhook_events(hooks))
    body = envelope(900000000000000001)
    now = time.time_ns() // 1_000_000
    assert post(hooks, body, secret=None).status_code == 401
    assert post(hooks, body, secret="not-the-secret-of-any-subscription").status_code == 401
    assert post(hooks, body, secret=secret, timestamp=str(now - 10 * 60 * 1000)).status_code == 401
    assert post(hooks, body, secret=secret, timestamp=str(now + 10 * 60 * 1000)).status_code == 401
    assert post(hooks, body, secret=secret, timestamp="yesterday").status_code == 400
    assert post(hooks, b"x" * (1024 * 1024 + 1), secret=secret).status_code == 413
    assert post(hooks, b'{"event_type": 1}', secret=secret).status_code == 400
    time.sleep(2)
    assert len(webhook_events(hooks)) == before


def test_replay_and_duplicate_delivery_publish_once(hooks: Stack) -> None:
    secret = secrets_of(hooks)[-1]
    body = envelope(900000000000000002)
    first = post(hooks, body, secret=secret)
    assert first.status_code == 200
    assert first.json()["duplicate"] is False
    replay = post(hooks, body, secret=secret)  # the same event, signed again: PayNow's retry
    assert replay.status_code == 200
    assert replay.json()["duplicate"] is True
    time.sleep(2)
    assert [e["detail"]["event_id"] for e in webhook_events(hooks)].count("900000000000000002") == 1


def test_emulator_duplicates_arrive_once_and_two_secrets_both_verify(hooks: Stack) -> None:
    emulator_call(hooks, "PATCH", "/_emulator/webhooks/policy", {"duplicate_count": 2})
    subscriptions = emulator_call(hooks, "GET", "/_emulator/webhooks")
    by_event = {s["subscribed_to"]: s for s in subscriptions}
    fired = [
        emulator_call(hooks, "POST", "/_emulator/webhooks/trigger", {"event": name, "body": {"id": "1"}})
        for name in ("OnRefund", "OnSubscriptionRenewed")
    ]

    def delivered() -> list[dict[str, Any]] | None:
        log = emulator_call(hooks, "GET", "/_emulator/webhooks/deliveries")
        ours = [d for d in log if d["event_id"] in {f["event_id"] for f in fired}]
        done = len(ours) == 4 and all(d["state"] == "success" for d in ours)
        return ours if done else None

    deliveries = wait_for(delivered, 60, "duplicated deliveries")
    secrets_used = {by_event[d["event"]]["secret"] for d in deliveries}
    assert len(secrets_used) == 2  # two subscriptions, two secrets, one receiver
    published = [e["detail"]["event_id"] for e in webhook_events(hooks)]
    assert sorted(published.count(f["event_id"]) for f in fired) == [1, 1]


def test_a_thousand_deliveries_put_exactly_the_valid_unique_events_on_the_bus(hooks: Stack) -> None:
    """1,000 deliveries: 10 % repeats of an earlier event, 5 % with a bad signature."""
    rng = random.Random(13)
    secrets = secrets_of(hooks)
    base = 910000000000000000
    plan: list[tuple[int, bool]] = []  # (event id, validly signed)
    unique: list[int] = []
    for index in range(1000):
        roll = rng.random()
        if roll < 0.05:
            plan.append((base + 5000 + index, False))
        elif roll < 0.15 and unique:
            plan.append((rng.choice(unique), True))
        else:
            unique.append(base + index)
            plan.append((base + index, True))
    before = {e["detail"]["event_id"] for e in webhook_events(hooks)}

    def deliver(item: tuple[int, bool]) -> int:
        event_id, valid = item
        secret = rng.choice(secrets) if valid else "forged-" + str(event_id)
        return post(hooks, envelope(event_id), secret=secret).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(deliver, plan))
    assert {s for (_, valid), s in zip(plan, statuses, strict=True) if not valid} == {401}
    # A repeat racing its first delivery may get 409 (retry later); PayNow would retry it.
    assert {s for (_, valid), s in zip(plan, statuses, strict=True) if valid} <= {200, 409}
    expected = {str(event_id) for event_id in unique}

    def all_published() -> list[str] | None:
        ids = [
            e["detail"]["event_id"] for e in webhook_events(hooks) if e["detail"]["event_id"] not in before
        ]
        return ids if set(ids) >= expected else None

    published = wait_for(all_published, 120, "the unique events on the bus")
    time.sleep(2)
    published = [
        e["detail"]["event_id"] for e in webhook_events(hooks) if e["detail"]["event_id"] not in before
    ]
    assert sorted(published) == sorted(expected)
