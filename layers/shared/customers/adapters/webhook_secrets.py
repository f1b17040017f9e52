"""The webhook signing secrets, from a Secrets Manager secret holding a list.

The secret string is a JSON array of secrets (``["…", "…"]``) or ``{"secrets": ["…", …]}``: one per
PayNow subscription (each event type has its own), plus an old one kept during a rotation.
"""

from __future__ import annotations

import json
from typing import Annotated

from aws_lambda_powertools.utilities import parameters
from pydantic import StringConstraints, TypeAdapter, ValidationError

from customers.common import redaction

Secret = Annotated[str, StringConstraints(min_length=8, max_length=1024)]
_LIST = TypeAdapter(list[Secret])


class InvalidWebhookSecretsError(ValueError):
    """The secret is not a usable list. Never carries a secret."""


def parse_secrets(raw: object, *, secret_id: str) -> list[str]:
    hint = f'secret {secret_id!r} must be a JSON list of signing secrets, or {{"secrets": [...]}}'
    try:
        document = json.loads(raw) if isinstance(raw, str | bytes) else raw
    except ValueError:
        raise InvalidWebhookSecretsError(f"{hint}: it is not JSON") from None
    if isinstance(document, dict):
        document = document.get("secrets")
    try:
        secrets = _LIST.validate_python(document)
    except ValidationError:
        # The validation error would echo the secrets themselves.
        raise InvalidWebhookSecretsError(f"{hint} (each 8 to 1024 characters)") from None
    if not secrets:
        raise InvalidWebhookSecretsError(f"{hint}: the list is empty")
    return secrets


class SecretsManagerSigningSecrets:
    """Cached across warm invocations by Powertools parameters for ``max_age`` seconds."""

    def __init__(self, secret_id: str, *, max_age: int = 300) -> None:
        self.secret_id = secret_id
        self.max_age = max_age

    def current(self, *, refresh: bool = False) -> list[str]:
        raw = parameters.get_secret(self.secret_id, max_age=self.max_age, force_fetch=refresh)
        secrets = parse_secrets(raw, secret_id=self.secret_id)
        for secret in secrets:
            redaction.secrets.add(secret)
        return secrets
