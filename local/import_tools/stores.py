"""Local stand-ins for the storage ports, used by the command-line twin (files and memory)."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

from customers.importer.model.state import ImportState, ImportStatus
from customers.importer.ports import BusyError, LeaseLostError, ObjectVersion


class LocalFileSource:
    """A file on disk as the import object; its content hash stands in for the version."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def head(self, bucket: str, key: str, version_id: str | None) -> ObjectVersion:
        digest = hashlib.sha256()
        with self._path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return ObjectVersion(bucket, key, None, digest.hexdigest()[:32], self._path.stat().st_size)

    def open(self, version: ObjectVersion, offset: int) -> BinaryIO:
        handle = self._path.open("rb", buffering=1 << 20)
        handle.seek(offset)
        return handle


class DirectoryReportStore:
    """Reports as files under a directory (parts are composed in file order, then deleted)."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def _dir(self, prefix: str) -> Path:
        path = self._root / prefix
        path.mkdir(parents=True, exist_ok=True)
        return path

    def put_part(self, prefix: str, seq: int, data: bytes) -> None:
        parts = self._dir(prefix) / "parts"
        parts.mkdir(exist_ok=True)
        (parts / f"{seq:09d}.csv").write_bytes(data)

    def compose(self, prefix: str, name: str, header: bytes) -> str:
        target = self._dir(prefix) / name
        parts = self._dir(prefix) / "parts"
        with target.open("wb") as out:
            out.write(header)
            if parts.is_dir():
                for part in sorted(parts.iterdir()):
                    with part.open("rb") as source:
                        shutil.copyfileobj(source, out, 1 << 20)
        return str(target)

    def discard_parts(self, prefix: str) -> None:
        parts = self._root / prefix / "parts"
        if parts.is_dir():
            for part in parts.iterdir():
                part.unlink()
            parts.rmdir()

    def location(self, prefix: str, name: str) -> str:
        return str(self._root / prefix / name)

    def put_json(self, prefix: str, name: str, document: Mapping[str, Any]) -> str:
        target = self._dir(prefix) / name
        target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return str(target)


class MemoryReportStore:
    """Reports kept in memory (tests and dry runs that only print)."""

    def __init__(self) -> None:
        self.parts: dict[str, dict[int, bytes]] = {}
        self.objects: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def put_part(self, prefix: str, seq: int, data: bytes) -> None:
        with self._lock:
            self.parts.setdefault(prefix, {})[seq] = data

    def compose(self, prefix: str, name: str, header: bytes) -> str:
        with self._lock:
            parts = self.parts.get(prefix, {})
            self.objects[prefix + name] = header + b"".join(parts[seq] for seq in sorted(parts))
        return prefix + name

    def discard_parts(self, prefix: str) -> None:
        with self._lock:
            self.parts.pop(prefix, None)

    def location(self, prefix: str, name: str) -> str:
        return prefix + name

    def put_json(self, prefix: str, name: str, document: Mapping[str, Any]) -> str:
        self.objects[prefix + name] = json.dumps(document).encode()
        return prefix + name


class MemoryCheckpointStore:
    """The checkpoint store's semantics (conditional lease) in memory."""

    def __init__(self, clock: Any = time.time) -> None:
        self.items: dict[str, tuple[str, float, str]] = {}  # import_id -> (owner, lease_until, state json)
        self._clock = clock
        self._lock = threading.Lock()
        self.saves = 0

    def acquire(self, state: ImportState, *, owner: str, lease_seconds: float) -> ImportState:
        now = self._clock()
        with self._lock:
            current = self.items.get(state.import_id)
            if current is None:
                self.items[state.import_id] = (owner, now + lease_seconds, state.model_dump_json())
                return state.model_copy(deep=True)
            holder, lease_until, raw = current
            stored = ImportState.model_validate_json(raw)
            if stored.status is not ImportStatus.RUNNING:
                return stored
            if holder != owner and lease_until > now:
                raise BusyError(lease_until, stored)
            self.items[state.import_id] = (owner, now + lease_seconds, raw)
            return stored

    def save(self, state: ImportState, *, owner: str, lease_seconds: float) -> None:
        with self._lock:
            current = self.items.get(state.import_id)
            if current is None or current[0] != owner:
                raise LeaseLostError(state.import_id)
            self.items[state.import_id] = (owner, self._clock() + lease_seconds, state.model_dump_json())
            self.saves += 1

    def load(self, import_id: str) -> ImportState:
        return ImportState.model_validate_json(self.items[import_id][2])
