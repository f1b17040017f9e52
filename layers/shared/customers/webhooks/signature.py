"""PayNow's webhook signature, verified (pure: no AWS, no I/O).

PayNow sends ``PayNow-Timestamp`` (Unix time in milliseconds, decimal text) and ``PayNow-Signature``
= base64 (standard alphabet) of HMAC-SHA256 keyed with the subscription's signing secret used as-is,
over ``<timestamp header text>.<raw body exactly as received>``. Each subscription has its own
secret, so a receiver holds a set of them and accepts a signature made with any one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

TIMESTAMP_HEADER = "paynow-timestamp"
SIGNATURE_HEADER = "paynow-signature"
# PayNow's own advice is 5 minutes into the past; the future gets less (clock skew only).
DEFAULT_MAX_AGE_S = 300.0
DEFAULT_MAX_SKEW_S = 60.0
_DIGITS = re.compile(r"[0-9]{1,16}")
# 32 bytes of HMAC-SHA256 are 44 base64 characters; anything much longer is not a signature.
_MAX_SIGNATURE_CHARS = 128


class WebhookRefusedError(Exception):
    """The delivery is refused: not provably from PayNow, not fresh, or not well formed. ``status``
    is the HTTP answer (a 4xx: PayNow retries it, so only what a retry cannot fix is refused)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SignedHeaders:
    timestamp_text: str
    timestamp_ms: int
    signature: bytes


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``PayNow-Signature`` value for this timestamp text and raw body."""
    message = timestamp.encode("ascii") + b"." + body
    return base64.b64encode(hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()).decode()


def parse_headers(headers: Mapping[str, str]) -> SignedHeaders:
    """The two headers, checked for shape. ``headers`` must have lower-case names (API Gateway's v2)."""
    timestamp = headers.get(TIMESTAMP_HEADER)
    signature = headers.get(SIGNATURE_HEADER)
    if timestamp is None or signature is None:
        pairs = (("PayNow-Timestamp", timestamp), ("PayNow-Signature", signature))
        missing = [name for name, value in pairs if value is None]
        raise WebhookRefusedError(401, "unsigned", f"missing header {' and '.join(missing)}")
    timestamp = timestamp.strip()
    if not _DIGITS.fullmatch(timestamp):
        raise WebhookRefusedError(400, "malformed_timestamp", "PayNow-Timestamp must be Unix milliseconds")
    raw = signature.strip()
    if not raw or len(raw) > _MAX_SIGNATURE_CHARS:
        raise WebhookRefusedError(400, "malformed_signature", "PayNow-Signature must be base64")
    try:
        decoded = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookRefusedError(400, "malformed_signature", "PayNow-Signature must be base64") from None
    return SignedHeaders(timestamp, int(timestamp), decoded)


def check_window(
    timestamp_ms: int,
    now_s: float,
    *,
    max_age_s: float = DEFAULT_MAX_AGE_S,
    max_skew_s: float = DEFAULT_MAX_SKEW_S,
) -> None:
    age_s = now_s - timestamp_ms / 1000
    if age_s > max_age_s:
        raise WebhookRefusedError(401, "stale", f"PayNow-Timestamp is more than {max_age_s:g} s old")
    if -age_s > max_skew_s:
        raise WebhookRefusedError(401, "future", f"PayNow-Timestamp is more than {max_skew_s:g} s ahead")


def matches_any(secrets: Sequence[str], headers: SignedHeaders, body: bytes) -> bool:
    """True when the signature was made with one of ``secrets``. Every secret is compared (in
    constant time), so the timing says nothing about which one, or how many, there are."""
    message = headers.timestamp_text.encode("ascii") + b"." + body
    matched = False
    for secret in secrets:
        expected = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
        matched |= hmac.compare_digest(expected, headers.signature)
    return matched


def verify(
    secrets: Sequence[str],
    headers: Mapping[str, str],
    body: bytes,
    now_s: float,
    *,
    max_age_s: float = DEFAULT_MAX_AGE_S,
    max_skew_s: float = DEFAULT_MAX_SKEW_S,
) -> SignedHeaders:
    """Headers, freshness, then the signature; raises ``WebhookRefusedError`` on the first failure."""
    signed = parse_headers(headers)
    check_window(signed.timestamp_ms, now_s, max_age_s=max_age_s, max_skew_s=max_skew_s)
    if not matches_any(secrets, signed, body):
        raise WebhookRefusedError(401, "bad_signature", "PayNow-Signature does not match")
    return signed
