"""The signup function's environment, parsed once by a pydantic model."""

from __future__ import annotations

from pydantic import Field, field_validator

from customers.common.settings import PayNowFunctionSettings
from customers.signup.steam import origin_of


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
