"""The log filter: registered secrets, credential patterns, sensitive keys, exception text."""

from __future__ import annotations

import io
import logging

import pytest
from customers.common.redaction import MASK, PATTERNS, RedactingFilter, SecretRegistry, redact

from tests.support.lambda_events import authorizer_event


def _logger(registry: SecretRegistry) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(registry))
    handler.setFormatter(logging.Formatter("%(message)s %(details)s"))
    log = logging.getLogger(f"redaction-test-{id(registry)}")
    log.propagate = False
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    return log, stream


def test_registered_values_patterns_and_keys_are_masked() -> None:
    registry = SecretRegistry()
    registry.add("tok_abcdef123456")
    log, stream = _logger(registry)
    log.info(
        "minted %s for header Authorization: Bearer sk_live_123 and APIKey pnapi_v1_zzz",
        "tok_abcdef123456",
        extra={"details": {"token": "anything", "nested": ["tok_abcdef123456"], "authorization": "x"}},
    )
    out = stream.getvalue()
    for secret in ("tok_abcdef123456", "sk_live_123", "pnapi_v1_zzz", "anything"):
        assert secret not in out
    assert out.count(MASK) >= 5


def test_exception_text_is_scrubbed() -> None:
    registry = SecretRegistry()
    registry.add("tok_in_exception_999")
    log, stream = _logger(registry)
    try:
        raise ValueError("bad token tok_in_exception_999")
    except ValueError:
        log.exception("failed", extra={"details": ""})
    out = stream.getvalue()
    assert "tok_in_exception_999" not in out
    assert "ValueError" in out


def test_redact_leaves_ordinary_data_alone() -> None:
    assert redact({"customer_id": "429", "count": 3}) == {"customer_id": "429", "count": 3}


def test_registry_is_bounded() -> None:
    registry = SecretRegistry(capacity=2)
    for value in ("first_secret", "second_secret", "third_secret"):
        registry.add(value)
    assert registry.scrub("first_secret third_secret") == f"first_secret {MASK}"


def test_customer_scheme_tokens_are_masked_but_prose_is_not() -> None:
    log, stream = _logger(SecretRegistry())
    log.info("storefront header Authorization: Customer ct_0123456789abcdef", extra={"details": ""})
    log.info("Customer Created event not published", extra={"details": ""})
    lines = stream.getvalue().splitlines()
    assert "ct_0123456789abcdef" not in lines[0]
    assert lines[1].startswith("Customer Created event not published")


@pytest.mark.parametrize(
    ("text", "secret", "kept"),
    [
        ("calling with Bearer sk_live_abcdef123", "sk_live_abcdef123", "Bearer ***"),
        ("header APIKey pnapi_v1_abcdef", "pnapi_v1_abcdef", "APIKey ***"),
        ("storefront Customer ct_0123456789abcdef", "ct_0123456789abcdef", "Customer ***"),
        ("a key in free text: pnapi_v1_0123456789 and more", "v1_0123456789", "pnapi_***"),
        ('body {"token": "tok_9876543210"}', "tok_9876543210", '"token": "***'),
        ("api_key=abc123secret", "abc123secret", "api_key=***"),
        ("authorization: rawcallerkey0123456789", "rawcallerkey0123456789", "authorization: ***"),
    ],
)
def test_each_free_text_pattern_masks_its_secret(text: str, secret: str, kept: str) -> None:
    assert len(PATTERNS) == 4  # one case per pattern above (plus the key/value forms of the last)
    scrubbed = SecretRegistry().scrub(text)
    assert secret not in scrubbed
    assert kept in scrubbed


def test_every_listed_pattern_is_exercised() -> None:
    texts = [
        "Bearer sk_live_abcdef123",
        "Customer ct_0123456789abcdef",
        "pnapi_v1_0123456789",
        "token=tok_9876543210",
    ]
    registry = SecretRegistry()
    for pattern, text in zip(PATTERNS, texts, strict=True):
        assert pattern.search(text), pattern.pattern
        assert MASK in registry.scrub(text)


def test_a_secret_passed_as_a_format_argument_is_masked_and_nothing_raises() -> None:
    # Masking "%s" out of "Bearer %s" used to leave the argument without a slot: TypeError.
    log, stream = _logger(SecretRegistry())
    log.warning("Bearer %s", "sk_live_formatted_123", extra={"details": ""})
    log.warning("%s %s", "Bearer", "sk_live_split_4567", extra={"details": ""})
    log.info("field %(name)s", {"name": "pnapi_v1_mapping_arg"}, extra={"details": ""})
    out = stream.getvalue()
    for secret in ("sk_live_formatted_123", "sk_live_split_4567", "v1_mapping_arg"):
        assert secret not in out
    assert out.count("Bearer ***") == 2


def test_free_text_api_key_lookalikes_never_raise(caplog: pytest.LogCaptureFixture) -> None:
    log, stream = _logger(SecretRegistry())
    log.info("unknown field pnapi_x in body", extra={"details": {"pnapi_y": "pnapi_z"}})
    log.info({"body": '{"pnapi_x": 1}', "authorization": "k"}, extra={"details": ""})
    out = stream.getvalue()
    assert "pnapi_x" not in out
    assert "pnapi_***" in out


def test_a_record_that_cannot_be_redacted_is_withheld_not_raised() -> None:
    class Exploding:
        def __str__(self) -> str:
            raise RuntimeError("boom")

    log, stream = _logger(SecretRegistry())
    log.info("value %s", Exploding(), extra={"details": ""})
    assert "withheld" in stream.getvalue()


def test_an_authorizer_event_never_shows_the_caller_key_in_any_header_form() -> None:
    registry = SecretRegistry()  # a cold sandbox: no caller key registered yet
    key = "rawcallerkey0123456789abcdef"
    for authorization in (key, f"Bearer {key}", f"bearer   {key}", f"Basic {key}", f"CallerKey {key}"):
        event = authorizer_event(authorization)
        event["headers"]["x-api-key"] = key
        log, stream = _logger(registry)
        log.info(event, extra={"details": ""})  # what POWERTOOLS_LOGGER_LOG_EVENT=true logs
        assert key not in stream.getvalue(), authorization
