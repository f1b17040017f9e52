"""Environment of the signup, trusted and authorizer functions: one pydantic model per function."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Self

from paynow.ids import InvalidIdError, validate_flake_id
from pydantic import BaseModel, ConfigDict, Field, field_validator

from customers.steam import origin_of

NonEmpty = Annotated[str, Field(min_length=1)]


class _EnvSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Self:
        return cls.model_validate(dict(os.environ if environ is None else environ))


class PayNowFunctionSettings(_EnvSettings):
    paynow_api_url: str = Field(default="https://api.paynow.gg", alias="PAYNOW_API_URL")
    paynow_store_id: str = Field(alias="PAYNOW_STORE_ID")
    paynow_api_key_secret: NonEmpty = Field(alias="PAYNOW_API_KEY_SECRET")
    event_bus_name: NonEmpty = Field(alias="EVENT_BUS_NAME")
    state_table: NonEmpty = Field(alias="STATE_TABLE")

    @field_validator("paynow_store_id")
    @classmethod
    def _store_id(cls, value: str) -> str:
        try:
            return validate_flake_id(value)
        except InvalidIdError as error:
            raise ValueError(str(error)) from None


class SignupSettings(PayNowFunctionSettings):
    steam_openid_url: str = Field(default="https://steamcommunity.com/openid/login", alias="STEAM_OPENID_URL")
    allowed_origins: tuple[str, ...] = Field(alias="ALLOWED_ORIGINS")

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        origins = []
        for raw in value.split(","):
            if not raw.strip():
                continue
            origin = origin_of(raw.strip())
            if origin is None or origin != raw.strip().rstrip("/").lower():
                raise ValueError(f"{raw.strip()!r} is not an origin like https://shop.example.com")
            origins.append(origin)
        if not origins:
            raise ValueError("at least one origin is required")
        return tuple(origins)

    @field_validator("steam_openid_url")
    @classmethod
    def _steam_url(cls, value: str) -> str:
        if origin_of(value) is None:
            raise ValueError("must be an http(s) URL")
        return value


class TrustedSettings(PayNowFunctionSettings):
    pass


class AuthorizerSettings(_EnvSettings):
    caller_keys_secret: NonEmpty = Field(alias="CALLER_KEYS_SECRET")
    caller_keys_max_age: int = Field(default=300, ge=0, alias="CALLER_KEYS_MAX_AGE")
