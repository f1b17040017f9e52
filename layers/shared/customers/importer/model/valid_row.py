"""A row that passed validation, ready to send to PayNow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from paynow.models import CustomerUpsert, LookupKey

# Short prefixes keep the on-disk duplicate index small: "s:76561198000000001".
IDENTITY_PREFIX = {LookupKey.STEAM_ID: "s:", LookupKey.MINECRAFT_UUID: "m:", LookupKey.XBOX_XUID: "x:"}


@dataclass(slots=True)
class ValidRow:
    """A row ready to send: the upsert ``body``, its ``identity_keys`` (``IDENTITY_PREFIX`` + value,
    the in-file duplicate keys; never empty) and its ``fingerprint`` (``RowValidator.fingerprint``:
    what tells a later duplicate which imported values it differs in)."""

    line: int
    values: list[str]
    identity_keys: tuple[str, ...]
    body: dict[str, Any]
    fingerprint: tuple[int, ...]

    def upsert(self) -> CustomerUpsert:
        return CustomerUpsert(**self.body)

    @property
    def identities(self) -> list[tuple[LookupKey, str]]:
        """(lookup key, normalised value) pairs, in steam, minecraft, xbox order."""
        return [(key, self.body[key.value]) for key in IDENTITY_PREFIX if key.value in self.body]
