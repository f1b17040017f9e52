"""Every function masks secrets in its log lines: the redaction filter is installed by the one bootstrap."""

from __future__ import annotations

import io
import logging
import uuid

import pytest

from tests.support.fake_aws import use_fake_credentials
from tests.support.lambda_events import load_function

ENVIRONMENT = {
    "PAYNOW_STORE_ID": "411486491630370816",
    "PAYNOW_API_KEY_SECRET": "paynow/api-key",
    "EVENT_BUS_NAME": "bus",
    "STATE_TABLE": "state",
    "ALLOWED_ORIGINS": "https://shop.example.com",
    "CALLER_KEYS_SECRET": "paynow/caller-keys",
    "IMPORT_BUCKET": "imports",
    "IMPORT_FUNCTION_NAME": "ImportFunction",
    "POWERTOOLS_TRACE_DISABLED": "true",
}
SECRET = "sk_live_0123456789abcdef0123"


@pytest.mark.parametrize("name", ["signup", "trusted", "authorizer", "importer"])
def test_a_secret_looking_value_is_masked_in_the_function_log(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_fake_credentials(monkeypatch, "us-east-1")
    service = f"redaction-{name}-{uuid.uuid4().hex[:8]}"  # a fresh Powertools logger for this sandbox
    for key, value in {**ENVIRONMENT, "POWERTOOLS_SERVICE_NAME": service}.items():
        monkeypatch.setenv(key, value)
    load_function(name)
    (handler,) = logging.getLogger(service).handlers
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        logging.getLogger(service).warning(f"calling with Authorization: Bearer {SECRET}")
    finally:
        handler.setStream(previous)
    line = buffer.getvalue()
    assert "calling with Authorization" in line
    assert SECRET not in line
