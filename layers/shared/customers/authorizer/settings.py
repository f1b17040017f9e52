"""The authorizer function's environment, parsed once by a pydantic model."""

from __future__ import annotations

from pydantic import Field

from customers.common.settings import EnvSettings, NonEmpty


class AuthorizerSettings(EnvSettings):
    caller_keys_secret: NonEmpty = Field(alias="CALLER_KEYS_SECRET")
    # Seconds a sandbox reuses the keys it read. With API Gateway's 30 s result cache
    # (ReauthorizeEvery), a key removed from the secret stops working within a minute.
    caller_keys_max_age: int = Field(default=30, ge=0, le=300, alias="CALLER_KEYS_MAX_AGE")
