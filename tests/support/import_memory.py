"""The import's storage ports in memory, for unit tests of the engine and the service (no moto).

Reports and checkpoints are the operator CLI's memory stores (``import_tools.stores``); this module
adds the object source, the continuation and event recorders, and the CSV helpers.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping
from typing import Any, BinaryIO

from customers.importer.ports import ObjectVersion


class MemorySource:
    """One uploaded object held as bytes; ``opened`` records every (offset) the code read from."""

    def __init__(self, data: bytes, *, version_id: str | None = "v1") -> None:
        self.data = data
        self.version_id = version_id
        self.opened: list[int] = []

    def head(self, bucket: str, key: str, version_id: str | None) -> ObjectVersion:
        etag = hashlib.md5(self.data, usedforsecurity=False).hexdigest()
        return ObjectVersion(bucket, key, self.version_id, f'"{etag}"', len(self.data))

    def open(self, version: ObjectVersion, offset: int) -> BinaryIO:
        self.opened.append(offset)
        return io.BufferedReader(io.BytesIO(self.data[offset:]))  # type: ignore[return-value]


class RecordingContinuer:
    """Stands in for the Lambda self-invoke: keeps the payloads so the test can deliver them."""

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []

    def continue_import(self, payload: Mapping[str, Any]) -> None:
        self.payloads.append(dict(payload))


class RecordingEvents:
    """Stands in for EventBridge: (detail type, detail) in publishing order."""

    def __init__(self) -> None:
        self.published: list[tuple[str, dict[str, Any]]] = []

    def publish(self, detail_type: str, detail: Mapping[str, Any]) -> None:
        self.published.append((detail_type, dict(detail)))


def steam(n: int) -> str:
    return str(76561198000000000 + n)


def csv_text(header: list[str], rows: list[list[str]], *, delimiter: str = ",", newline: str = "\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
