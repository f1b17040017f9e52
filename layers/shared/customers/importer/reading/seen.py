"""Identities already seen in this file, kept on local disk so memory does not grow with the file.

A Python set of a million ids costs ~100 MB; an SQLite B-tree in a temp file costs a bounded page cache.
Each identity remembers the line that first used it, so a resumed run can drop what a crashed run
recorded beyond the checkpoint and the report can name the original line of a duplicate, and that
row's fingerprint (at most 13 short hashes of what it imports, see ``RowValidator.fingerprint``), so a
duplicate anywhere in the file can say which columns it differed in without the first row being kept.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Sequence
from typing import NamedTuple, Protocol

# The batch travels as one JSON parameter that SQLite unpacks in C (json_each, built in since SQLite
# 3.38): a fraction of the cost of binding row by row through ``executemany``. One statement is one
# implicit transaction.
# ``{key: [line, fingerprint]}``.
_INSERT_PAIRS = (
    "INSERT OR IGNORE INTO seen (k, line, fp) SELECT key, value ->> 0, value -> 1 FROM json_each(?)"
)
# ``[[key, fingerprint], ...]`` of consecutive lines: the line is the first one plus the index.
_INSERT_RUN = (
    "INSERT OR IGNORE INTO seen (k, line, fp) SELECT value ->> 0, ? + key, value -> 1 FROM json_each(?)"
)


class Claimant(Protocol):
    """A row as the index sees it (``ValidRow`` is one): where it starts and the identities it uses."""

    @property
    def line(self) -> int: ...

    @property
    def identity_keys(self) -> Sequence[str]: ...

    @property
    def fingerprint(self) -> Sequence[int]: ...


class FirstUse(NamedTuple):
    """The earlier row a duplicate repeats: its line and its fingerprint."""

    line: int
    fingerprint: list[int]


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
        self._db.execute(
            "CREATE TABLE seen (k TEXT PRIMARY KEY, line INTEGER NOT NULL, fp TEXT NOT NULL) WITHOUT ROWID"
        )

    def claim(self, rows: Sequence[Claimant]) -> list[FirstUse | None]:
        """For each row, in file order: the first row that already used one of its identity keys, or
        None, in which case its keys are recorded as belonging to that row."""
        keys = [k for row in rows for k in row.identity_keys]
        if not keys:
            return [None] * len(rows)
        # Insert the whole batch; lines only grow, so a key stored with an earlier line than this
        # batch's first one was seen before. Usually every key is new and no row repeats another:
        # then every row is new and nothing else is needed.
        before = self._db.total_changes
        first = rows[0].line
        if len(keys) == len(rows) and rows[-1].line - first == len(rows) - 1:
            # The usual batch: one identity per row, on consecutive lines. The line is implied by the
            # position, the cheapest payload to encode and to unpack.
            run = [[row.identity_keys[0], row.fingerprint] for row in rows]
            self._db.execute(_INSERT_RUN, (first, json.dumps(run)))
        else:
            pairs = [(k, (row.line, row.fingerprint)) for row in rows for k in row.identity_keys]
            first_use = dict(pairs)
            if len(first_use) < len(pairs):
                # A key repeats inside the batch: built backwards, each key keeps its first line.
                # Only then, because keys in file order insert markedly faster than reversed ones.
                first_use = dict(reversed(pairs))
            self._db.execute(_INSERT_PAIRS, (json.dumps(first_use),))
        if self._db.total_changes - before == len(keys):
            return [None] * len(rows)
        return self._settle(rows, list(dict.fromkeys(keys)))

    def _settle(self, rows: Sequence[Claimant], batch_keys: list[str]) -> list[FirstUse | None]:
        """The slow path: some rows repeat identities; record only what non-duplicate rows own."""
        batch_start = rows[0].line
        stored: dict[str, int] = {}
        known: dict[str, FirstUse] = {}
        for start in range(0, len(batch_keys), 500):
            part = batch_keys[start : start + 500]
            marks = ",".join("?" * len(part))
            query = f"SELECT k, line, fp FROM seen WHERE k IN ({marks})"  # noqa: S608
            for k, line, fp in self._db.execute(query, part):
                stored[k] = line
                if line < batch_start:
                    known[k] = FirstUse(line, json.loads(fp))
        new = {k for k, line in stored.items() if line >= batch_start}
        owned: dict[str, FirstUse] = {}
        result: list[FirstUse | None] = []
        for row in rows:
            uses = [use for k in row.identity_keys for use in (known.get(k), owned.get(k)) if use is not None]
            first = min(uses, default=None)
            result.append(first)
            if first is None:
                mine = FirstUse(row.line, list(row.fingerprint))
                for k in row.identity_keys:
                    owned[k] = mine
        # Compared with what was stored, so the order SQLite inserted the batch in never matters.
        for k in new:
            if k not in owned:
                self._db.execute("DELETE FROM seen WHERE k = ?", (k,))
            elif owned[k].line != stored[k]:
                use = owned[k]
                self._db.execute(
                    "UPDATE seen SET line = ?, fp = ? WHERE k = ?", (use.line, json.dumps(use.fingerprint), k)
                )
        return result

    def close(self) -> None:
        self._db.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._path)

    def __enter__(self) -> SeenIdentities:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
