"""Every function masks secrets in its log lines: the redaction filter is installed by the one bootstrap."""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

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
    "WEBHOOK_SECRETS_SECRET": "paynow/webhook-secrets",
    "WEBHOOK_PAYLOAD_BUCKET": "imports",
    "POWERTOOLS_TRACE_DISABLED": "true",
}
SECRET = "sk_live_0123456789abcdef0123"


@contextmanager
def function_log(
    name: str, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """Function ``name`` loaded, its service's log handler writing to the buffer yielded until exit."""
    use_fake_credentials(monkeypatch, "us-east-1")
    service = f"{prefix}-{uuid.uuid4().hex[:8]}"  # a fresh Powertools logger for this sandbox
    for key, value in {**ENVIRONMENT, "POWERTOOLS_SERVICE_NAME": service}.items():
        monkeypatch.setenv(key, value)
    load_function(name)
    (handler,) = logging.getLogger(service).handlers
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield logging.getLogger(service), buffer
    finally:
        handler.setStream(previous)


@pytest.mark.parametrize("name", ["signup", "trusted", "authorizer", "importer", "webhooks"])
def test_a_secret_looking_value_is_masked_in_the_function_log(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with function_log(name, f"redaction-{name}", monkeypatch) as (logger, buffer):
        logger.warning(f"calling with Authorization: Bearer {SECRET}")
    line = buffer.getvalue()
    assert "calling with Authorization" in line
    assert SECRET not in line


@pytest.mark.parametrize("name", ["signup", "trusted", "authorizer", "importer", "webhooks"])
def test_every_function_masks_format_arguments_and_api_key_text_without_raising(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with function_log(name, f"redaction-args-{name}", monkeypatch) as (logger, buffer):
        logger.warning("Bearer %s", SECRET)
        logger.warning("unknown field pnapi_x; key pnapi_v1_0123456789abcdef")
    text = buffer.getvalue()
    assert SECRET not in text
    assert "Bearer ***" in text
    assert "pnapi_x" not in text
    assert "0123456789abcdef" not in text


def test_the_webhook_receivers_own_log_lines_go_through_the_function_handler(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The receiver logs with the standard library (no Powertools in the domain); bootstrap routes
    it through the function's handler, JSON-formatted and redacted."""
    with function_log("webhooks", "redaction-webhooks", monkeypatch) as (_, buffer):
        logging.getLogger("customers.webhooks.receiver").warning(f"refused Bearer {SECRET}")
    line = buffer.getvalue()
    assert '"refused Bearer ***"' in line or "refused Bearer ***" in line
    assert SECRET not in line
