"""In-memory state of one PayNow store: customers, their tokens, and the Minecraft/Steam "world".

Not locked here: the emulator serialises every call under its own lock.
"""

from __future__ import annotations

import bisect
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from paynow_emulator.decisions import DEFAULT_DECISIONS, HouseDecisions
from paynow_emulator.errors import ApiError, FieldError, validation_failed
from paynow_emulator.flake import FlakeGenerator, flake_datetime
from paynow_emulator.payments import PaymentRecord
from paynow_emulator.validation import Upsert, parse_minecraft_uuid

UNIQUE_FIELDS = ("steam_id", "minecraft_uuid", "xbox_xuid")
# Steam's own placeholder avatar: a stable, real URL for profiles the emulator invents.
DEFAULT_STEAM_AVATAR = "https://avatars.steamstatic.com/fef49e7fa7e1997310d705b2a6158ff8dc1cdfeb_full.jpg"


def iso(moment: datetime, timespec: str = "microseconds") -> str:
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


@dataclass(frozen=True)
class MinecraftAccount:
    name: str
    uuid: str
    platform: str  # "java" | "bedrock"

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "uuid": self.uuid, "platform": self.platform}


@dataclass
class CustomerRecord:
    id: int
    created_at: str
    updated_at: str | None = None
    steam_id: str | None = None
    minecraft_uuid: str | None = None
    minecraft_platform: str | None = None
    xbox_xuid: str | None = None
    name: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    minecraft: MinecraftAccount | None = None

    def values(self) -> dict[str, Any]:
        return {
            "steam_id": self.steam_id,
            "minecraft_uuid": self.minecraft_uuid,
            "minecraft_platform": self.minecraft_platform,
            "xbox_xuid": self.xbox_xuid,
            "name": self.name,
            "metadata": dict(self.metadata),
        }


@dataclass(frozen=True)
class _Resolved:
    values: dict[str, Any]
    minecraft: MinecraftAccount | None


class Store:
    def __init__(self, store_id: str, flakes: FlakeGenerator) -> None:
        self.store_id = store_id
        self._flakes = flakes
        self.customers: dict[int, CustomerRecord] = {}
        self._order: list[int] = []  # customer ids ascending, for cursor paging by bisection
        self._index: dict[str, dict[str, int]] = {name: {} for name in UNIQUE_FIELDS}
        self._tokens: dict[str, int] = {}
        self.minecraft_by_name: dict[tuple[str, str], MinecraftAccount] = {}
        self.minecraft_by_uuid: dict[str, MinecraftAccount] = {}
        self.steam_profiles: dict[str, tuple[str, str]] = {}
        self.decisions: HouseDecisions = DEFAULT_DECISIONS
        self.payments: dict[int, PaymentRecord] = {}

    # -- world ------------------------------------------------------------------------------
    def add_minecraft_account(self, name: str, uuid: str, platform: str) -> MinecraftAccount:
        normalised = parse_minecraft_uuid(uuid)
        if normalised is None:
            raise ValueError(f"not a Minecraft UUID: {uuid!r}")
        if platform not in ("java", "bedrock"):
            raise ValueError(f"Minecraft account platform must be 'java' or 'bedrock', got {platform!r}")
        if not name or len(name) > 50:
            raise ValueError("Minecraft account name must be 1..50 characters")
        account = MinecraftAccount(name=name, uuid=normalised, platform=platform)
        self.minecraft_by_name[(platform, name.lower())] = account
        self.minecraft_by_uuid[normalised] = account
        return account

    def set_steam_profile(self, steam_id: str, name: str, avatar_url: str) -> None:
        self.steam_profiles[steam_id] = (name, avatar_url)

    # -- reads -------------------------------------------------------------------------------
    def dto(self, customer: CustomerRecord) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": str(customer.id),
            "store_id": self.store_id,
            "created_at": customer.created_at,
            "updated_at": customer.updated_at,
            "name": customer.name,
            "metadata": dict(customer.metadata),
            "minecraft_uuid": customer.minecraft_uuid,
            "xbox_xuid": customer.xbox_xuid,
        }
        profile: dict[str, Any] | None = None
        if customer.steam_id is not None:
            name, avatar = self.steam_profiles.get(
                customer.steam_id, (f"steam_{customer.steam_id[-6:]}", DEFAULT_STEAM_AVATAR)
            )
            body["steam_id"] = customer.steam_id
            body["steam"] = {"id": customer.steam_id, "name": name, "avatar_url": avatar}
            profile = {"id": customer.steam_id, "platform": "steam", "name": name, "avatar_url": avatar}
        if customer.minecraft is not None:
            avatar = f"https://mc-heads.net/avatar/{customer.minecraft.uuid}"
            body["minecraft"] = {
                "id": customer.minecraft.uuid,
                "name": customer.minecraft.name,
                "avatar_url": avatar,
            }
            if profile is None:
                profile = {
                    "id": customer.minecraft.uuid,
                    "platform": "minecraft",
                    "name": customer.minecraft.name,
                    "avatar_url": avatar,
                }
        if customer.minecraft_platform is not None:
            body["minecraft_platform"] = customer.minecraft_platform
        if profile is not None:
            body["profile"] = profile
        return body

    def get(self, customer_id: int) -> CustomerRecord:
        customer = self.customers.get(customer_id)
        if customer is None:
            raise ApiError(404, "not-found", f"customer {customer_id} not found")
        return customer

    def find_unique(self, field_name: str, value: str) -> CustomerRecord | None:
        owner = self._index[field_name].get(value)
        return None if owner is None else self.customers[owner]

    def find_minecraft_name(self, name: str, platform: str) -> CustomerRecord | None:
        wanted = name.lower()
        for customer in self.customers.values():
            account = customer.minecraft
            if account is not None and account.platform == platform and account.name.lower() == wanted:
                return customer
        return None

    def find_name(self, name: str) -> CustomerRecord | None:
        wanted = name.lower()
        for customer in self.customers.values():
            if customer.name is not None and customer.name.lower() == wanted:
                return customer
        return None

    def page(
        self,
        *,
        asc: bool,
        after: int | None,
        before: int | None,
        limit: int,
        keep: Callable[[CustomerRecord], bool],
    ) -> list[CustomerRecord]:
        """One list page. ``after``/``before`` are positions in the requested order ("after X" follows
        X in that order); a ``before`` page without ``after`` is the ``limit`` items just before X."""
        order = self._order
        low, high = 0, len(order)
        if asc:
            if after is not None:
                low = bisect.bisect_right(order, after)
            if before is not None:
                high = bisect.bisect_left(order, before)
        else:
            if after is not None:
                high = bisect.bisect_left(order, after)
            if before is not None:
                low = bisect.bisect_right(order, before)
        backwards = before is not None and after is None
        ascending = asc != backwards
        indices = range(low, high) if ascending else range(high - 1, low - 1, -1)
        found: list[CustomerRecord] = []
        for index in indices:
            customer = self.customers[order[index]]
            if keep(customer):
                found.append(customer)
                if len(found) == limit:
                    break
        return found[::-1] if backwards else found

    @staticmethod
    def matches_search(customer: CustomerRecord, needle: str) -> bool:
        wanted = needle.lower()
        haystack = [customer.name, customer.steam_id, customer.xbox_xuid, customer.minecraft_uuid]
        if customer.minecraft_uuid is not None:
            haystack.append(customer.minecraft_uuid.replace("-", ""))
        if customer.minecraft is not None:
            haystack.append(customer.minecraft.name)
        return any(value is not None and wanted in value.lower() for value in haystack)

    # -- writes ------------------------------------------------------------------------------
    def _resolve(
        self,
        upsert: Upsert,
        current: CustomerRecord | None,
        prefix: str,
        *,
        reserved: dict[tuple[str, str], str],
        not_found: list[FieldError],
        conflicts: list[FieldError],
    ) -> _Resolved:
        values = (
            current.values()
            if current is not None
            else {
                "steam_id": None,
                "minecraft_uuid": None,
                "minecraft_platform": None,
                "xbox_xuid": None,
                "name": None,
                "metadata": {},
            }
        )
        decisions = self.decisions
        if current is not None and decisions.patch_absent == "clear":
            values = {key: ({} if key == "metadata" else None) for key in values}
        for key, value in upsert.fields.items():
            if value is None and current is not None and decisions.patch_null == "ignored":
                continue
            if key == "metadata":
                merged = dict(values["metadata"]) if current is not None else {}
                if decisions.patch_metadata == "replace" or current is None:
                    merged = {}
                values[key] = merged | ({} if value is None else dict(value))
            else:
                values[key] = value
        minecraft = current.minecraft if current is not None else None
        touched = upsert.fields.keys()
        if "minecraft_uuid" in touched:
            uuid = values["minecraft_uuid"]
            minecraft = None if uuid is None else self.minecraft_by_uuid.get(uuid)
        if (
            values["minecraft_uuid"] is None
            and values["minecraft_platform"] in ("java", "bedrock")
            and values["name"] is not None
            and ("name" in touched or "minecraft_platform" in touched)
        ):
            # PayNow resolves a Minecraft name to its account; a name with no account answers 404.
            account = self.minecraft_by_name.get((values["minecraft_platform"], values["name"].lower()))
            if account is None:
                path = f"{prefix}.name" if prefix else "name"
                not_found.append(
                    FieldError(
                        "not-found",
                        f"Minecraft {values['minecraft_platform']} account '{values['name']}' not found",
                        path,
                        "minecraft-account",
                    )
                )
            else:
                values["minecraft_uuid"] = account.uuid
                minecraft = account
        own_id = current.id if current is not None else None
        for field_name in UNIQUE_FIELDS:
            value = values[field_name]
            if value is None:
                continue
            path = f"{prefix}.{field_name}" if prefix else field_name
            owner = self._index[field_name].get(value)
            if self.decisions.uniqueness_conflict == "allow":
                continue
            if owner is not None and owner != own_id:
                conflicts.append(
                    FieldError(
                        "conflict",
                        f"{field_name} {value} already belongs to customer {owner}",
                        path,
                        "unique",
                    )
                )
            elif (field_name, value) in reserved:
                conflicts.append(
                    FieldError(
                        "conflict",
                        f"{field_name} {value} is also used by item {reserved[(field_name, value)]}",
                        path,
                        "unique",
                    )
                )
            else:
                reserved[(field_name, value)] = prefix or "body"
        return _Resolved(values=values, minecraft=minecraft)

    @staticmethod
    def _raise_resolution(not_found: list[FieldError], conflicts: list[FieldError]) -> None:
        if not_found:
            errors = not_found + conflicts
            raise ApiError(404, "not-found", not_found[0].message, errors)
        if conflicts:
            message = conflicts[0].message
            if len(conflicts) > 1:
                message = f"{message} (and {len(conflicts) - 1} more)"
            raise ApiError(409, "conflict", message, conflicts)

    def _insert(self, resolved: _Resolved) -> CustomerRecord:
        customer_id = self._flakes.next_id()
        customer = CustomerRecord(
            id=customer_id,
            created_at=iso(flake_datetime(customer_id), "milliseconds"),
            minecraft=resolved.minecraft,
            **resolved.values,
        )
        self.customers[customer_id] = customer
        bisect.insort(self._order, customer_id)
        self._reindex(customer, None)
        return customer

    def _reindex(self, customer: CustomerRecord, old: dict[str, Any] | None) -> None:
        for field_name in UNIQUE_FIELDS:
            index = self._index[field_name]
            if old is not None and old[field_name] is not None and index.get(old[field_name]) == customer.id:
                del index[old[field_name]]
        for field_name in UNIQUE_FIELDS:
            value = getattr(customer, field_name)
            if value is not None:
                # setdefault: with uniqueness_conflict "allow", a lookup finds the oldest holder.
                self._index[field_name].setdefault(value, customer.id)

    def create(self, upsert: Upsert) -> CustomerRecord:
        not_found: list[FieldError] = []
        conflicts: list[FieldError] = []
        resolved = self._resolve(upsert, None, "", reserved={}, not_found=not_found, conflicts=conflicts)
        self._raise_resolution(not_found, conflicts)
        return self._insert(resolved)

    def bulk_create(
        self, items: list[tuple[int, Upsert]], invalid: list[FieldError] | None = None
    ) -> list[CustomerRecord]:
        """Create ``(index, item)`` pairs. Atomic (the default decision): any error, including the
        caller's ``invalid`` ones, creates nothing. Not atomic: the items without an error are
        created, then the errors are raised all the same (a partial commit)."""
        invalid = invalid or []
        not_found: list[FieldError] = []
        conflicts: list[FieldError] = []
        reserved: dict[tuple[str, str], str] = {}
        resolved: list[_Resolved] = []
        for index, item in items:
            errors_before = len(not_found) + len(conflicts)
            outcome = self._resolve(
                item, None, f"[{index}]", reserved=reserved, not_found=not_found, conflicts=conflicts
            )
            if len(not_found) + len(conflicts) == errors_before:
                resolved.append(outcome)
        if self.decisions.bulk_atomic:
            if invalid:
                raise validation_failed(invalid)
            self._raise_resolution(not_found, conflicts)
            return [self._insert(item) for item in resolved]
        created = [self._insert(item) for item in resolved]
        if invalid:
            raise validation_failed(invalid + not_found + conflicts)
        self._raise_resolution(not_found, conflicts)
        return created

    def update(self, customer_id: int, upsert: Upsert) -> CustomerRecord:
        customer = self.get(customer_id)
        not_found: list[FieldError] = []
        conflicts: list[FieldError] = []
        resolved = self._resolve(upsert, customer, "", reserved={}, not_found=not_found, conflicts=conflicts)
        self._raise_resolution(not_found, conflicts)
        old = customer.values()
        for key, value in resolved.values.items():
            setattr(customer, key, value)
        customer.minecraft = resolved.minecraft
        customer.updated_at = iso(datetime.now(UTC))
        self._reindex(customer, old)
        return customer

    # -- tokens ------------------------------------------------------------------------------
    def create_token(self, customer_id: int) -> str:
        self.get(customer_id)
        token = secrets.token_urlsafe(32)
        self._tokens[token] = customer_id
        return token

    def invalidate_tokens(self, customer_id: int) -> None:
        self.get(customer_id)
        for token in [token for token, owner in self._tokens.items() if owner == customer_id]:
            del self._tokens[token]

    def customer_for_token(self, token: str) -> CustomerRecord | None:
        owner = self._tokens.get(token)
        return None if owner is None else self.customers.get(owner)

    def active_tokens(self, customer_id: int) -> int:
        return sum(1 for owner in self._tokens.values() if owner == customer_id)

    def reset(self) -> None:
        self.customers.clear()
        self._order.clear()
        for index in self._index.values():
            index.clear()
        self._tokens.clear()
        self.payments.clear()


def token_fingerprint(token: str) -> str:
    """A short non-reversible tag, so rate-limit buckets never hold a customer token itself."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]
