"""What the webhook receiver needs from the world: its signing secrets, a ledger of event ids, a bus."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any, Protocol


class ClaimOutcome(StrEnum):
    CLAIMED = "claimed"  # ours to publish
    PUBLISHED = "published"  # already on the bus: a repeat
    IN_PROGRESS = "in_progress"  # another delivery of the same event is publishing right now


class SigningSecrets(Protocol):
    def current(self, *, refresh: bool = False) -> Sequence[str]:
        """Every secret a valid delivery may be signed with; ``refresh`` re-reads the store."""
        ...


class DeliveryLedger(Protocol):
    def claim(self, event_id: str, owner: str) -> ClaimOutcome: ...

    def mark_published(self, event_id: str, owner: str) -> None: ...

    def release(self, event_id: str, owner: str) -> None: ...


class WebhookBus(Protocol):
    def publish(self, envelope: dict[str, Any], raw_body: bytes) -> None:
        """Puts one event on the bus, or raises. ``raw_body`` is the verified request body."""
        ...
