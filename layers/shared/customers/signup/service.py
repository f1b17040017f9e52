"""Signup: prove an identity (Steam or Minecraft), find or create its customer, mint its token."""

from __future__ import annotations

from dataclasses import dataclass

from paynow.models import Customer
from pydantic import BaseModel, Field

from customers.common.deadline import Deadline
from customers.common.identity import ResolvedIdentity, SignupRequest, minecraft_identity, steam_identity
from customers.common.provisioning import CustomerProvisioner
from customers.signup.steam import SteamAssertionVerifier


class SignupResponse(BaseModel):
    customer: Customer
    token: str = Field(
        description="A PayNow customer token for the storefront (Authorization: Customer <token>)"
    )
    created: bool = Field(description="True when this request created the customer")


@dataclass
class SignupService:
    provisioner: CustomerProvisioner
    steam: SteamAssertionVerifier

    def identity(self, request: SignupRequest, *, deadline: Deadline) -> ResolvedIdentity:
        if request.steam is not None:
            return steam_identity(self.steam.verify(request.steam, deadline=deadline))
        if request.minecraft is None:
            raise ValueError("SignupRequest without an identity")
        return minecraft_identity(request.minecraft.name, request.minecraft.edition)

    def signup(self, request: SignupRequest, *, deadline: Deadline) -> SignupResponse:
        identity = self.identity(request, deadline=deadline)
        customer, created = self.provisioner.get_or_create(identity, deadline=deadline)
        token = self.provisioner.mint_token(customer.id, deadline=deadline)
        return SignupResponse(customer=customer, token=token, created=created)
