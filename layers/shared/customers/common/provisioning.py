"""Find or create the customer of an identity exactly once, and mint its tokens (signup and trusted)."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from paynow.errors import ConflictError, NotFoundError, PayNowError, outcome_unknown
from paynow.models import Customer, LookupKey

from customers.common import redaction
from customers.common.deadline import Deadline
from customers.common.errors import IdentityBusyError, MinecraftAccountNotFoundError
from customers.common.identity import ResolvedIdentity
from customers.common.ports import CreationLock, CustomerEventPublisher, CustomersApi

_MINECRAFT_NAME_KEYS = (LookupKey.MINECRAFT_JAVA_NAME, LookupKey.MINECRAFT_BEDROCK_NAME)


def _backoff(attempt: int) -> float:
    # Waiters poll the lock record; full jitter spreads 50 of them out.
    return random.uniform(0.02, min(0.5, 0.05 * 2**attempt))  # noqa: S311 -- jitter, not a secret


@dataclass
class CustomerProvisioner:
    """Lookup-or-create, with a per-identity lock so concurrent requests create one customer.

    The lock holder creates the customer and leaves its result on the lock record for the
    requests that waited; a 409 on create means someone else got there first (look it up).
    """

    api: CustomersApi
    lock: CreationLock
    events: CustomerEventPublisher
    via: str
    hold_seconds: float = 30.0
    keep_seconds: float = 120.0
    backoff: Callable[[int], float] = _backoff
    sleep: Callable[[float], None] = time.sleep
    owner: Callable[[], str] = field(default=lambda: uuid.uuid4().hex)

    def get_or_create(self, identity: ResolvedIdentity, *, deadline: Deadline) -> tuple[Customer, bool]:
        found = self.api.lookup_customer(identity.lookup_key, identity.value, deadline=deadline)
        if found is not None:
            return found, False
        return self._create_once(identity, deadline)

    def _create_once(self, identity: ResolvedIdentity, deadline: Deadline) -> tuple[Customer, bool]:
        owner = self.owner()
        attempt = 0
        while True:
            hold = min(self.hold_seconds, deadline.remaining() + 2.0)
            claim = self.lock.claim(identity.lock_key, owner, hold_seconds=hold)
            if claim.acquired:
                return self._create_holding(identity, owner, deadline, recheck=attempt > 0)
            if claim.customer is not None:
                return Customer.model_validate(claim.customer), False
            delay = self.backoff(attempt)
            if deadline.remaining() <= delay:
                raise IdentityBusyError("another request is creating this customer; retry shortly")
            self.sleep(delay)
            attempt += 1

    def _create_holding(
        self, identity: ResolvedIdentity, owner: str, deadline: Deadline, *, recheck: bool
    ) -> tuple[Customer, bool]:
        try:
            # After waiting, the previous holder may have created it before failing.
            found = (
                self.api.lookup_customer(identity.lookup_key, identity.value, deadline=deadline)
                if recheck
                else None
            )
            customer, created = (found, False) if found is not None else self._create(identity, deadline)
        except BaseException:
            self.lock.release(identity.lock_key, owner)
            raise
        if created:
            self.events.customer_created(customer, via=self.via, identity_kind=identity.kind)
        self.lock.complete(identity.lock_key, owner, customer, keep_seconds=self.keep_seconds)
        return customer, created

    def _create(self, identity: ResolvedIdentity, deadline: Deadline) -> tuple[Customer, bool]:
        try:
            return self.api.create_customer(identity.create, deadline=deadline), True
        except ConflictError:
            existing = self.api.lookup_customer(identity.lookup_key, identity.value, deadline=deadline)
            if existing is None:
                raise
            return existing, False
        except NotFoundError:
            if identity.lookup_key in _MINECRAFT_NAME_KEYS:
                edition = "Java" if identity.lookup_key is LookupKey.MINECRAFT_JAVA_NAME else "Bedrock"
                raise MinecraftAccountNotFoundError(
                    f"no Minecraft {edition} Edition account is named {identity.value!r}"
                ) from None
            raise
        except PayNowError as error:
            if not outcome_unknown(error):
                raise
            # The create may have landed; we hold the lock, so a customer found now is ours.
            landed = self.api.lookup_customer(identity.lookup_key, identity.value, deadline=deadline)
            if landed is None:
                raise
            return landed, True

    def mint_token(self, customer_id: str, *, deadline: Deadline) -> str:
        """A fresh customer token, registered for log redaction before anyone can log it."""
        token = self.api.create_customer_token(customer_id, deadline=deadline)
        redaction.secrets.add(token)
        return token
