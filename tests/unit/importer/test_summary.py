"""The summary a store owner reads: every field documented, and a message that stays one short line."""

from __future__ import annotations

import re
from pathlib import Path

from customers.importer.model.counts import Counts
from customers.importer.model.state import ImportStatus
from customers.importer.model.summary import MESSAGE_ERROR_CHARS, Summary, message_for

README = Path(__file__).resolve().parents[3] / "README.md"


def _summary(**changes: object) -> Summary:
    fields: dict[str, object] = {
        "import_id": "import#b#incoming/a.csv#v1",
        "key": "incoming/a.csv",
        "status": ImportStatus.COMPLETED,
        "existing_mode": "skip",
        "counts": Counts(total=3, created=2, rejected=1),
        "started_at": "2026-01-01T00:00:00+00:00",
    }
    return Summary.model_validate({**fields, **changes})


def test_readme_documents_every_summary_field_and_no_other() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("- `summary.json`, field by field:") : text.index("- `results.csv`:")]
    documented = {
        name
        for row in re.findall(r"^  \| (`.+?`) \|", section, re.MULTILINE)
        for name in re.findall(r"`(\w+)`", row)
    }
    assert documented == set(Summary.model_fields)


def test_the_message_counts_what_happened_and_points_at_the_rejected_rows() -> None:
    assert message_for(_summary()) == "2 created, 1 rejected — see rejected.csv"
    running = _summary(status=ImportStatus.RUNNING, counts=Counts(total=1200, created=1200))
    assert message_for(running) == "running: 1,200 created so far"


def test_the_message_stays_one_short_line_whatever_the_error_says() -> None:
    error = "PayNow refused the import:\n" + "x" * 3000
    message = message_for(_summary(status=ImportStatus.FAILED, error=error))
    assert "\n" not in message
    assert message.startswith(
        "2 created, 1 rejected — see rejected.csv — failed: PayNow refused the import: xxx"
    )
    assert message.endswith("…")
    assert len(message) < 100 + MESSAGE_ERROR_CHARS
    rejected = message_for(_summary(status=ImportStatus.REJECTED, error="bad\r\nheader"))
    assert rejected == "file rejected: bad header"
