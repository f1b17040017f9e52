"""The per-row results file: what became of every data row, and which PayNow customer it is."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from customers.importer.model.rejection import csv_bytes, neutralise

RESULT_COLUMNS = ("line", "outcome", "customer_id", "steam_id", "minecraft_uuid", "xbox_xuid", "reason")


class Outcome(StrEnum):
    CREATED = "created"
    EXISTING = "existing"
    UPDATED = "updated"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    VALID = "valid"  # dry run: would be sent


# (line, outcome, customer id, steam id, minecraft uuid, xbox xuid, reason)
ResultLine = tuple[int, Outcome, str, str, str, str, str]


def results_header(delimiter: str) -> bytes:
    # The BOM makes Excel open the file as UTF-8 instead of the local code page.
    return b"\xef\xbb\xbf" + csv_bytes([list(RESULT_COLUMNS)], delimiter)


def result_rows(lines: Iterable[ResultLine], delimiter: str) -> bytes:
    return csv_bytes(
        (
            [str(line), outcome.value, customer, *(neutralise(v) for v in rest)]
            for line, outcome, customer, *rest in lines
        ),
        delimiter,
    )
