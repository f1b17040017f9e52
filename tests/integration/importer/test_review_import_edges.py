"""Files that used to crash the import function (no report, no event, retried into the DLQ)."""

from __future__ import annotations

import pytest
from customers.importer.model.state import ImportStatus

from tests.support.import_stack import ImportStack, assert_invariant, csv_text, steam


def test_a_row_with_a_thousands_of_digits_id_is_rejected_and_the_rest_imported(
    import_stack: ImportStack,
) -> None:
    import_stack.put(
        "incoming/long-id.csv",
        csv_text(["steam_id", "xuid"], [[steam(1), ""], ["", "1" * 5000], [steam(2), ""]]),
    )
    summary = import_stack.run("incoming/long-id.csv")
    assert summary.status is ImportStatus.COMPLETED
    assert (summary.counts.total, summary.counts.created, summary.counts.rejected) == (3, 2, 1)
    assert_invariant(summary)
    (_, rejected) = import_stack.report(summary)[:2]
    assert rejected[:2] == ["3", "invalid_xbox_xuid"]
    assert "int_max_str_digits" not in rejected[2]


@pytest.mark.parametrize(
    "data",
    [
        # A single 200 KB "line": longer than csv's field limit.
        b"x" * 200_000 + b"\n" + steam(1).encode() + b"\n",
        # An unclosed quote in the header would swallow the whole file.
        b'"steam_id,name\n' + f"{steam(1)},Ann\n".encode() * 20_000,
        # 400 KB of column names next to a usable one: too big for the checkpoint item.
        ("steam_id," + ",".join(f"column_{i:06d}_" + "x" * 20 for i in range(12_000)) + "\n").encode()
        + steam(1).encode()
        + b"\n",
    ],
    ids=["200KB-line", "unclosed-quote", "400KB-header"],
)
def test_a_file_with_an_unusable_header_is_rejected_with_a_report(
    import_stack: ImportStack, data: bytes
) -> None:
    import_stack.put("incoming/bad-header.csv", data)
    summary = import_stack.run("incoming/bad-header.csv")
    assert summary.status is ImportStatus.REJECTED
    assert summary.error is not None
    assert "header" in summary.error
    assert len(summary.error) < 500
    assert import_stack.emu.inspect.requests == []
    assert import_stack.summary_object(summary)["status"] == "rejected"
    assert [e["detail-type"] for e in import_stack.events()] == ["Import Failed"]


def test_no_identifier_error_names_a_few_columns_not_all_of_them(import_stack: ImportStack) -> None:
    header = ",".join(f"col{i}" for i in range(2000))
    import_stack.put("incoming/wide.csv", header + "\n" + ",".join("v" for _ in range(2000)) + "\n")
    summary = import_stack.run("incoming/wide.csv")
    assert summary.status is ImportStatus.REJECTED
    assert summary.error is not None
    assert "no identifier column" in summary.error
    assert "'col0'" in summary.error
    assert "(2000 columns)" in summary.error
    assert len(summary.error) < 1000
