"""The caller-key check of the HTTP API authorizer: ``Authorization: Bearer <key>`` against the keys."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any


def caller_for(authorization: str | None, callers: Mapping[str, str]) -> str | None:
    """The caller whose key was presented, or None.

    Every configured key is compared, in constant time, so the answer's timing reveals neither
    which caller matched nor how much of a key was right.
    """
    if not authorization:
        return None
    scheme, _, presented = authorization.strip().partition(" ")
    presented = presented.strip()
    if scheme.lower() != "bearer" or not presented:
        return None
    given = presented.encode()
    matched: str | None = None
    for name, key in callers.items():
        if hmac.compare_digest(given, key.encode()):
            matched = name
    return matched


def simple_response(caller: str | None) -> dict[str, Any]:
    if caller is None:
        return {"isAuthorized": False}
    return {"isAuthorized": True, "context": {"caller": caller}}
