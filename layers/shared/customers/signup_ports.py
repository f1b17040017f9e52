"""Ports of the signup/token domain beyond ``customers.ports``: state, Steam, events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from paynow.deadline import Deadline
from paynow.models import Customer


@dataclass(frozen=True, slots=True)
class Claim:
    """Outcome of trying to take a creation lock.

    ``acquired`` is True for the caller now holding it. Otherwise ``customer`` is the finished
    holder's result when it completed, or None while it is still working.
    """

    acquired: bool
    customer: dict[str, Any] | None = None


class CreationLock(Protocol):
    """A short-lived, per-identity lock whose completed record also carries the holder's result."""

    def claim(self, key: str, owner: str, *, hold_seconds: float) -> Claim: ...

    def complete(self, key: str, owner: str, customer: Customer, *, keep_seconds: float) -> None: ...

    def release(self, key: str, owner: str) -> None: ...


class NonceStore(Protocol):
    def use_once(self, key: str, *, keep_seconds: float) -> bool:
        """Record ``key``; False when it was recorded before (a replay)."""
        ...


class SteamAuthenticator(Protocol):
    def check_authentication(self, params: dict[str, str], *, deadline: Deadline) -> bool:
        """Ask the OpenID provider whether it issued this assertion (``is_valid:true``)."""
        ...


class EventPublisher(Protocol):
    def customer_created(self, customer: Customer, *, via: str, identity_kind: str) -> None: ...
