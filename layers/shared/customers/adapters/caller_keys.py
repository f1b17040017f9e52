"""The trusted callers' keys, from a Secrets Manager secret ``{"callers": {"<name>": "<key>"}}``."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.utilities import parameters
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from customers.common import redaction

CallerName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:@-]{1,64}$")]
CallerKey = Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]{24,512}$")]


class CallerKeys(BaseModel):
    model_config = ConfigDict(frozen=True)

    callers: dict[CallerName, CallerKey] = Field(min_length=1)


class InvalidCallerKeysSecretError(ValueError):
    """The secret is not ``{"callers": {name: key}}`` with usable keys. Never carries a key."""


def load_caller_keys(secret_id: str, *, max_age: int = 300) -> dict[str, str]:
    """Cached across warm invocations by Powertools parameters (``max_age`` seconds)."""
    raw = parameters.get_secret(secret_id, transform="json", max_age=max_age)
    try:
        keys = CallerKeys.model_validate(raw)
    except ValueError:
        # The validation error would echo the keys themselves.
        raise InvalidCallerKeysSecretError(
            f'secret {secret_id!r} must be JSON {{"callers": {{"<name>": "<key of 24+ printable chars>"}}}}'
        ) from None
    for key in keys.callers.values():
        redaction.secrets.add(key)
    return dict(keys.callers)
