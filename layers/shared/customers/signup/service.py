"""Signup: prove an identity (Steam or Minecraft), find or create its customer, mint its token.

The anonymous caller gets the least that serves it: the customer's id and display name, the
platform it signed in with, whether it was created, and a token. Never metadata, never another
platform's identifier. An unverified Minecraft name only ever reaches a customer whose sole identity
is that Minecraft account; which Minecraft sign-ins are allowed at all is the store's choice
(``MinecraftSignupPolicy``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum

from paynow.models import Customer
from pydantic import BaseModel, Field

from customers.common.deadline import Deadline
from customers.common.errors import (
    SignupMethodDisabledError,
    TooManyRequestsError,
    VerifiedSignInRequiredError,
)
from customers.common.identity import ResolvedIdentity, SignupRequest, minecraft_identity, steam_identity
from customers.common.provisioning import CustomerProvisioner
from customers.signup.ports import ClientRateLimiter
from customers.signup.steam import SteamAssertionVerifier


class MinecraftSignupPolicy(StrEnum):
    """What an unverified Minecraft sign-in may do (template parameter ``MinecraftSignup``)."""

    ENABLED = "enabled"  # find or create a Minecraft-only customer
    NEW_ONLY = "new-only"  # create a new customer only; an existing one needs a verified sign-in
    DISABLED = "disabled"  # refused: the store signs players in through Steam only


class Platform(StrEnum):
    STEAM = "steam"
    MINECRAFT_JAVA = "minecraft_java"
    MINECRAFT_BEDROCK = "minecraft_bedrock"


class SignedInCustomer(BaseModel):
    id: str = Field(description="PayNow customer id")
    display_name: str | None = Field(
        default=None, description="The name to greet the player with (the platform profile's name)"
    )


class SignupResponse(BaseModel):
    """What the browser gets: nothing about the customer beyond what it needs to greet the player."""

    customer: SignedInCustomer
    platform: Platform = Field(description="Which platform the player signed in with")
    created: bool = Field(description="True when this request created the customer")
    token: str = Field(
        description="A PayNow customer token for the storefront (Authorization: Customer <token>)"
    )


def other_identities(customer: Customer) -> list[str]:
    """The identities of ``customer`` besides a Minecraft account (empty: a Minecraft-only customer)."""
    others = []
    if customer.steam_id:
        others.append("Steam")
    if customer.xbox_xuid:
        others.append("Xbox")
    profile = customer.profile
    if profile is not None and profile.platform and "minecraft" not in profile.platform.lower():
        others.append(profile.platform)
    return others


def display_name(customer: Customer, platform: Platform) -> str | None:
    profile = customer.steam if platform is Platform.STEAM else customer.minecraft
    return (profile.name if profile is not None else None) or customer.name


def client_of(source_ip: str | None) -> str | None:
    """The rate-limited client: the source address, or its /64 for IPv6 (one subscriber's block)."""
    if not source_ip:
        return None
    try:
        address = ipaddress.ip_address(source_ip)
    except ValueError:
        return source_ip[:64]
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


@dataclass
class SignupService:
    provisioner: CustomerProvisioner
    steam: SteamAssertionVerifier
    minecraft_policy: MinecraftSignupPolicy = MinecraftSignupPolicy.ENABLED
    limiter: ClientRateLimiter | None = None

    def identity(self, request: SignupRequest, *, deadline: Deadline) -> ResolvedIdentity:
        if request.steam is not None:
            return steam_identity(self.steam.verify(request.steam, deadline=deadline))
        if request.minecraft is None:
            raise ValueError("SignupRequest without an identity")
        if self.minecraft_policy is MinecraftSignupPolicy.DISABLED:
            raise SignupMethodDisabledError(
                "this store does not accept Minecraft names; sign in through Steam"
            )
        return minecraft_identity(request.minecraft.name, request.minecraft.edition)

    def signup(
        self, request: SignupRequest, *, deadline: Deadline, client: str | None = None
    ) -> SignupResponse:
        self._within_limit(client)
        identity = self.identity(request, deadline=deadline)
        platform = Platform(identity.kind)
        customer, created = self.provisioner.get_or_create(identity, deadline=deadline)
        if platform is not Platform.STEAM:
            self._check_unverified(customer, created=created)
        token = self.provisioner.mint_token(customer.id, deadline=deadline)
        return SignupResponse(
            customer=SignedInCustomer(id=customer.id, display_name=display_name(customer, platform)),
            platform=platform,
            created=created,
            token=token,
        )

    def _within_limit(self, client: str | None) -> None:
        if self.limiter is None or client is None:
            return
        retry_after = self.limiter.acquire(client)
        if retry_after is not None:
            raise TooManyRequestsError(
                f"too many sign-ups from this address; retry in {retry_after} s", retry_after=retry_after
            )

    def _check_unverified(self, customer: Customer, *, created: bool) -> None:
        """A Minecraft name proves nothing: it may reach only a customer nobody else can claim."""
        # The message does not say which identity: that would tell anyone who owns which name.
        if other_identities(customer):
            raise VerifiedSignInRequiredError(
                "this Minecraft account is linked to a verified sign-in; sign in with it (e.g. through Steam)"
            )
        if not created and self.minecraft_policy is MinecraftSignupPolicy.NEW_ONLY:
            raise VerifiedSignInRequiredError(
                "this Minecraft account already has a customer; sign in the verified way"
            )
