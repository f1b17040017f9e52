"""One webhook delivery: verify it, then put its event on the bus exactly once.

Order matters: the body is size-checked and its signature verified before it is parsed, so nothing
unauthenticated is ever interpreted. The event id is then claimed in the ledger (a conditional
write); only the claimant publishes, and marks the event published afterwards. A failure before
publishing releases the claim and answers 503, so PayNow retries; a repeat of a published event
answers 200 without publishing; a repeat while the first delivery is still publishing answers 409,
so PayNow retries it later and finds it published.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from customers.webhooks.ports import ClaimOutcome, DeliveryLedger, SigningSecrets, WebhookBus
from customers.webhooks.signature import (
    DEFAULT_MAX_AGE_S,
    DEFAULT_MAX_SKEW_S,
    WebhookRefusedError,
    check_window,
    matches_any,
    parse_headers,
)

# The standard library logger: the function's Powertools handler formats it (bootstrap.observability);
# the route counts the outcomes as metrics, so this module needs nothing from Powertools.
logger = logging.getLogger(__name__)

# API Gateway accepts 10 MB; PayNow's events are a few KB. Anything far larger is refused unread.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


class WebhookUnavailableError(Exception):
    """The delivery could not be recorded or published now: answer 503 so PayNow retries."""


class Envelope(BaseModel):
    """PayNow's webhook envelope. Unknown top-level fields (``timestamp``) are kept."""

    model_config = ConfigDict(extra="allow")

    event_type: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,127}$")
    event_id: str = Field(pattern=r"^[1-9][0-9]{0,19}$")
    body: dict[str, Any]


@dataclass(frozen=True)
class Received:
    event_id: str
    event_type: str
    duplicate: bool

    def body(self) -> dict[str, Any]:
        return {"received": True, "event_id": self.event_id, "duplicate": self.duplicate}


@dataclass
class WebhookReceiver:
    secrets: SigningSecrets
    ledger: DeliveryLedger
    bus: WebhookBus
    clock: Callable[[], float] = time.time
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_age_s: float = DEFAULT_MAX_AGE_S
    max_skew_s: float = DEFAULT_MAX_SKEW_S
    # A signature no cached secret matches re-reads the secret (a rotation), at most this often,
    # so a flood of forged deliveries cannot turn into a flood of Secrets Manager calls.
    refresh_interval_s: float = 30.0
    _last_refresh: float = field(default=float("-inf"), init=False)

    def receive(self, headers: Mapping[str, str], body: bytes, *, owner: str) -> Received:
        try:
            envelope = self._verified(headers, body)
        except WebhookRefusedError as refused:
            logger.warning("webhook refused", extra={"code": refused.code, "reason": refused.message})
            raise
        return self._publish_once(envelope, body, owner)

    def _verified(self, headers: Mapping[str, str], body: bytes) -> Envelope:
        if len(body) > self.max_body_bytes:
            raise WebhookRefusedError(413, "too_large", f"the body exceeds {self.max_body_bytes} bytes")
        signed = parse_headers(headers)
        check_window(signed.timestamp_ms, self.clock(), max_age_s=self.max_age_s, max_skew_s=self.max_skew_s)
        if not matches_any(self._secrets(), signed, body) and not self._matches_after_refresh(signed, body):
            raise WebhookRefusedError(401, "bad_signature", "PayNow-Signature does not match")
        try:
            return Envelope.model_validate_json(body)
        except ValidationError as error:
            where = ", ".join(".".join(str(p) for p in e["loc"]) or "body" for e in error.errors())
            raise WebhookRefusedError(
                400, "malformed_event", f"not a PayNow event envelope ({where})"
            ) from None

    def _secrets(self, *, refresh: bool = False) -> list[str]:
        try:
            return list(self.secrets.current(refresh=refresh))
        except Exception as error:
            raise WebhookUnavailableError(f"the signing secrets cannot be read: {error}") from error

    def _matches_after_refresh(self, signed: Any, body: bytes) -> bool:
        now = time.monotonic()
        if now - self._last_refresh < self.refresh_interval_s:
            return False
        self._last_refresh = now
        return matches_any(self._secrets(refresh=True), signed, body)

    def _publish_once(self, envelope: Envelope, body: bytes, owner: str) -> Received:
        event = {"event_id": envelope.event_id, "event_type": envelope.event_type}
        try:
            claim = self.ledger.claim(envelope.event_id, owner)
        except Exception as error:
            raise WebhookUnavailableError(f"the delivery ledger is unavailable: {error}") from error
        if claim is ClaimOutcome.PUBLISHED:
            logger.info("webhook repeated; already on the bus", extra=event)
            return Received(envelope.event_id, envelope.event_type, duplicate=True)
        if claim is ClaimOutcome.IN_PROGRESS:
            raise WebhookRefusedError(409, "in_progress", "this event is being published; retry later")
        try:
            self.bus.publish(json.loads(body), body)
        except Exception as error:
            self._release(envelope.event_id, owner)
            raise WebhookUnavailableError(f"the event could not be published: {error}") from error
        try:
            self.ledger.mark_published(envelope.event_id, owner)
        except Exception:
            # The event is on the bus: answer 2xx. The claim's lease lapses; only a retry after that
            # (PayNow got no answer at all) could publish it again.
            logger.exception("webhook published but not marked", extra=event)
        logger.info("webhook published", extra=event)
        return Received(envelope.event_id, envelope.event_type, duplicate=False)

    def _release(self, event_id: str, owner: str) -> None:
        try:
            self.ledger.release(event_id, owner)
        except Exception:
            # The claim's lease lapses on its own; PayNow's retry after it will publish.
            logger.exception("webhook claim not released", extra={"event_id": event_id})
