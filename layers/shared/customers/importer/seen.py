"""Identities already seen in this file, kept on local disk so memory does not grow with the file.

A Python set of a million ids costs ~100 MB; an SQLite B-tree in a temp file costs a bounded page cache.
Each identity remembers the line that first used it, so a resumed run can drop what a crashed run
recorded beyond the checkpoint and the report can name the original line of a duplicate.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Sequence

_PARAMS_PER_QUERY = 500


class SeenIdentities:
    def __init__(self, directory: str | None = None) -> None:
        handle, self._path = tempfile.mkstemp(prefix="import-seen-", suffix=".sqlite", dir=directory)
        os.close(handle)
        self._db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("PRAGMA cache_size=-4096")  # KiB: a bounded page cache
        self._db.execute("CREATE TABLE seen (k TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID")

    def claim(self, rows: Sequence[tuple[int, Sequence[str]]]) -> list[int | None]:
        """For each (line, identity keys) in file order: the line that already used one of its keys,
        or None, in which case its keys are recorded as belonging to that line."""
        keys = list({k for _, row_keys in rows for k in row_keys})
        known: dict[str, int] = {}
        for start in range(0, len(keys), _PARAMS_PER_QUERY):
            part = keys[start : start + _PARAMS_PER_QUERY]
            marks = ",".join("?" * len(part))
            known.update(self._db.execute(f"SELECT k, line FROM seen WHERE k IN ({marks})", part))  # noqa: S608
        result: list[int | None] = []
        fresh: list[tuple[str, int]] = []
        for line, row_keys in rows:
            first = next((known[k] for k in row_keys if k in known), None)
            result.append(first)
            if first is None:
                for k in row_keys:
                    known[k] = line
                    fresh.append((k, line))
        if fresh:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT INTO seen (k, line) VALUES (?, ?)", fresh)
            self._db.execute("COMMIT")
        return result

    def close(self) -> None:
        self._db.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._path)

    def __enter__(self) -> SeenIdentities:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
