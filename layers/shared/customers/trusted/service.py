"""Operations for callers the store trusts: resolve a customer (lookup-or-create), mint and revoke tokens."""

from __future__ import annotations

from dataclasses import dataclass

from paynow.errors import NotFoundError
from paynow.ids import InvalidIdError, validate_flake_id
from paynow.models import Customer
from pydantic import BaseModel, ConfigDict, Field, model_validator

from customers.common.deadline import Deadline
from customers.common.errors import CustomerNotFoundError
from customers.common.identity import CustomerName, Identifier, Metadata, ResolvedIdentity
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
        customer, created = self.provisioner.get_or_create(request.identity(), deadline=deadline)
        token = self.create_token(customer.id, deadline=deadline) if request.token else None
        return ResolveResponse(customer=customer, created=created, token=token)

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
