"""The authorizer function's environment, parsed once by a pydantic model."""

from __future__ import annotations

from pydantic import Field

from customers.common.settings import EnvSettings, NonEmpty


class AuthorizerSettings(EnvSettings):
    caller_keys_secret: NonEmpty = Field(alias="CALLER_KEYS_SECRET")
    caller_keys_max_age: int = Field(default=300, ge=0, alias="CALLER_KEYS_MAX_AGE")
