"""The PayNow API key kept in AWS Secrets Manager, as a bare string or JSON ``{"api_key": "..."}``.

Error messages here name the secret, never its value.
"""

from __future__ import annotations

import json
import logging

from aws_lambda_powertools.utilities.parameters import get_secret
from paynow.api_key import ApiKeyError, checked_key


class SecretApiKeyProvider:
    """The key stored in AWS Secrets Manager, as a bare string or JSON ``{"api_key": "..."}``.

    Reads go through Powertools parameters, which caches the value for ``max_age`` seconds across
    invocations of a warm sandbox; ``get(force=True)`` re-reads it so a rotated key heals at once.
    """

    def __init__(self, secret_id: str, max_age: int = 300) -> None:
        if not secret_id:
            raise ApiKeyError("secret_id is empty")
        self.secret_id = secret_id
        self.max_age = max_age
        _install_botocore_redaction()

    def get(self, force: bool = False) -> str:
        raw = get_secret(self.secret_id, max_age=self.max_age, force_fetch=force)
        return parse_secret_value(raw, secret_id=self.secret_id)

    def __repr__(self) -> str:
        return f"SecretApiKeyProvider(secret_id={self.secret_id!r}, max_age={self.max_age})"


def parse_secret_value(raw: object, *, secret_id: str) -> str:
    """The key inside a secret's value: bare string, or a JSON object with a string ``api_key``."""
    source = f"secret {secret_id!r}"
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiKeyError(f"{source} is binary, not UTF-8 text") from None
    if isinstance(raw, dict):
        document: object = raw
    elif isinstance(raw, str):
        text = raw.strip()
        if not text.startswith("{"):
            return checked_key(text, source=source)
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            # ``from None``: the decode error carries the whole document, key included.
            raise ApiKeyError(f"{source} starts with '{{' but is not valid JSON") from None
    else:
        raise ApiKeyError(f"{source} has an unsupported value type {type(raw).__name__}")
    key = document.get("api_key") if isinstance(document, dict) else None
    if not isinstance(key, str):
        raise ApiKeyError(f'{source} is JSON without a string "api_key" field')
    return checked_key(key.strip(), source=source)


class _RedactSecretValues(logging.Filter):
    """botocore logs every response body at DEBUG, GetSecretValue's (the API key) included.

    A DEBUG log level (e.g. Lambda's AWS_LAMBDA_LOG_LEVEL) would otherwise print the key.
    """

    _MARKERS = ("SecretString", "SecretBinary")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(self._carries_secret(arg) for arg in record.args):
            record.msg = "Response body: <redacted: carries a Secrets Manager secret value>"
            record.args = ()
        return True

    def _carries_secret(self, value: object) -> bool:
        if isinstance(value, bytes):
            return any(marker.encode() in value for marker in self._MARKERS)
        if isinstance(value, str | dict):
            return any(marker in value for marker in self._MARKERS)
        return False


def _install_botocore_redaction() -> None:
    parsers_logger = logging.getLogger("botocore.parsers")
    if not any(isinstance(f, _RedactSecretValues) for f in parsers_logger.filters):
        parsers_logger.addFilter(_RedactSecretValues())
