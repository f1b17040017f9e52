"""The per-row results file: what became of every data row, and which PayNow customer it is."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from customers.importer.model.report_csv import Encoded, ReportFormat, neutralise

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


def results_header(report: ReportFormat) -> Encoded:
    return report.header(list(RESULT_COLUMNS))


def result_rows(lines: Iterable[ResultLine], report: ReportFormat) -> Encoded:
    return report.rows(
        [str(line), outcome.value, customer, *(neutralise(v) for v in rest)]
        for line, outcome, customer, *rest in lines
    )
