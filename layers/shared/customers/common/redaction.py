"""A logging filter that keeps secrets and customer tokens out of every log line.

Three nets: values registered at runtime (the API key, caller keys, each minted token), keys whose
name says "secret" (``token``, ``authorization``, ``api_key`` ...) in structured extras and dicts,
and patterns for credentials in free text (``APIKey …``, ``Bearer …``, ``Customer …``, ``pnapi_…``).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from typing import Any

MASK = "***"
_SENSITIVE_KEYS = re.compile(
    r"(?i)^(token|.*_token|authorization|api_?key|.*secret.*|password|key|caller_key|sig)$"
)
_PATTERNS = (
    re.compile(r"(?i)\b(APIKey|Bearer)\s+[^\s\"',;]+"),
    # Customer tokens are long random strings: the length floor keeps prose ("Customer Created") readable.
    re.compile(r"(?i)\bCustomer\s+[^\s\"',;]{12,}"),
    re.compile(r"pnapi_[A-Za-z0-9_\-]+"),
    re.compile(r"(?i)(\"?(?:token|api_key|authorization)\"?\s*[:=]\s*\"?)[^\s\"',}]+"),
)
_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class SecretRegistry:
    """Recently seen secret values (bounded: tokens are minted per request)."""

    def __init__(self, capacity: int = 4096) -> None:
        self._values: OrderedDict[str, None] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def add(self, value: str | None) -> None:
        if not value or len(value) < 6:
            return
        with self._lock:
            self._values[value] = None
            self._values.move_to_end(value)
            while len(self._values) > self._capacity:
                self._values.popitem(last=False)

    def scrub(self, text: str) -> str:
        with self._lock:
            values = list(self._values)
        for value in values:
            if value in text:
                text = text.replace(value, MASK)
        for pattern in _PATTERNS:
            text = pattern.sub(_keep_prefix, text)
        return text


def _keep_prefix(match: re.Match[str]) -> str:
    if match.re is _PATTERNS[1]:
        return MASK
    return f"{match.group(1)} {MASK}" if match.re is _PATTERNS[0] else f"{match.group(1)}{MASK}"


secrets = SecretRegistry()


def redact(value: Any, registry: SecretRegistry = secrets, depth: int = 0) -> Any:
    if depth > 8:
        return MASK
    if isinstance(value, str):
        return registry.scrub(value)
    if isinstance(value, dict):
        return {
            k: (MASK if isinstance(k, str) and _SENSITIVE_KEYS.match(k) else redact(v, registry, depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(redact(v, registry, depth + 1) for v in value)
    if isinstance(value, BaseException):
        return registry.scrub(str(value))
    return value


class RedactingFilter(logging.Filter):
    """Rewrites the record in place; attach it to the handler so every logger's records pass it."""

    def __init__(self, registry: SecretRegistry = secrets) -> None:
        super().__init__()
        self.registry = registry

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.msg, self.registry)
        if record.args:
            record.args = redact(record.args, self.registry)
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, scrubbed: stdlib formatters reuse exc_text, Powertools'
            # formatter takes the "exception"/"exception_name" extras.
            text = self.registry.scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_text = text
            record.__dict__["exception"] = text
            record.__dict__["exception_name"] = type(record.exc_info[1]).__name__
            record.exc_info = None
        for name, value in list(record.__dict__.items()):
            if name in _STANDARD_ATTRS:
                continue
            record.__dict__[name] = MASK if _SENSITIVE_KEYS.match(name) else redact(value, self.registry)
        return True


def install(handler_or_logger: logging.Handler | logging.Logger) -> RedactingFilter:
    """Attach the filter once."""
    for existing in handler_or_logger.filters:
        if isinstance(existing, RedactingFilter):
            return existing
    flt = RedactingFilter()
    handler_or_logger.addFilter(flt)
    return flt


def install_everywhere(handler: logging.Handler) -> None:
    """The function's Powertools handler, and the root logger's handlers (Lambda's own, which
    prints records from boto3, httpx and other libraries)."""
    install(handler)
    for root_handler in logging.getLogger().handlers:
        install(root_handler)
