"""The signup function's environment, parsed once by a pydantic model."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from customers.common.settings import PayNowFunctionSettings
from customers.signup.service import MinecraftSignupPolicy
from customers.signup.steam import origin_of


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class SignupSettings(PayNowFunctionSettings):
    steam_openid_url: str = Field(default="https://steamcommunity.com/openid/login", alias="STEAM_OPENID_URL")
    allowed_origins: tuple[str, ...] = Field(alias="ALLOWED_ORIGINS")
    steam_return_paths: tuple[str, ...] = Field(default=("/",), alias="STEAM_RETURN_PATHS")
    minecraft_signup: MinecraftSignupPolicy = Field(
        default=MinecraftSignupPolicy.ENABLED, alias="MINECRAFT_SIGNUP"
    )
    # Sign-ups per client address per window; 0 switches the per-client limit off.
    signup_client_limit: int = Field(default=20, ge=0, alias="SIGNUP_CLIENT_LIMIT")
    signup_client_window_seconds: int = Field(
        default=60, ge=1, le=86400, alias="SIGNUP_CLIENT_WINDOW_SECONDS"
    )

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
            host = urlsplit(origin).hostname or ""
            if origin.startswith("http://") and not _is_loopback(host):
                # A sign-in page served over plain http can be rewritten in transit.
                raise ValueError(f"{origin!r}: http:// origins are allowed only on loopback; use https://")
            origins.append(origin)
        if not origins:
            raise ValueError("at least one origin is required")
        return tuple(origins)

    @field_validator("steam_return_paths", mode="before")
    @classmethod
    def _paths(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        paths = tuple(p.strip() for p in value.split(",") if p.strip())
        for path in paths:
            if not path.startswith("/") or "?" in path or "#" in path:
                raise ValueError(f"{path!r} is not a path like /steam/return (no query or fragment)")
        if not paths:
            raise ValueError("at least one return path is required")
        return paths

    @field_validator("steam_openid_url")
    @classmethod
    def _steam_url(cls, value: str) -> str:
        if origin_of(value) is None:
            raise ValueError("must be an http(s) URL")
        return value
