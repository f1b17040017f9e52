"""The interfaces the domain talks to. Adapters implement them; tests use in-memory fakes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from paynow.deadline import Deadline
from paynow.models import Customer, CustomerUpsert, LookupKey


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
