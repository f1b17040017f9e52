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

# Two parameters per row; SQLite allows 32766 per statement.
_ROWS_PER_INSERT = 4000


class SeenIdentities:
    def __init__(self, directory: str | None = None) -> None:
        handle, self._path = tempfile.mkstemp(prefix="import-seen-", suffix=".sqlite", dir=directory)
        os.close(handle)
        self._db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("PRAGMA cache_size=-2048")  # KiB: a bounded page cache
        self._db.execute("CREATE TABLE seen (k TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID")

    def claim(self, rows: Sequence[tuple[int, Sequence[str]]]) -> list[int | None]:
        """For each (line, identity keys) in file order: the line that already used one of its keys,
        or None, in which case its keys are recorded as belonging to that line."""
        first_use: dict[str, int] = {}
        for line, keys in rows:
            for k in keys:
                first_use.setdefault(k, line)
        if not first_use:
            return [None] * len(rows)
        # One statement inserts the batch and returns the keys that were new. Usually that is all
        # of them and no row repeats another: then every row is new and nothing else is needed.
        new: set[str] = set()
        items = list(first_use.items())
        for start in range(0, len(items), _ROWS_PER_INSERT):
            part = items[start : start + _ROWS_PER_INSERT]
            sql = (
                "INSERT OR IGNORE INTO seen (k, line) VALUES "
                + ",".join(["(?,?)"] * len(part))
                + " RETURNING k"
            )
            new.update(k for (k,) in self._db.execute(sql, [v for pair in part for v in pair]))
        if len(new) == len(first_use) and len(first_use) == sum(len(keys) for _, keys in rows):
            return [None] * len(rows)
        return self._settle(rows, first_use, new)

    def _settle(
        self, rows: Sequence[tuple[int, Sequence[str]]], first_use: dict[str, int], new: set[str]
    ) -> list[int | None]:
        """The slow path: some rows repeat identities; record only what non-duplicate rows own."""
        earlier = [k for k in first_use if k not in new]
        known: dict[str, int] = {}
        for start in range(0, len(earlier), 500):
            part = earlier[start : start + 500]
            marks = ",".join("?" * len(part))
            known.update(self._db.execute(f"SELECT k, line FROM seen WHERE k IN ({marks})", part))  # noqa: S608
        owned: dict[str, int] = {}
        result: list[int | None] = []
        for line, keys in rows:
            first = min(
                (known.get(k) or owned.get(k) or 0 for k in keys if k in known or k in owned), default=None
            )
            result.append(first)
            if first is None:
                for k in keys:
                    owned[k] = line
        for k in new:
            if k not in owned:
                self._db.execute("DELETE FROM seen WHERE k = ?", (k,))
            elif owned[k] != first_use[k]:
                self._db.execute("UPDATE seen SET line = ? WHERE k = ?", (owned[k], k))
        return result

    def close(self) -> None:
        self._db.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._path)

    def __enter__(self) -> SeenIdentities:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
