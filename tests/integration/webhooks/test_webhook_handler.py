"""The webhook function in-process: the emulator's signed deliveries (retries, duplicates, rotated
secrets, chargebacks with and without a customer) reach the bus once each; a fuzzed route never 500s."""

from __future__ import annotations

import json
import time

import boto3
from customers.adapters.webhook_bus import MAX_ENTRY_BYTES
from customers.webhooks import routes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paynow_emulator.signature import sign

from tests.support.lambda_events import ROOT, FakeLambdaContext, http_event
from tests.support.webhook_stack import BUCKET, Hooks


def signed_headers(secret: str, raw: bytes, timestamp: str | None = None) -> dict[str, str]:
    timestamp = timestamp or str(time.time_ns() // 1_000_000)
    return {"PayNow-Timestamp": timestamp, "PayNow-Signature": sign(secret, timestamp, raw)}


def test_a_chargeback_from_the_emulator_arrives_on_the_bus_as_delivered(hooks: Hooks) -> None:
    subscription = hooks.subscribe("OnChargeback")
    hooks.set_secrets([subscription["secret"]])
    customer_id = hooks.create_customer("payer")
    fired = hooks.emulator.trigger_payment_event(customer_id, include_customer=False)
    assert hooks.emulator.webhooks.wait_idle(10)
    [event] = hooks.bus_events()
    assert event["source"] == "paynow.webhooks"
    assert event["detail-type"] == "ON_CHARGEBACK"
    assert event["detail"]["event_id"] == fired["event_id"]
    assert event["detail"]["body"]["customer"] is None
    assert event["detail"]["body"]["id"] == fired["payment_id"]


def test_duplicated_deliveries_publish_once(hooks: Hooks) -> None:
    subscription = hooks.subscribe("OnRefund")
    hooks.set_secrets([subscription["secret"]])
    hooks.emulator.webhooks.policy = hooks.emulator.webhooks.policy.with_values({"duplicate_count": 3})
    fired = [hooks.emulator.webhooks.emit("OnRefund", {"id": str(n)}) for n in range(3)]
    assert hooks.emulator.webhooks.wait_idle(10)
    log = hooks.emulator.webhooks.delivery_log()
    assert len(log) == 6
    assert all(d["state"] == "success" for d in log)
    assert sorted(e["detail"]["event_id"] for e in hooks.bus_events()) == sorted(f["event_id"] for f in fired)


def test_a_rotated_secret_is_refused_until_the_secret_lists_it_then_the_retry_lands(hooks: Hooks) -> None:
    old = hooks.subscribe("OnOrderCompleted")
    other = hooks.subscribe("OnRefund")
    hooks.set_secrets([old["secret"], other["secret"]])
    rotated = hooks.emulator.webhooks.update(
        int(old["id"]), {"url": old["url"], "subscribed_to": "OnOrderCompleted", "reset_secret": True}
    )
    hooks.emulator.webhooks.policy = hooks.emulator.webhooks.policy.with_values({"max_attempts": 50})
    fired = hooks.emulator.webhooks.emit("OnOrderCompleted", {"id": "1"})
    deadline = time.monotonic() + 10
    while len(hooks.emulator.webhooks.delivery_log()[0]["executions"]) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    [delivery] = hooks.emulator.webhooks.delivery_log()
    assert len(delivery["executions"]) >= 2
    assert {attempt["status_code"] for attempt in delivery["executions"]} == {401}
    assert delivery["state"] == "pending"
    hooks.set_secrets([old["secret"], other["secret"], rotated["secret"]])
    # The receiver re-reads the secret on a mismatch at most every 30 s; a new sandbox reads it at once.
    hooks.function.function.receiver._last_refresh = float("-inf")
    assert hooks.emulator.webhooks.wait_idle(10)
    assert [e["detail"]["event_id"] for e in hooks.bus_events()] == [fired["event_id"]]


def test_an_event_over_the_entry_limit_is_published_by_reference(hooks: Hooks) -> None:
    hooks.set_secrets(["whsec_large_body_secret"])
    envelope = {
        "event_type": "ON_ORDER_COMPLETED",
        "event_id": "411486491630370900",
        "body": {"note": "x" * MAX_ENTRY_BYTES},
    }
    raw = json.dumps(envelope).encode()
    status, answer = hooks.post(raw, signed_headers("whsec_large_body_secret", raw))
    assert (status, answer["duplicate"]) == (200, False)
    [event] = hooks.bus_events()
    reference = event["detail"]["body_ref"]
    assert "body" not in event["detail"]
    assert reference["bucket"] == BUCKET
    assert reference["bytes"] == len(raw)
    stored = boto3.client("s3").get_object(Bucket=BUCKET, Key=reference["key"])["Body"].read()
    assert stored == raw


def test_an_empty_secret_list_answers_503_so_paynow_retries(hooks: Hooks) -> None:
    raw = b'{"event_type":"ON_REFUND","event_id":"1","body":{}}'
    status, answer = hooks.post(raw, signed_headers("whsec_anything_at_all", raw))
    assert status == 503
    assert answer["code"] == "unavailable"
    assert hooks.bus_events() == []


_headers = st.dictionaries(
    st.sampled_from(["paynow-timestamp", "paynow-signature", "content-type", "x-other"]),
    st.text(max_size=80),
    max_size=4,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    raw=st.one_of(
        st.binary(max_size=2048),
        st.builds(lambda d: json.dumps(d).encode(), st.dictionaries(st.text(max_size=10), st.integers())),
    ),
    headers=_headers,
    sign_it=st.booleans(),
    skew_ms=st.integers(min_value=-(10**9), max_value=10**9),
)
def test_anonymous_fuzzing_never_gets_a_500_nor_publishes(
    hooks: Hooks, raw: bytes, headers: dict[str, str], sign_it: bool, skew_ms: int
) -> None:
    hooks.set_secrets(["whsec_fuzz_secret_value"])
    if sign_it:
        headers = headers | signed_headers(
            "whsec_fuzz_secret_value", raw, str(time.time_ns() // 1_000_000 + skew_ms)
        )
    status, answer = hooks.post(raw, headers)
    assert status != 500
    assert 200 <= status < 300 or status in {400, 401, 409, 413}, (status, answer)
    if status >= 400:
        assert set(answer) == {"status", "code", "message"}


def test_a_base64_body_is_verified_over_its_decoded_bytes(hooks: Hooks) -> None:
    hooks.set_secrets(["whsec_binary_body_secret"])
    raw = b'{"event_type":"ON_REFUND","event_id":"411486491630370901","body":{"n":"\xc3\xa9"}}'
    event = http_event("POST", "/webhooks/paynow", raw_body=raw.decode(), base64_body=True)
    event["headers"].update(
        {k.lower(): v for k, v in signed_headers("whsec_binary_body_secret", raw).items()}
    )
    response = hooks.function.lambda_handler(event, FakeLambdaContext())
    assert response["statusCode"] == 200
    event["body"] = "!!not base64!!"
    assert hooks.function.lambda_handler(event, FakeLambdaContext())["statusCode"] == 400


def test_an_unknown_route_is_404_and_an_unexpected_failure_503(hooks: Hooks) -> None:
    other = http_event("GET", "/webhooks/paynow")
    assert hooks.function.lambda_handler(other, FakeLambdaContext())["statusCode"] == 404

    def broken() -> None:
        raise RuntimeError("a bug")

    function = hooks.function.function
    function.app.dependency_overrides[routes.webhook_receiver] = broken
    raw = b"{}"
    status, answer = hooks.post(raw, signed_headers("whsec_anything_at_all", raw))
    assert (status, answer["code"]) == (503, "unavailable")


def test_the_sample_event_is_a_real_signed_delivery_refused_only_for_its_age(hooks: Hooks) -> None:
    """events/webhooks/paynow_chargeback.json is signed with whsec_sample_secret_for_events at
    2023-11-14T22:13:20Z: stale today, accepted by a receiver whose clock reads that moment."""
    sample = json.loads((ROOT / "events/webhooks/paynow_chargeback.json").read_text())
    hooks.set_secrets(["whsec_sample_secret_for_events"])
    response = hooks.function.lambda_handler(sample, FakeLambdaContext())
    assert (response["statusCode"], json.loads(response["body"])["code"]) == (401, "stale")
    hooks.function.function.receiver.clock = lambda: 1_700_000_000.0
    response = hooks.function.lambda_handler(sample, FakeLambdaContext())
    assert response["statusCode"] == 200
    [event] = hooks.bus_events()
    assert event["detail-type"] == "ON_CHARGEBACK"
    assert event["detail"]["body"]["customer"] is None
