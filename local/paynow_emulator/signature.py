"""PayNow's webhook signature, as its docs define it (one place, so emulator and tests agree).

``PayNow-Signature`` = base64 (standard alphabet, padded) of HMAC-SHA256 keyed with the
subscription's signing secret used as-is (its UTF-8 bytes), over ``<PayNow-Timestamp>.<raw body>``,
where the timestamp header is Unix time in milliseconds as decimal text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

TIMESTAMP_HEADER = "PayNow-Timestamp"
SIGNATURE_HEADER = "PayNow-Signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``PayNow-Signature`` value for this timestamp header text and raw body."""
    message = timestamp.encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(secrets: list[str], timestamp: str, body: bytes, signature: str) -> bool:
    """True when ``signature`` matches under any of ``secrets`` (constant-time comparisons)."""
    matched = False
    for secret in secrets:
        # Compare against every secret, so timing does not reveal which one matched.
        matched |= hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.encode("utf-8"))
    return matched
