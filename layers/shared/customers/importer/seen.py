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

# json_each is built into SQLite since 3.38 (Lambda's Python 3.12+ runtimes ship 3.40). One statement
# is one implicit transaction.
_INSERT_BATCH = "INSERT OR IGNORE INTO seen (k, line) SELECT key, value FROM json_each(?)"


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
        pairs = [(k, row.line) for row in rows for k in row.identity_keys]
        if not pairs:
            return [None] * len(rows)
        first_use = dict(pairs)
        if len(first_use) < len(pairs):
            # A key repeats inside the batch: built backwards, each key keeps its first line. Only
            # then, because keys in file order insert markedly faster than reversed ones.
            first_use = dict(reversed(pairs))
        # Insert the whole batch; lines only grow, so a key stored with an earlier line than this
        # batch's first one was seen before. Usually every key is new and no row repeats another:
        # then every row is new and nothing else is needed. The batch travels as one JSON parameter
        # that SQLite unpacks in C: half the cost of binding every row through ``executemany``.
        before = self._db.total_changes
        self._db.execute(_INSERT_BATCH, (json.dumps(first_use),))
        inserted = self._db.total_changes - before
        if inserted == len(pairs):
            return [None] * len(rows)
        return self._settle(rows, first_use)

    def _settle(self, rows: Sequence[Claimant], first_use: dict[str, int]) -> list[int | None]:
        """The slow path: some rows repeat identities; record only what non-duplicate rows own."""
        batch_start = min(row.line for row in rows)
        stored: dict[str, int] = {}
        batch_keys = list(first_use)
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
