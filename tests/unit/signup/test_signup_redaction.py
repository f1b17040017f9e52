"""The log filter: registered secrets, credential patterns, sensitive keys, exception text."""

from __future__ import annotations

import io
import logging

from customers.common.redaction import MASK, RedactingFilter, SecretRegistry, redact


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
