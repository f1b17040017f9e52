"""Update mode when the customer disappears between the lookup and the PATCH."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from customers.common.deadline import Deadline
from customers.importer.config import ExistingMode
from customers.importer.model.rejection import RejectCode
from customers.importer.model.valid_row import IDENTITY_PREFIX, ValidRow
from customers.importer.sending import ChunkSender
from paynow.errors import NotFoundError
from paynow.models import Customer, CustomerUpsert, LookupKey

STEAM_ID = "76561198012345678"
EXISTING = Customer(id="429000000000000100", store_id="429000000000000000", created_at="2024-01-01T00:00:00Z")


class VanishingCustomerApi:
    """Finds the customer on lookup, then answers 404 to the PATCH (it was deleted meanwhile)."""

    def __init__(self) -> None:
        self.bulk_calls = 0

    def lookup_customer(
        self, key: LookupKey, value: str, *, deadline: Deadline | None = None
    ) -> Customer | None:
        return EXISTING if (key, value) == (LookupKey.STEAM_ID, STEAM_ID) else None

    def create_customer(self, body: CustomerUpsert, *, deadline: Deadline | None = None) -> Customer:
        raise AssertionError("single creates are not used by the import")

    def update_customer(
        self, customer_id: str, body: CustomerUpsert, *, deadline: Deadline | None = None
    ) -> Customer:
        raise NotFoundError("customer not found", status=404, code="not-found")

    def bulk_create_customers(
        self, items: Sequence[CustomerUpsert], *, deadline: Deadline | None = None
    ) -> list[Customer]:
        self.bulk_calls += 1
        return []

    def create_customer_token(self, customer_id: str, *, deadline: Deadline | None = None) -> str:
        raise AssertionError("not used")

    def invalidate_customer_tokens(self, customer_id: str, *, deadline: Deadline | None = None) -> None:
        raise AssertionError("not used")


def test_a_customer_deleted_before_its_update_rejects_only_that_row() -> None:
    row = ValidRow(
        line=2,
        values=[STEAM_ID, "New"],
        identity_keys=(IDENTITY_PREFIX[LookupKey.STEAM_ID] + STEAM_ID,),
        body={"steam_id": STEAM_ID, "name": "New"},
    )
    sender = ChunkSender(
        VanishingCustomerApi(),
        mode=ExistingMode.UPDATE,
        import_started=datetime.now(UTC),
        sleep=lambda _: None,
    )
    result = sender.send([row], reconcile=True, deadline=Deadline.after(10))
    assert (result.counts.updated, result.counts.created) == (0, 0)
    assert [(r.line, r.code) for r in result.rejections] == [(2, RejectCode.REFUSED)]
    assert EXISTING.id in result.rejections[0].reason
