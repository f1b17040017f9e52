"""Who a customer is: the identities a signup proves and the identifiers a trusted caller names.

Every identity ends up as a ``ResolvedIdentity``: the PayNow lookup to try first and the body to
create the customer with when the lookup misses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from paynow.ids import InvalidIdError, normalize_minecraft_uuid, normalize_steam_id, normalize_xuid
from paynow.models import CustomerUpsert, LookupKey, MinecraftPlatform
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Java Edition names: 3-16 of letters, digits and underscore. Bedrock gamertags: letters, digits
# and inner spaces, at most 16 characters.
_JAVA_NAME = re.compile(r"[A-Za-z0-9_]{3,16}")
_BEDROCK_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9 ]{0,14}[A-Za-z0-9])?")
_OPENID_KEY = re.compile(r"openid\.[A-Za-z0-9_.]{1,64}")
MAX_OPENID_FIELDS = 32
MAX_OPENID_VALUE = 2048

Metadata = Annotated[
    dict[Annotated[str, Field(min_length=1, max_length=40)], Annotated[str, Field(max_length=500)]],
    Field(max_length=50),
]
CustomerName = Annotated[str, Field(min_length=1, max_length=50)]


class MinecraftEdition(StrEnum):
    JAVA = "java"
    BEDROCK = "bedrock"


@dataclass(frozen=True, slots=True)
class ResolvedIdentity:
    """A validated identity: how to find its customer, and how to create one."""

    kind: str
    lookup_key: LookupKey
    value: str
    create: CustomerUpsert

    @property
    def lock_key(self) -> str:
        # Names are matched case-insensitively by Minecraft and PayNow; ids are canonical already.
        value = self.value.lower() if self.lookup_key in _NAME_KEYS else self.value
        return f"customer#{self.lookup_key.value}#{value}"


_NAME_KEYS = frozenset({LookupKey.MINECRAFT_JAVA_NAME, LookupKey.MINECRAFT_BEDROCK_NAME, LookupKey.NAME})


def steam_identity(steam_id: str) -> ResolvedIdentity:
    return ResolvedIdentity("steam", LookupKey.STEAM_ID, steam_id, CustomerUpsert(steam_id=steam_id))


def minecraft_identity(name: str, edition: MinecraftEdition) -> ResolvedIdentity:
    if edition is MinecraftEdition.JAVA:
        key, platform = LookupKey.MINECRAFT_JAVA_NAME, MinecraftPlatform.JAVA
    else:
        key, platform = LookupKey.MINECRAFT_BEDROCK_NAME, MinecraftPlatform.BEDROCK
    # PayNow's storefront creates a Minecraft customer from the account name and platform; it
    # resolves the name to the account's UUID itself (and answers 404 for a name with no account).
    return ResolvedIdentity(
        f"minecraft_{edition.value}", key, name, CustomerUpsert(name=name, minecraft_platform=platform)
    )


def check_minecraft_name(name: str, edition: MinecraftEdition) -> str:
    pattern = _JAVA_NAME if edition is MinecraftEdition.JAVA else _BEDROCK_NAME
    if not pattern.fullmatch(name):
        if edition is MinecraftEdition.JAVA:
            raise ValueError("a Java Edition name is 3-16 letters, digits or underscores")
        raise ValueError("a Bedrock gamertag is 1-16 letters, digits or inner spaces")
    return name


class MinecraftSignup(BaseModel):
    """An unverified Minecraft account name, as PayNow's own storefront accepts it."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(description="Minecraft Java name or Bedrock gamertag", examples=["Notch"])]
    edition: Annotated[MinecraftEdition, Field(description="Which Minecraft edition the name belongs to")]

    @model_validator(mode="after")
    def _name_fits_edition(self) -> MinecraftSignup:
        check_minecraft_name(self.name, self.edition)
        return self


class SignupRequest(BaseModel):
    """Body of ``POST /signup``: exactly one of ``steam`` or ``minecraft``."""

    model_config = ConfigDict(extra="forbid")

    steam: Annotated[
        dict[str, str] | None,
        Field(
            description=(
                "The openid.* query parameters of Steam's positive assertion, exactly as the browser "
                "received them on the return_to URL"
            ),
        ),
    ] = None
    minecraft: MinecraftSignup | None = None

    @field_validator("steam")
    @classmethod
    def _openid_fields(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        if len(value) > MAX_OPENID_FIELDS:
            raise ValueError(f"at most {MAX_OPENID_FIELDS} openid fields")
        for key, field_value in value.items():
            if not _OPENID_KEY.fullmatch(key):
                raise ValueError(f"unexpected field {key[:70]!r}: only openid.* parameters are accepted")
            if len(field_value) > MAX_OPENID_VALUE:
                raise ValueError(f"{key} is longer than {MAX_OPENID_VALUE} characters")
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> SignupRequest:
        if (self.steam is None) == (self.minecraft is None):
            raise ValueError("give exactly one identity: 'steam' or 'minecraft'")
        return self


class Identifier(BaseModel):
    """Exactly one identifier a trusted caller names a customer by."""

    model_config = ConfigDict(extra="forbid")

    steam_id: Annotated[str | None, Field(description="SteamID64", examples=["76561198000000000"])] = None
    minecraft_uuid: str | None = None
    xbox_xuid: str | None = None
    minecraft_java_name: str | None = None
    minecraft_bedrock_name: str | None = None
    name: CustomerName | None = None

    @field_validator("steam_id", "xbox_xuid", mode="before")
    @classmethod
    def _numbers_as_strings(cls, value: Any) -> Any:
        # Large ids may arrive as JSON numbers; keep every digit, refuse floats (see paynow.ids).
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("steam_id")
    @classmethod
    def _steam(cls, value: str | None) -> str | None:
        return None if value is None else _checked(normalize_steam_id, value)

    @field_validator("minecraft_uuid")
    @classmethod
    def _uuid(cls, value: str | None) -> str | None:
        return None if value is None else _checked(normalize_minecraft_uuid, value)

    @field_validator("xbox_xuid")
    @classmethod
    def _xuid(cls, value: str | None) -> str | None:
        return None if value is None else _checked(normalize_xuid, value)

    @field_validator("minecraft_java_name")
    @classmethod
    def _java(cls, value: str | None) -> str | None:
        return None if value is None else check_minecraft_name(value, MinecraftEdition.JAVA)

    @field_validator("minecraft_bedrock_name")
    @classmethod
    def _bedrock(cls, value: str | None) -> str | None:
        return None if value is None else check_minecraft_name(value, MinecraftEdition.BEDROCK)

    @model_validator(mode="after")
    def _exactly_one(self) -> Identifier:
        given = [name for name, value in self.__dict__.items() if value is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(type(self).model_fields)} (got {len(given)})")
        return self

    def resolved(
        self, *, name: str | None = None, metadata: dict[str, str] | None = None
    ) -> ResolvedIdentity:
        """The identity, creating new customers with the optional ``name`` and ``metadata``."""
        extra: dict[str, Any] = {}
        if metadata is not None:
            extra["metadata"] = metadata
        if self.minecraft_java_name is not None or self.minecraft_bedrock_name is not None:
            if name is not None:
                raise ValueError("name: a Minecraft customer is named after the Minecraft account")
            edition = MinecraftEdition.JAVA if self.minecraft_java_name else MinecraftEdition.BEDROCK
            base = minecraft_identity(self.minecraft_java_name or self.minecraft_bedrock_name or "", edition)
            return ResolvedIdentity(
                base.kind, base.lookup_key, base.value, base.create.model_copy(update=extra)
            )
        if self.name is not None:
            if name is not None and name != self.name:
                raise ValueError("name: differs from identifier.name")
            return ResolvedIdentity(
                "name", LookupKey.NAME, self.name, CustomerUpsert(name=self.name, **extra)
            )
        if name is not None:
            extra["name"] = name
        if self.steam_id is not None:
            return ResolvedIdentity(
                "steam", LookupKey.STEAM_ID, self.steam_id, CustomerUpsert(steam_id=self.steam_id, **extra)
            )
        if self.minecraft_uuid is not None:
            return ResolvedIdentity(
                "minecraft_uuid",
                LookupKey.MINECRAFT_UUID,
                self.minecraft_uuid,
                CustomerUpsert(minecraft_uuid=self.minecraft_uuid, **extra),
            )
        xuid = self.xbox_xuid or ""
        return ResolvedIdentity("xbox", LookupKey.XBOX_XUID, xuid, CustomerUpsert(xbox_xuid=xuid, **extra))


def _checked(normalize: Any, value: str) -> str:
    try:
        result: str = normalize(value)
    except InvalidIdError as error:
        raise ValueError(str(error)) from None
    return result
