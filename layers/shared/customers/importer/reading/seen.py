"""Identities already seen in this file, kept on local disk so memory does not grow with the file.

A Python set of a million ids costs ~100 MB; an SQLite B-tree in a temp file costs a bounded page cache.
Each identity remembers the line that first used it, so a resumed run can drop what a crashed run
recorded beyond the checkpoint and the report can name the original line of a duplicate.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Sequence
from typing import Protocol

# The batch travels as one JSON parameter that SQLite unpacks in C (json_each, built in since SQLite
# 3.38): a fraction of the cost of binding row by row through ``executemany``. One statement is one
# implicit transaction.
_INSERT_PAIRS = "INSERT OR IGNORE INTO seen (k, line) SELECT key, value FROM json_each(?)"
# Keys of consecutive lines: the line is the first one plus the key's index in the array.
_INSERT_RUN = "INSERT OR IGNORE INTO seen (k, line) SELECT value, ? + key FROM json_each(?)"


class Claimant(Protocol):
    """A row as the index sees it (``ValidRow`` is one): where it starts and the identities it uses."""

    @property
    def line(self) -> int: ...

    @property
    def identity_keys(self) -> Sequence[str]: ...


class SeenIdentities:
    def __init__(self, directory: str | None = None) -> None:
        handle, self._path = tempfile.mkstemp(prefix="import-seen-", suffix=".sqlite", dir=directory)
        os.close(handle)
        self._db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        # One private file, no crash recovery needed: no locking round-trips, no journal, no fsync.
        self._db.execute("PRAGMA locking_mode=EXCLUSIVE")
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("PRAGMA cache_size=-2048")  # KiB: a bounded page cache
        self._db.execute("CREATE TABLE seen (k TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID")

    def claim(self, rows: Sequence[Claimant]) -> list[int | None]:
        """For each row, in file order: the line that already used one of its identity keys, or None,
        in which case its keys are recorded as belonging to that row's line."""
        keys = [k for row in rows for k in row.identity_keys]
        if not keys:
            return [None] * len(rows)
        # Insert the whole batch; lines only grow, so a key stored with an earlier line than this
        # batch's first one was seen before. Usually every key is new and no row repeats another:
        # then every row is new and nothing else is needed.
        before = self._db.total_changes
        first = rows[0].line
        if len(keys) == len(rows) and rows[-1].line - first == len(rows) - 1:
            # The usual batch: one identity per row, on consecutive lines. A bare array of keys is
            # the cheapest payload to encode and to unpack.
            self._db.execute(_INSERT_RUN, (first, json.dumps(keys)))
        else:
            pairs = [(k, row.line) for row in rows for k in row.identity_keys]
            first_use = dict(pairs)
            if len(first_use) < len(pairs):
                # A key repeats inside the batch: built backwards, each key keeps its first line.
                # Only then, because keys in file order insert markedly faster than reversed ones.
                first_use = dict(reversed(pairs))
            self._db.execute(_INSERT_PAIRS, (json.dumps(first_use),))
        if self._db.total_changes - before == len(keys):
            return [None] * len(rows)
        return self._settle(rows, list(dict.fromkeys(keys)))

    def _settle(self, rows: Sequence[Claimant], batch_keys: list[str]) -> list[int | None]:
        """The slow path: some rows repeat identities; record only what non-duplicate rows own."""
        batch_start = rows[0].line
        stored: dict[str, int] = {}
        for start in range(0, len(batch_keys), 500):
            part = batch_keys[start : start + 500]
            marks = ",".join("?" * len(part))
            stored.update(self._db.execute(f"SELECT k, line FROM seen WHERE k IN ({marks})", part))  # noqa: S608
        known = {k: line for k, line in stored.items() if line < batch_start}
        new = {k for k, line in stored.items() if line >= batch_start}
        owned: dict[str, int] = {}
        result: list[int | None] = []
        for row in rows:
            line, keys = row.line, row.identity_keys
            first = min(
                (known.get(k) or owned.get(k) or 0 for k in keys if k in known or k in owned), default=None
            )
            result.append(first)
            if first is None:
                for k in keys:
                    owned[k] = line
        # Compared with what was stored, so the order SQLite inserted the batch in never matters.
        for k in new:
            if k not in owned:
                self._db.execute("DELETE FROM seen WHERE k = ?", (k,))
            elif owned[k] != stored[k]:
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
