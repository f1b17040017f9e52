"""Operations for callers the store trusts: resolve a customer (lookup-or-create), mint and revoke tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from paynow.errors import NotFoundError
from paynow.ids import InvalidIdError, validate_flake_id
from paynow.models import Customer, LookupKey
from pydantic import BaseModel, ConfigDict, Field, model_validator

from customers.common.deadline import Deadline
from customers.common.errors import CustomerNotFoundError, IdentifierConflictError
from customers.common.identity import (
    CustomerName,
    Identifier,
    Metadata,
    ResolvedIdentity,
    platform_identities,
)
from customers.common.ports import CustomersApi
from customers.common.provisioning import CustomerProvisioner


class ResolveRequest(BaseModel):
    """Body of ``POST /customers/resolve`` (and the direct ``resolve`` action)."""

    model_config = ConfigDict(extra="forbid")

    identifier: Identifier
    name: CustomerName | None = Field(default=None, description="Name for a customer created by this call")
    metadata: Metadata | None = Field(
        default=None, description="Metadata for a customer created by this call"
    )
    token: bool = Field(default=False, description="Also mint a customer token")

    @model_validator(mode="after")
    def _consistent(self) -> ResolveRequest:
        self.identity()
        return self

    def identity(self) -> ResolvedIdentity:
        return self.identifier.resolved(name=self.name, metadata=self.metadata)


class ResolveResponse(BaseModel):
    customer: Customer
    created: bool = Field(description="True when this call created the customer")
    token: str | None = Field(default=None, description="Present when the request asked for a token")
    not_applied: list[Literal["name", "metadata"]] = Field(
        default_factory=list,
        description=(
            "Request fields this call did not apply: the customer already existed, and name and "
            "metadata are set only on customers this call creates (change them in PayNow)"
        ),
    )


class TokenResponse(BaseModel):
    token: str


def customer_id_or_error(value: str) -> str:
    """A customer id in canonical form; ``ValueError`` naming the problem otherwise."""
    try:
        return validate_flake_id(value)
    except InvalidIdError as error:
        raise ValueError(f"customerId: {error}") from None


@dataclass
class TrustedService:
    provisioner: CustomerProvisioner

    @property
    def api(self) -> CustomersApi:
        return self.provisioner.api

    def resolve(self, request: ResolveRequest, *, deadline: Deadline) -> ResolveResponse:
        identity = request.identity()
        customer, created = self.provisioner.get_or_create(identity, deadline=deadline)
        if identity.lookup_key is LookupKey.NAME and (platforms := platform_identities(customer)):
            # Names are free text anyone can claim (a Minecraft signup takes the account's name):
            # a name never stands in for a platform identity. Resolve such customers by that id.
            raise IdentifierConflictError(
                f"the customer named {identity.value!r} has a platform identity ({', '.join(platforms)}); "
                "resolve it by that identifier"
            )
        token = self.create_token(customer.id, deadline=deadline) if request.token else None
        return ResolveResponse(
            customer=customer, created=created, token=token, not_applied=_not_applied(request, created)
        )

    def create_token(self, customer_id: str, *, deadline: Deadline) -> str:
        try:
            return self.provisioner.mint_token(customer_id, deadline=deadline)
        except NotFoundError:
            raise CustomerNotFoundError(f"no customer {customer_id}") from None

    def invalidate_tokens(self, customer_id: str, *, deadline: Deadline) -> None:
        try:
            self.api.invalidate_customer_tokens(customer_id, deadline=deadline)
        except NotFoundError:
            raise CustomerNotFoundError(f"no customer {customer_id}") from None

    def payer_of(self, payment_id: str, *, deadline: Deadline) -> str:
        """The customer who made the payment (on a gift, the buyer, not the recipient)."""
        try:
            payment = self.api.get_payment(payment_id, deadline=deadline)
        except NotFoundError:
            raise CustomerNotFoundError(f"no payment {payment_id}") from None
        if not payment.customer_id:
            raise CustomerNotFoundError(f"payment {payment_id} names no customer")
        return payment.customer_id

    def revoke(
        self,
        *,
        customer_id: str | None,
        payment_id: str | None,
        cause: dict[str, Any] | None,
        deadline: Deadline,
    ) -> str:
        """Revokes every token of the customer (named, or the payer of ``payment_id``) and records it
        as a ``Customer Tokens Revoked`` event; returns the customer id."""
        resolved_from_payment = customer_id is None
        if customer_id is None:
            if payment_id is None:
                raise ValueError("revoke needs a customer_id or a payment_id")
            customer_id = self.payer_of(payment_id, deadline=deadline)
        self.invalidate_tokens(customer_id, deadline=deadline)
        detail: dict[str, Any] = {"customer_id": customer_id, "resolved_from_payment": resolved_from_payment}
        if payment_id is not None:
            detail["payment_id"] = payment_id
        if cause:
            detail["cause"] = cause
        self.provisioner.events.tokens_revoked(detail)
        return customer_id


def _not_applied(request: ResolveRequest, created: bool) -> list[Literal["name", "metadata"]]:
    if created:
        return []
    fields: list[Literal["name", "metadata"]] = []
    # identifier.name is how the customer was found, not a name to set.
    if request.name is not None and request.identifier.name is None:
        fields.append("name")
    if request.metadata is not None:
        fields.append("metadata")
    return fields
