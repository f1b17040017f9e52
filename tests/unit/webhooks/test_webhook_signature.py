"""The receiver's verification: a known-answer vector, the emulator's signer as a second opinion,
header shapes, the freshness window both ways, and any-of-several secrets."""

from __future__ import annotations

import base64

import pytest
from customers.webhooks.signature import (
    WebhookRefusedError,
    check_window,
    matches_any,
    parse_headers,
    sign,
    verify,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from paynow_emulator import signature as emulator_signature

SECRET = "whsec_test_known_answer"
TIMESTAMP = "1700000000000"
BODY = b'{"event_type":"ON_CHARGEBACK","event_id":"411486491630370816","body":{}}'
# Computed from the documented algorithm with openssl (`openssl dgst -sha256 -hmac … -binary | base64`),
# the same vector the emulator's test pins; not a vector PayNow publishes.
EXPECTED = "ExrEFlVu+U4DkXKg9sxQiuMOxPg+XRt9AwG/xE8Na38="
NOW_S = 1700000000.0


def headers(signature: str = EXPECTED, timestamp: str = TIMESTAMP) -> dict[str, str]:
    return {"paynow-timestamp": timestamp, "paynow-signature": signature}


def test_the_known_answer_vector_verifies() -> None:
    assert sign(SECRET, TIMESTAMP, BODY) == EXPECTED
    assert verify([SECRET], headers(), BODY, NOW_S).timestamp_ms == 1700000000000


@settings(max_examples=200, deadline=None)
@given(
    secret=st.text(min_size=8, max_size=64),
    body=st.binary(max_size=512),
    timestamp=st.integers(min_value=0, max_value=10**13),
)
def test_whatever_the_emulator_signs_verifies_and_nothing_else(
    secret: str, body: bytes, timestamp: int
) -> None:
    text = str(timestamp)
    signature = emulator_signature.sign(secret, text, body)
    assert sign(secret, text, body) == signature
    signed = parse_headers(headers(signature, text))
    assert matches_any(["another-secret-entirely", secret], signed, body)
    assert not matches_any(["another-secret-entirely"], signed, body)
    assert not matches_any([secret], signed, body + b"x")
    assert not matches_any([secret], parse_headers(headers(signature, str(timestamp + 1))), body)


def test_any_of_several_secrets_verifies() -> None:
    assert verify(["rotated-out-secret", "other-subscription", SECRET], headers(), BODY, NOW_S)
    with pytest.raises(WebhookRefusedError) as refused:
        verify(["rotated-out-secret"], headers(), BODY, NOW_S)
    assert (refused.value.status, refused.value.code) == (401, "bad_signature")
    with pytest.raises(WebhookRefusedError):
        verify([], headers(), BODY, NOW_S)


@pytest.mark.parametrize(
    ("sent", "status", "code"),
    [
        ({}, 401, "unsigned"),
        ({"paynow-timestamp": TIMESTAMP}, 401, "unsigned"),
        ({"paynow-signature": EXPECTED}, 401, "unsigned"),
        (headers(timestamp="1700000000.5"), 400, "malformed_timestamp"),
        (headers(timestamp="-1"), 400, "malformed_timestamp"),
        (headers(timestamp="9" * 17), 400, "malformed_timestamp"),
        (headers(signature="not base64!"), 400, "malformed_signature"),
        (headers(signature=""), 400, "malformed_signature"),
        (headers(signature="A" * 200), 400, "malformed_signature"),
        (headers(signature=EXPECTED.lower()), 401, "bad_signature"),
        (headers(signature=base64.b64encode(b"short").decode()), 401, "bad_signature"),
    ],
)
def test_malformed_or_missing_headers_are_refused(sent: dict[str, str], status: int, code: str) -> None:
    with pytest.raises(WebhookRefusedError) as refused:
        verify([SECRET], sent, BODY, NOW_S)
    assert (refused.value.status, refused.value.code) == (status, code)
    assert refused.value.message


@pytest.mark.parametrize(
    ("age_s", "code"),
    [(300.001, "stale"), (3600, "stale"), (-60.001, "future"), (-86400, "future")],
)
def test_timestamps_outside_the_window_are_refused(age_s: float, code: str) -> None:
    with pytest.raises(WebhookRefusedError) as refused:
        check_window(int((NOW_S - age_s) * 1000), NOW_S)
    assert (refused.value.status, refused.value.code) == (401, code)


@pytest.mark.parametrize("age_s", [0, 299.999, -59.999])
def test_timestamps_inside_the_window_pass(age_s: float) -> None:
    check_window(int((NOW_S - age_s) * 1000), NOW_S)


def test_a_stale_delivery_is_refused_even_when_correctly_signed() -> None:
    with pytest.raises(WebhookRefusedError) as refused:
        verify([SECRET], headers(), BODY, NOW_S + 301)
    assert refused.value.code == "stale"
