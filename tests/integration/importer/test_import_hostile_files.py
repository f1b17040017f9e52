"""Files built to hurt the importer: each still gets a complete answer, and nothing it cannot import
reaches PayNow."""

from __future__ import annotations

from customers.importer.model.report_csv import ReportEncoding
from customers.importer.model.state import ImportStatus

from tests.support.import_memory import csv_text, steam
from tests.support.import_stack import ImportStack, assert_invariant


def test_a_file_of_lost_characters_is_rejected_row_by_row_without_a_paynow_call(
    import_stack: ImportStack,
) -> None:
    rows = [[steam(n), "\ufffd" * 20, "\ufffd"] for n in range(1, 301)]
    import_stack.put("incoming/lost.csv", csv_text(["steam_id", "name", "metadata.note"], rows))
    summary = import_stack.run("incoming/lost.csv")
    assert summary.status is ImportStatus.COMPLETED
    assert (summary.counts.total, summary.counts.rejected, summary.counts.created) == (300, 300, 0)
    assert {row[1] for row in import_stack.report(summary)[1:]} == {"undecodable_text"}
    assert (import_stack.calls("bulk"), import_stack.emu.inspect.customers()) == (0, [])
    assert_invariant(summary)


def test_a_500_column_export_imports_and_names_its_metadata_together_in_a_duplicate(
    import_stack: ImportStack,
) -> None:
    header = ["steam_id", *(f"metadata.m{i}" for i in range(499))]
    first = [steam(1), *("a" if i % 20 == 0 else "" for i in range(499))]
    changed = [steam(1), *("b" if i % 20 == 0 else "" for i in range(499))]
    rows = [first, [steam(2), *first[1:]], changed]
    import_stack.put("incoming/wide.csv", csv_text(header, rows))
    summary = import_stack.run("incoming/wide.csv")
    assert summary.status is ImportStatus.COMPLETED
    assert (summary.counts.created, summary.counts.duplicates_in_file) == (2, 1)
    (duplicate,) = import_stack.report(summary)[1:]
    assert duplicate[2] == (
        "duplicate of line 2, which is the one imported; this row differed in metadata (one or more "
        "of its 499 columns) and was not imported"
    )
    assert_invariant(summary)


def test_a_bom_before_windows_1252_text_keeps_the_accents_and_rejects_only_the_undefined_byte(
    import_stack: ImportStack,
) -> None:
    """Excel never writes this, other tools do: a UTF-8 BOM, then Windows-1252 bytes."""
    text = csv_text(["steam_id", "name"], [[steam(1), "Zoë"], [steam(2), "Zoë"]]).encode("cp1252")
    data = b"\xef\xbb\xbf" + text.replace(b"Zo\xeb", b"Zo\x81", 1)  # 0x81: undefined in Windows-1252
    import_stack.put("incoming/bom-1252.csv", data)
    summary = import_stack.run("incoming/bom-1252.csv")
    assert summary.report_encoding is ReportEncoding.UTF8_BOM
    assert (summary.counts.created, summary.counts.rejected) == (1, 1)
    names = {c["steam_id"]: c["name"] for c in import_stack.emu.inspect.customers()}
    assert names == {steam(2): "Zoë"}
    (rejected,) = import_stack.report(summary)[1:]
    assert (rejected[0], rejected[1]) == ("2", "undecodable_text")
    assert_invariant(summary)
