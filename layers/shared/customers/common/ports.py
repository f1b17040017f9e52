"""The interfaces every feature talks to: PayNow, the creation lock, customer events.

Adapters implement them; tests use the in-memory fakes in ``tests.support``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from paynow.models import Customer, CustomerUpsert, LookupKey, Payment

    from customers.common.deadline import Deadline


class CustomersApi(Protocol):
    """The subset of ``paynow.client.PayNowClient`` the domain uses (the client satisfies it)."""

    def lookup_customer(
        self, key: LookupKey, value: str, *, deadline: Deadline | None = None
    ) -> Customer | None: ...

    def create_customer(self, body: CustomerUpsert, *, deadline: Deadline | None = None) -> Customer: ...

    def update_customer(
        self, customer_id: str, body: CustomerUpsert, *, deadline: Deadline | None = None
    ) -> Customer: ...

    def bulk_create_customers(
        self, items: Sequence[CustomerUpsert], *, deadline: Deadline | None = None
    ) -> list[Customer]: ...

    def create_customer_token(self, customer_id: str, *, deadline: Deadline | None = None) -> str: ...

    def invalidate_customer_tokens(self, customer_id: str, *, deadline: Deadline | None = None) -> None: ...

    def get_payment(self, payment_id: str, *, deadline: Deadline | None = None) -> Payment: ...


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


class CustomerEventPublisher(Protocol):
    """Announces customers this application created (EventBridge in production)."""

    def customer_created(self, customer: Customer, *, via: str, identity_kind: str) -> None: ...

    def tokens_revoked(self, detail: dict[str, Any]) -> None: ...


@runtime_checkable
class CustomerListing(Protocol):
    """Listing customers in id order (``paynow.client.PayNowClient`` has it): the importer's
    reconciliation walks the customers an ambiguous call may have created instead of looking each
    row up."""

    def list_customers(
        self,
        limit: int = 25,
        *,
        after: str | None = None,
        before: str | None = None,
        asc: bool = False,
        deadline: Deadline | None = None,
    ) -> list[Customer]: ...
