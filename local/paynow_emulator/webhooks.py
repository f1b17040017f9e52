"""Webhook subscriptions and signed deliveries, as PayNow's Management API and docs describe them.

Subscriptions (``/v1/stores/{storeId}/webhooks``, ``CreateWebhookDto`` / ``UpdateWebhookDto`` /
``WebhookSubscriptionDto``) each cover one event type and have their own signing secret, returned
when created and when ``reset_secret`` rotates it (other answers show it masked). Events are POSTed
as ``{"event_type": "ON_…", "event_id": "<flake>", "timestamp": "<ISO>", "body": {…}}`` with
``PayNow-Timestamp``/``PayNow-Signature`` (``paynow_emulator.signature``); any 2xx is success,
anything else is retried with exponential backoff (``DeliveryPolicy``), and a delivery can be
repeated on purpose (``duplicate_count``/``duplicate_rate``) as PayNow may do.

Decisions where PayNow documents nothing: the retry schedule (base * 2^n, capped); a rotated secret
stops signing at once (retries of older deliveries are signed with the new one); only ``json_v1``
subscriptions are delivered (``discord_v1`` ones are stored, never sent).

Deliveries run on one background thread, over real HTTP by default or through ``transport`` (any
httpx transport) in-process; ``wait_idle`` lets a test wait for them.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from paynow_emulator.errors import ApiError, FieldError, validation_failed
from paynow_emulator.flake import FlakeGenerator
from paynow_emulator.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

# WebhookEventType in PayNow's Management API spec.
EVENT_TYPES = (
    "OnIgnore",
    "OnOrderCompleted",
    "OnRefund",
    "OnChargeback",
    "OnDeliveryItemAdded",
    "OnDeliveryItemActivated",
    "OnDeliveryItemUsed",
    "OnDeliveryItemRevoked",
    "OnSubscriptionActivated",
    "OnSubscriptionRenewed",
    "OnSubscriptionCanceled",
    "OnDiscordOrderActionsQueued",
    "OnConnectedUserRegistered",
    "OnConnectedUserBecamePayable",
    "OnConnectedUserPayoutCreated",
    "OnConnectedUserPayoutCompleted",
    "OnConnectedUserTransactionInserted",
    "OnConnectedUserBecameUnpayable",
    "OnTrialActivated",
    "OnTrialCompleted",
    "OnTrialCanceled",
    "OnPurchaseFollowUpAttemptEmailSent",
    "OnPurchaseFollowUpAttemptSucceeded",
    "OnAbandonedCheckoutRecoveryAttemptEmailSent",
    "OnAbandonedCheckoutRecoveryAttemptSucceeded",
    "OnChargebackClosed",
    "OnDeliveryItemExpired",
    "OnDeliveryItemRenewed",
    "OnConnectedUserTrustStatusChanged",
    "OnPaymentCompleted",
    "OnPaymentFailed",
)
WEBHOOK_TYPES = ("json_v1", "discord_v1")
DISCORD_FORMATS = ("Invalid", "Embed", "Text")
# The envelope's event_type where it is not the plain upper-snake form (webhook-definitions.json).
_ENVELOPE_EXCEPTIONS = {"OnTrialCanceled": "ON_TRIAL_CANCELLED"}
_DISCORD_FIELDS = ("discord_description_template", "discord_title", "discord_color")
MAX_RESPONSE_KEPT = 2000


def envelope_event_type(event: str) -> str:
    """``OnChargeback`` -> ``ON_CHARGEBACK``: the subscription's name -> the envelope's event_type."""
    return _ENVELOPE_EXCEPTIONS.get(event) or re.sub(r"(?<!^)(?=[A-Z])", "_", event).upper()


def iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class DeliveryPolicy:
    """How deliveries are retried and repeated. PayNow's own schedule is undocumented."""

    max_attempts: int = 8
    base_delay_s: float = 1.0
    max_delay_s: float = 300.0
    timeout_s: float = 5.0
    duplicate_count: int = 0  # the next N successful deliveries are each sent once more
    duplicate_rate: float = 0.0  # and this fraction of the others
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay_s < 0 or self.max_delay_s < self.base_delay_s:
            raise ValueError("need 0 <= base_delay_s <= max_delay_s")
        if self.timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        if self.duplicate_count < 0 or not 0.0 <= self.duplicate_rate <= 1.0:
            raise ValueError("duplicate_count must be >= 0 and duplicate_rate within 0..1")

    def delay(self, failed_attempts: int) -> float:
        return float(min(self.max_delay_s, self.base_delay_s * 2 ** (failed_attempts - 1)))

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def with_values(self, values: dict[str, Any]) -> DeliveryPolicy:
        known = {f.name for f in fields(self)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown delivery policy fields {sorted(unknown)}; known: {sorted(known)}")
        try:
            return DeliveryPolicy(**(self.to_dict() | values))
        except TypeError as exc:
            raise ValueError(f"invalid delivery policy: {exc}") from exc


@dataclass
class Subscription:
    id: int
    url: str
    secret: str
    subscribed_to: str
    type: str
    discord: dict[str, str | None] = field(default_factory=dict)

    def dto(self, *, reveal_secret: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": str(self.id),
            "url": self.url,
            "secret": self.secret if reveal_secret else "********" + self.secret[-4:],
            "subscribed_to": self.subscribed_to,
            "type": self.type,
        }
        body.update(self.discord)
        return body


@dataclass
class Attempt:
    id: int
    started_at: str
    finished_at: str | None
    status_code: int
    response: str | None
    timestamp: str
    signature: str

    def dto(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "status_code": self.status_code,
            "response": self.response,
        }


@dataclass
class Delivery:
    id: int
    webhook_id: int
    url: str
    event: str
    event_id: str
    payload: bytes
    created_at: str
    duplicate: bool = False
    state: str = "pending"  # pending | success | failed
    due: float = 0.0  # monotonic time of the next attempt
    next_retry: str | None = None
    attempts: list[Attempt] = field(default_factory=list)

    def history_dto(self) -> dict[str, Any]:
        """``QueuedWebhookDto``."""
        return {
            "id": str(self.id),
            "webhook_id": str(self.webhook_id),
            "created_at": self.created_at,
            "state": self.state,
            "next_retry": self.next_retry,
            "event": self.event,
            "payload": json.loads(self.payload),
            "executions": [attempt.dto() for attempt in self.attempts],
        }

    def inspect_dto(self) -> dict[str, Any]:
        """The history entry plus what a receiver test needs: url, event_id, the signed headers."""
        body = self.history_dto()
        body["url"] = self.url
        body["event_id"] = self.event_id
        body["duplicate"] = self.duplicate
        body["executions"] = [
            attempt.dto() | {"timestamp": attempt.timestamp, "signature": attempt.signature}
            for attempt in self.attempts
        ]
        return body


Sender = Callable[[str, dict[str, str], bytes, float], tuple[int, str]]


class Webhooks:
    """One store's subscriptions, event queue and delivery worker. Thread-safe."""

    def __init__(self, flakes: FlakeGenerator, clock: Callable[[], float] = time.monotonic) -> None:
        self._flakes = flakes
        self._clock = clock
        self._cond = threading.Condition()
        self.subscriptions: dict[int, Subscription] = {}
        self.deliveries: dict[int, Delivery] = {}
        self._policy = DeliveryPolicy()
        self._rng = random.Random()
        self._transport: httpx.BaseTransport | None = None
        self._client: httpx.Client | None = None
        self._thread: threading.Thread | None = None
        self._in_flight = 0
        self._closed = False

    # -- configuration ---------------------------------------------------------------------------
    @property
    def policy(self) -> DeliveryPolicy:
        return self._policy

    @policy.setter
    def policy(self, policy: DeliveryPolicy) -> None:
        with self._cond:
            self._policy = policy
            if policy.seed is not None:
                self._rng.seed(policy.seed)
            self._cond.notify_all()

    @property
    def transport(self) -> httpx.BaseTransport | None:
        return self._transport

    @transport.setter
    def transport(self, transport: httpx.BaseTransport | None) -> None:
        """Deliver through this httpx transport (in-process receivers) instead of the network."""
        with self._cond:
            self._transport = transport
            if self._client is not None:
                self._client.close()
                self._client = None

    # -- the Management API operations --------------------------------------------------------------
    def list_all(self) -> list[dict[str, Any]]:
        with self._cond:
            return [s.dto(reveal_secret=False) for s in self.subscriptions.values()]

    def create(self, body: Any) -> dict[str, Any]:
        values = _parse_subscription(body, update=False)
        subscription = Subscription(
            id=self._flakes.next_id(),
            url=values["url"],
            secret=_new_secret(),
            subscribed_to=values["subscribed_to"],
            type=values["type"],
            discord=values["discord"],
        )
        with self._cond:
            self.subscriptions[subscription.id] = subscription
        return subscription.dto(reveal_secret=True)

    def update(self, webhook_id: int, body: Any) -> dict[str, Any]:
        values = _parse_subscription(body, update=True)
        with self._cond:
            subscription = self._get(webhook_id)
            subscription.url = values["url"]
            subscription.subscribed_to = values["subscribed_to"]
            subscription.discord.update(values["discord"])
            if values["reset_secret"]:
                subscription.secret = _new_secret()
            return subscription.dto(reveal_secret=values["reset_secret"])

    def delete(self, webhook_id: int) -> None:
        with self._cond:
            self._get(webhook_id)
            del self.subscriptions[webhook_id]

    def history(self, webhook_id: int, page: int, state: str | None) -> dict[str, Any]:
        page_size = 25
        with self._cond:
            self._get(webhook_id)
            entries = [
                d
                for d in reversed(self.deliveries.values())
                if d.webhook_id == webhook_id and state in (None, "all", d.state)
            ]
            chunk = entries[(page - 1) * page_size : page * page_size]
            return {"page": page, "history": [d.history_dto() for d in chunk]}

    def _get(self, webhook_id: int) -> Subscription:
        subscription = self.subscriptions.get(webhook_id)
        if subscription is None:
            raise ApiError(404, "not-found", f"webhook {webhook_id} not found")
        return subscription

    # -- inspection --------------------------------------------------------------------------------
    def secrets_for(self, url: str | None = None) -> list[dict[str, str]]:
        """Every subscription with its secret in clear (the local stack seeds its receiver with them)."""
        with self._cond:
            return [
                {"id": str(s.id), "url": s.url, "subscribed_to": s.subscribed_to, "secret": s.secret}
                for s in self.subscriptions.values()
                if url is None or s.url == url
            ]

    def delivery_log(self) -> list[dict[str, Any]]:
        with self._cond:
            return [d.inspect_dto() for d in self.deliveries.values()]

    def reset(self) -> None:
        with self._cond:
            self.subscriptions.clear()
            self.deliveries.clear()
            self._policy = DeliveryPolicy()

    # -- events ------------------------------------------------------------------------------------
    def emit(self, event: str, body: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        """Queue ``event`` for every json_v1 subscription to it; returns the event id and deliveries."""
        if event not in EVENT_TYPES:
            raise ValueError(f"unknown event {event!r}; PayNow's events: {', '.join(EVENT_TYPES)}")
        event_id = event_id or str(self._flakes.next_id())
        envelope = {
            "event_type": envelope_event_type(event),
            "event_id": event_id,
            "timestamp": iso_now(),
            "body": body,
        }
        payload = json.dumps(envelope, separators=(",", ":")).encode()
        queued: list[str] = []
        with self._cond:
            for subscription in self.subscriptions.values():
                if subscription.subscribed_to == event and subscription.type == "json_v1":
                    queued.append(
                        str(self._queue(subscription.id, subscription.url, event, event_id, payload).id)
                    )
            self._ensure_worker()
            self._cond.notify_all()
        return {"event_id": event_id, "event_type": envelope["event_type"], "deliveries": queued}

    def _queue(
        self, webhook_id: int, url: str, event: str, event_id: str, payload: bytes, *, duplicate: bool = False
    ) -> Delivery:
        delivery = Delivery(
            id=self._flakes.next_id(),
            webhook_id=webhook_id,
            url=url,
            event=event,
            event_id=event_id,
            payload=payload,
            created_at=iso_now(),
            duplicate=duplicate,
            due=self._clock(),
        )
        self.deliveries[delivery.id] = delivery
        return delivery

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no delivery is pending (retries included); False if ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._in_flight or any(d.state == "pending" for d in self.deliveries.values()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.05))
            return True

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
        with self._cond:
            if self._client is not None:
                self._client.close()
                self._client = None

    # -- the worker --------------------------------------------------------------------------------
    def _ensure_worker(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._closed = False
            self._thread = threading.Thread(target=self._work, name="paynow-webhooks", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        while True:
            with self._cond:
                delivery = self._next_due()
                if delivery is None:
                    return
                self._in_flight += 1
                subscription = self.subscriptions.get(delivery.webhook_id)
                secret = subscription.secret if subscription is not None else None
                url = subscription.url if subscription is not None else delivery.url
                client = self._http()
                timeout = self._policy.timeout_s
            try:
                self._attempt(delivery, secret, url, client, timeout)
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    def _next_due(self) -> Delivery | None:
        """The next due delivery, waiting for one; None once closed. Caller holds the lock."""
        while not self._closed:
            pending = [d for d in self.deliveries.values() if d.state == "pending"]
            now = self._clock()
            due = [d for d in pending if d.due <= now]
            if due:
                return min(due, key=lambda d: d.due)
            wait = min((d.due - now for d in pending), default=None)
            self._cond.wait(timeout=wait if wait is None else max(wait, 0.001))
        return None

    def _http(self) -> httpx.Client:
        if self._client is None:
            # Never follow redirects: a webhook POST must reach the subscribed URL or fail.
            self._client = httpx.Client(transport=self._transport, follow_redirects=False)
        return self._client

    def _attempt(
        self, delivery: Delivery, secret: str | None, url: str, client: httpx.Client, timeout: float
    ) -> None:
        started = iso_now()
        timestamp = str(time.time_ns() // 1_000_000)
        signature = "" if secret is None else sign(secret, timestamp, delivery.payload)
        status, text = 0, "the subscription was deleted"
        if secret is not None:
            headers = {
                "content-type": "application/json",
                "user-agent": "PayNow-Webhooks (paynow_emulator)",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: signature,
            }
            try:
                response = client.post(url, content=delivery.payload, headers=headers, timeout=timeout)
                status, text = response.status_code, response.text[:MAX_RESPONSE_KEPT]
            except Exception as exc:
                status, text = 0, f"{type(exc).__name__}: {exc}"[:MAX_RESPONSE_KEPT]
        with self._cond:
            delivery.attempts.append(
                Attempt(self._flakes.next_id(), started, iso_now(), status, text, timestamp, signature)
            )
            policy = self._policy
            if 200 <= status < 300:
                delivery.state, delivery.next_retry = "success", None
                if not delivery.duplicate and self._repeat(policy):
                    self._queue(
                        delivery.webhook_id,
                        url,
                        delivery.event,
                        delivery.event_id,
                        delivery.payload,
                        duplicate=True,
                    )
            elif secret is None or len(delivery.attempts) >= policy.max_attempts:
                delivery.state, delivery.next_retry = "failed", None
            else:
                delay = policy.delay(len(delivery.attempts))
                delivery.due = self._clock() + delay
                delivery.next_retry = (
                    datetime.fromtimestamp(time.time() + delay, tz=UTC)
                    .isoformat(timespec="milliseconds")
                    .replace("+00:00", "Z")
                )

    def _repeat(self, policy: DeliveryPolicy) -> bool:
        if policy.duplicate_count > 0:
            policy.duplicate_count -= 1
            return True
        return policy.duplicate_rate > 0 and self._rng.random() < policy.duplicate_rate


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _parse_subscription(body: Any, *, update: bool) -> dict[str, Any]:
    """``CreateWebhookDto`` / ``UpdateWebhookDto``: required fields, enums, no unknown fields."""
    if not isinstance(body, dict):
        raise validation_failed([FieldError("bad-request", "the body must be a JSON object", "$", "type")])
    required = ("url", "subscribed_to", "reset_secret") if update else ("url", "subscribed_to", "type")
    allowed = {*required, *_DISCORD_FIELDS, "discord_format"}
    errors = [
        FieldError("bad-request", f"unknown field '{key}'", key, "additional-properties")
        for key in body
        if key not in allowed
    ]
    errors += [
        FieldError("bad-request", f"'{key}' is required", key, "required")
        for key in required
        if key not in body
    ]
    url = body.get("url")
    if "url" in body and not _is_http_url(url):
        errors.append(FieldError("bad-request", "'url' must be an absolute http(s) URL", "url", "url"))
    enums = {"subscribed_to": EVENT_TYPES, "discord_format": DISCORD_FORMATS}
    if not update:
        enums["type"] = WEBHOOK_TYPES
    for key, choices in enums.items():
        if key in body and body[key] not in choices:
            message = f"'{key}' must be one of {', '.join(choices)}"
            errors.append(FieldError("bad-request", message, key, "enum"))
    if update and "reset_secret" in body and not isinstance(body["reset_secret"], bool):
        errors.append(FieldError("bad-request", "'reset_secret' must be a boolean", "reset_secret", "type"))
    for key in _DISCORD_FIELDS:
        if body.get(key) is not None and not isinstance(body[key], str):
            errors.append(FieldError("bad-request", f"'{key}' must be a string or null", key, "type"))
    if errors:
        raise validation_failed(errors)
    discord = {key: body[key] for key in (*_DISCORD_FIELDS, "discord_format") if key in body}
    return {
        "url": url,
        "subscribed_to": body["subscribed_to"],
        "type": body.get("type"),
        "reset_secret": bool(body.get("reset_secret")),
        "discord": discord,
    }


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 2048:
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
