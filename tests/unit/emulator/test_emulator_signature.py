"""The webhook signature computation, pinned by a known-answer vector.

The vector was computed from PayNow's documented algorithm (base64 of HMAC-SHA256 keyed with the
secret as-is over "<timestamp>.<raw body>") with an independent tool, `openssl dgst -sha256 -hmac
… -binary | base64`; it is not a vector PayNow publishes.
"""

from __future__ import annotations

from paynow_emulator.signature import sign, verify

SECRET = "whsec_test_known_answer"
TIMESTAMP = "1700000000000"
BODY = b'{"event_type":"ON_CHARGEBACK","event_id":"411486491630370816","body":{}}'
EXPECTED = "ExrEFlVu+U4DkXKg9sxQiuMOxPg+XRt9AwG/xE8Na38="  # computed from the documented algorithm


def test_signature_matches_the_known_answer_vector() -> None:
    assert sign(SECRET, TIMESTAMP, BODY) == EXPECTED


def test_signature_covers_timestamp_body_and_secret() -> None:
    assert sign(SECRET, "1700000000001", BODY) != EXPECTED
    assert sign(SECRET, TIMESTAMP, BODY + b" ") != EXPECTED
    assert sign(SECRET + "x", TIMESTAMP, BODY) != EXPECTED


def test_verify_accepts_any_of_several_secrets_and_nothing_else() -> None:
    assert verify(["other-secret", SECRET], TIMESTAMP, BODY, EXPECTED)
    assert not verify(["other-secret"], TIMESTAMP, BODY, EXPECTED)
    assert not verify([SECRET], TIMESTAMP, BODY, EXPECTED.lower())
    assert not verify([], TIMESTAMP, BODY, EXPECTED)
