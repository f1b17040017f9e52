"""Readable console output: one line per invocation, the functions' own log lines condensed under it."""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any, TextIO

# Powertools structured-log keys that repeat on every line and say nothing about this event.
_NOISE = frozenset(
    {
        "level",
        "message",
        "timestamp",
        "service",
        "location",
        "cold_start",
        "function_name",
        "function_memory_size",
        "function_arn",
        "function_request_id",
        "xray_trace_id",
        "sampling_rate",
    }
)


class Console:
    """Serialises lines from many threads onto one stream."""

    def __init__(self, stream: TextIO | None = None, *, verbose: bool = False) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self._lock = threading.Lock()
        self.verbose = verbose

    def line(self, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        with self._lock:
            self._stream.write(f"{stamp} {text}\n")
            self._stream.flush()

    def raw(self, text: str) -> None:
        with self._lock:
            self._stream.write(text)
            self._stream.flush()

    def invocation(
        self, source: str, status: str, duration_ms: float, function: str, detail: str = ""
    ) -> None:
        suffix = f"  {detail}" if detail else ""
        self.line(f"{source} -> {status} ({duration_ms:.0f} ms) {function}{suffix}")

    def function_output(self, function: str, text: str) -> None:
        text = text.rstrip("\n")
        if not text.strip():
            return
        shown = text if self.verbose else condense(text)
        if shown is not None:
            self.line(f"    | {function}: {shown}")


def condense(text: str) -> str | None:
    """A Powertools JSON log line as `LEVEL message key=value`, EMF metrics as one summary line."""
    stripped = text.strip()
    if not stripped.startswith("{"):
        return text
    try:
        record = json.loads(stripped)
    except ValueError:
        return text
    if not isinstance(record, dict):
        return text
    if "_aws" in record and isinstance(record["_aws"], dict):
        return _metrics(record)
    if "message" not in record:
        return text
    extras = " ".join(f"{k}={_short(v)}" for k, v in record.items() if k not in _NOISE)
    line = f"{record.get('level', 'LOG')} {_short(record['message'])}"
    return f"{line}  {extras}" if extras else line


def _metrics(record: dict[str, Any]) -> str:
    names: list[str] = []
    for directive in record["_aws"].get("CloudWatchMetrics") or []:
        for metric in directive.get("Metrics") or []:
            name = metric.get("Name")
            if name is not None:
                value = record.get(name)
                # EMF values are lists when a metric was added several times in one invocation.
                value = value[0] if isinstance(value, list) and len(value) == 1 else value
                names.append(f"{name}={_short(value)}")
    return "metrics " + (", ".join(names) if names else "(none)")


def _short(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."
