"""Typed request and response models for PayNow's Customers resource.

Responses ignore unknown fields (PayNow's schema drifts) and accept both ``null`` and an absent key
for every optional field. Requests forbid unknown fields, exactly as the API does
(``additionalProperties: false``), so a typo fails here rather than as a 400 from PayNow.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class MinecraftPlatform(StrEnum):
    UNKNOWN = "unknown"
    JAVA = "java"
    BEDROCK = "bedrock"


class LookupKey(StrEnum):
    """The seven query parameters ``GET /customers/lookup`` accepts (exactly one per call)."""

    ID = "id"
    STEAM_ID = "steam_id"
    MINECRAFT_UUID = "minecraft_uuid"
    XBOX_XUID = "xbox_xuid"
    MINECRAFT_JAVA_NAME = "minecraft_java_name"
    MINECRAFT_BEDROCK_NAME = "minecraft_bedrock_name"
    NAME = "name"


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SteamProfile(_Response):
    id: str | None = None
    name: str | None = None
    avatar_url: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_string(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class MinecraftProfile(_Response):
    id: str | None = None
    name: str | None = None
    avatar_url: str | None = None


class GenericProfile(_Response):
    id: str | None = None
    platform: str | None = None
    name: str | None = None
    avatar_url: str | None = None


class Customer(_Response):
    """``CustomerDto``. Ids are strings end to end."""

    id: str
    store_id: str
    created_at: str
    metadata: dict[str, str] = Field(default_factory=dict)
    profile: GenericProfile | None = None
    steam_id: str | None = None
    steam: SteamProfile | None = None
    minecraft_uuid: str | None = None
    minecraft: MinecraftProfile | None = None
    xbox_xuid: str | None = None
    minecraft_platform: str | None = None
    name: str | None = None
    updated_at: str | None = None

    @field_validator("id", "store_id", "steam_id", "xbox_xuid", mode="before")
    @classmethod
    def _ids_as_strings(cls, value: Any) -> Any:
        # The spec says strings; a JSON number would already have lost precision in most
        # clients, but Python's json keeps ints exact, so normalise rather than reject.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("metadata", mode="before")
    @classmethod
    def _metadata_null_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value


class CustomerToken(_Response):
    token: str


class Payment(_Response):
    """The part of PayNow's ``PaymentDto`` this project reads: who paid, and the chargeback state."""

    id: str
    customer_id: str | None = None
    chargeback_status: str | None = None

    @field_validator("id", "customer_id", mode="before")
    @classmethod
    def _ids_as_strings(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class CustomerUpsert(BaseModel):
    """``UpsertCustomerRequestDto``: the body of create, update and each bulk item.

    Only fields that were set are sent (``to_body``). For PATCH, an explicit ``None`` clears the
    field and an absent one leaves it alone; ``metadata`` replaces the whole map.
    """

    model_config = ConfigDict(extra="forbid")

    steam_id: str | None = None
    minecraft_uuid: str | None = None
    minecraft_platform: MinecraftPlatform | None = None
    xbox_xuid: str | None = None
    name: str | None = None
    metadata: dict[str, str] | None = None

    def to_body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)
