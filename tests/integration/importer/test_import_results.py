"""results.csv: one line per data row with its outcome and PayNow customer id, in the upload's delimiter."""

from __future__ import annotations

import csv
import io
import json

import pytest
from customers.common.deadline import Deadline
from customers.importer.config import ExistingMode
from customers.importer.model.report_csv import ReportEncoding
from customers.importer.model.state import ImportStatus
from customers.importer.model.summary import Summary
from customers.importer.reading import csvreader
from customers.importer.triggers import parse_event
from paynow.models import CustomerUpsert

from tests.support.import_memory import csv_text, steam
from tests.support.import_stack import BUCKET, DiesReserving, ImportStack


def _csv(stack: ImportStack, uri: str | None, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_body(stack, uri).decode("utf-8-sig")), delimiter=delimiter))


def _body(stack: ImportStack, uri: str | None) -> bytes:
    assert uri is not None
    body: bytes = stack.s3.get_object(Bucket=BUCKET, Key=uri.removeprefix(f"s3://{BUCKET}/"))["Body"].read()
    return body


def _results(stack: ImportStack, summary: Summary, delimiter: str = ",") -> list[list[str]]:
    return _csv(stack, summary.results_report, delimiter)


@pytest.mark.parametrize("mode", [ExistingMode.SKIP, ExistingMode.UPDATE])
def test_every_row_gets_its_outcome_and_customer_id_in_the_uploads_delimiter(
    import_stack: ImportStack, mode: ExistingMode
) -> None:
    existing = import_stack.client.create_customer(CustomerUpsert(steam_id=steam(2), name="Old"))
    rows = [
        [steam(1), "Ann"],
        [steam(2), "Bob"],
        ["=cmd|' /C calc'!A0", "Eve"],
        [steam(1), "Ann again"],
        [steam(3), "Cy"],
    ]
    import_stack.put("incoming/results.csv", csv_text(["steam_id", "name"], rows, delimiter=";"))
    summary = import_stack.run("incoming/results.csv", mode=mode)
    results = _results(import_stack, summary, ";")
    assert results[0] == [
        "line",
        "outcome",
        "customer_id",
        "steam_id",
        "minecraft_uuid",
        "xbox_xuid",
        "reason",
    ]
    by_steam = {c["steam_id"]: c["id"] for c in import_stack.emu.inspect.customers()}
    second = "existing" if mode is ExistingMode.SKIP else "updated"
    assert [r[:4] for r in results[1:]] == [
        ["2", "created", by_steam[steam(1)], steam(1)],
        ["3", second, existing.id, steam(2)],
        ["4", "rejected", "", "'=cmd|' /C calc'!A0"],
        ["5", "duplicate", "", steam(1)],
        ["6", "created", by_steam[steam(3)], steam(3)],
    ]
    assert "duplicate of line 2" in results[4][6]
    assert results[3][6]
    rejected = _csv(import_stack, summary.rejected_report, ";")
    assert rejected[0][:5] == ["line", "reason_code", "reason", "steam_id", "name"]
    assert [r[0] for r in rejected[1:]] == ["4", "5"]


def test_a_resumed_import_still_has_exactly_one_result_per_row(import_stack: ImportStack) -> None:
    rows = [[steam(i)] for i in range(1, 2001)]
    rows[700] = ["not-an-id"]
    import_stack.put("incoming/resume.csv", csv_text(["steam_id"], rows))
    with pytest.raises(SystemExit):
        # Killed as it reserves past segment 6 of 10 (reservations run 6 ahead): mid-import whichever
        # segments finish first. Counting checkpoints was not enough: segments can share one.
        import_stack.run(
            "incoming/resume.csv",
            concurrency=2,
            lease_seconds=0.5,
            wrap_checkpoints=lambda store: DiesReserving(store, seq=6),
        )
    assert 0 < import_stack.emu.inspect.count() < 1999
    summary = import_stack.run("incoming/resume.csv", concurrency=2)
    results = _results(import_stack, summary)[1:]
    assert [int(r[0]) for r in results] == list(range(2, 2002))
    assert sum(r[1] == "created" for r in results) == 1999
    assert all(r[2] for r in results if r[1] == "created")
    assert len({r[2] for r in results if r[1] == "created"}) == 1999
    assert results[700][1] == "rejected"


def test_a_running_summary_shows_progress_while_the_import_runs(
    import_stack: ImportStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("customers.importer.service.PROGRESS_SECONDS", 0.0)
    import_stack.put("incoming/progress.csv", csv_text(["steam_id"], [[steam(i)] for i in range(1, 2001)]))
    seen: list[dict[str, object]] = []
    key = "reports/progress.csv/"

    def read_summary(_: object) -> None:
        listed = import_stack.s3.list_objects_v2(Bucket=BUCKET, Prefix=key).get("Contents", [])
        for item in listed:
            if item["Key"].endswith("summary.json"):
                seen.append(
                    json.loads(import_stack.s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read())
                )

    summary = import_stack.run("incoming/progress.csv", concurrency=2, on_checkpoint=read_summary)
    running = [s for s in seen if s["status"] == "running"]
    assert running
    last = running[-1]
    progress = last["progress"]
    assert isinstance(progress, dict)
    assert 0 < progress["percent"] < 100
    assert 0 < progress["bytes_read"] < progress["bytes_total"]
    assert 0 < last["counts"]["total"] < 2000  # type: ignore[index]
    assert last["hops"] == 1
    assert import_stack.summary_object(summary)["status"] == "completed"


def test_merge_mode_keeps_stored_metadata_keys_the_csv_does_not_set(import_stack: ImportStack) -> None:
    existing = import_stack.client.create_customer(
        CustomerUpsert(steam_id=steam(2), name="Old", metadata={"crm": "c-17", "tier": "bronze"})
    )
    rows = [[steam(1), "New1", "gold"], [steam(2), "New2", "vip"]]
    import_stack.put("incoming/merge.csv", csv_text(["steam_id", "name", "metadata.tier"], rows))
    summary = import_stack.run("incoming/merge.csv", mode=ExistingMode.MERGE)
    assert (summary.counts.created, summary.counts.updated) == (1, 1)
    merged = import_stack.emu.inspect.customer(existing.id)
    assert merged is not None
    assert (merged["name"], merged["metadata"]) == ("New2", {"crm": "c-17", "tier": "vip"})


def test_the_summary_says_in_one_line_what_happened_and_hides_dry_run_counts(
    import_stack: ImportStack,
) -> None:
    import_stack.client.create_customer(CustomerUpsert(steam_id=steam(2)))
    rows = [[steam(1)], [steam(2)], ["nope"], [steam(3)], [steam(1)]]
    import_stack.put("incoming/message.csv", csv_text(["steam_id"], rows))
    summary = import_stack.run("incoming/message.csv")
    document = import_stack.summary_object(summary)
    assert document["message"] == (
        "2 created, 1 already existed, 1 rejected, 1 duplicates in the file — see rejected.csv"
    )
    assert "valid" not in document["counts"]
    assert [e["detail"]["message"] for e in import_stack.events()] == [document["message"]]


def test_a_duplicate_row_says_which_line_won_and_what_it_differed_in(import_stack: ImportStack) -> None:
    rows = [
        [steam(1), "Ann", "gold"],
        [steam(2), "Bob", ""],
        [steam(1), "Annie", "gold"],
        [steam(2), "Bob", ""],
    ]
    import_stack.put("incoming/dupes.csv", csv_text(["steam_id", "name", "metadata.tier"], rows))
    summary = import_stack.run("incoming/dupes.csv")
    reasons = {r[0]: r[2] for r in import_stack.report(summary)[1:]}
    assert reasons["4"] == (
        "duplicate of line 2, which is the one imported; this row differed in name and was not imported"
    )
    assert reasons["5"] == "duplicate of line 3, which is the one imported (same data)"


def test_a_duplicate_in_a_wide_file_names_its_metadata_columns_together(import_stack: ImportStack) -> None:
    header = ["steam_id", "name", *(f"metadata.m{i}" for i in range(12))]
    first = [steam(1), "Ann", *["x"] * 12]
    rows = [
        first,
        [steam(1), "Annie", *["x"] * 11, "y"],  # name and one metadata cell
        [f" {steam(1)} ", "Ann ", *["x"] * 12],  # same data, spelled with blanks
    ]
    import_stack.put("incoming/wide.csv", csv_text(header, rows))
    summary = import_stack.run("incoming/wide.csv")
    reasons = {r[0]: r[2] for r in import_stack.report(summary)[1:]}
    assert reasons["3"] == (
        "duplicate of line 2, which is the one imported; this row differed in name, metadata (one or "
        "more of its 12 columns) and was not imported"
    )
    assert reasons["4"] == "duplicate of line 2, which is the one imported (same data)"


@pytest.mark.parametrize(
    ("encoding", "prefix", "codec"),
    [
        (ReportEncoding.UTF8_BOM, b"\xef\xbb\xbf", "utf-8"),
        (ReportEncoding.UTF8, b"", "utf-8"),
        (ReportEncoding.WINDOWS_1252, b"", "cp1252"),
    ],
)
def test_reports_keep_the_uploads_encoding_across_hops(
    import_stack: ImportStack,
    encoding: ReportEncoding,
    prefix: bytes,
    codec: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Excel opens a report as it opened the upload: same BOM (or none), same encoding, every part."""
    rows = [[steam(i), "Zoë"] if i % 250 else ["bad-id", "Zoë"] for i in range(1, 1001)]
    body = prefix + csv_text(["steam_id", "name"], rows, delimiter=";").encode(codec)
    # Only a Windows-1252 file with a UTF-8 line beyond the encoding sample can hold a character
    # that encoding lacks.
    monkeypatch.setattr(csvreader, "ENCODING_SAMPLE_BYTES", 4096)
    body += "bad-id;李\n".encode()
    import_stack.put("incoming/accents.csv", body)
    # Each invocation starts with less time left than the reserve: it sends one segment and hands over.
    service = import_stack.service(hop_reserve_seconds=60.0)
    summary = import_stack.run("incoming/accents.csv", service, seconds=30.0)
    while import_stack.continuer.payloads:
        (request,) = parse_event(import_stack.continuer.payloads.pop())
        summary = service.handle(request, deadline=Deadline.after(30.0), owner=f"hop-{summary.hops}")
    assert (summary.status, summary.hops) == (ImportStatus.COMPLETED, 5)
    assert summary.report_encoding is encoding
    for uri, lines in ((summary.rejected_report, 6), (summary.results_report, 1002)):
        data = _body(import_stack, uri)
        assert data.startswith(b"\xef\xbb\xbf") == bool(prefix)
        assert data.count(b"\xef\xbb\xbf") == len(prefix) // 3
        report = list(csv.reader(io.StringIO(data.decode(codec).lstrip("\ufeff")), delimiter=";"))
        assert len(report) == lines
    rejected = list(
        csv.reader(
            io.StringIO(_body(import_stack, summary.rejected_report).decode(codec).lstrip("\ufeff")),
            delimiter=";",
        )
    )
    assert [r[4] for r in rejected[1:]] == ["Zoë"] * 4 + ["李" if codec == "utf-8" else "?"]
    if encoding is ReportEncoding.WINDOWS_1252:
        assert summary.report_note is not None
        assert summary.report_note.startswith("1 report row held characters windows-1252 cannot represent")
    else:
        assert summary.report_note is None


def test_a_windows_1252_upload_with_utf8_lines_gets_utf8_reports_that_lose_nothing(
    import_stack: ImportStack,
) -> None:
    """A file pasted together from two sources: Windows-1252 would turn 李 into ?, so UTF-8 (with
    the BOM Excel needs) it is."""
    cp1252 = csv_text(["steam_id", "name"], [[steam(1), "Zoë"], ["bad-id", "Zoë"]]).encode("cp1252")
    import_stack.put("incoming/pasted.csv", cp1252 + "bad-id;李\n".replace(";", ",").encode())
    summary = import_stack.run("incoming/pasted.csv")
    assert summary.report_encoding is ReportEncoding.UTF8_BOM
    assert summary.report_note is None
    data = _body(import_stack, summary.rejected_report)
    assert data.startswith(b"\xef\xbb\xbf")
    rejected = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r[4] for r in rejected[1:]] == ["Zoë", "李"]


def test_a_duplicate_far_from_its_first_row_and_in_a_later_invocation_says_what_it_differed_in(
    import_stack: ImportStack,
) -> None:
    rows = [[steam(i), f"N{i}", "gold", "x"] for i in range(1, 1001)]
    rows[900] = [steam(1), "Annie", "gold", "ignored column differs"]  # line 902, repeats line 2
    rows[950] = [f" {steam(2)} ", "N2 ", "gold", "y"]  # line 952: same imported data as line 3
    rows[990] = [steam(3), "N3", "silver", "x"]  # line 992
    header = ["steam_id", "name", "metadata.tier", "notes"]
    import_stack.put("incoming/far.csv", csv_text(header, rows))
    # One segment per invocation: the repeats are read by a later invocation than their first rows.
    service = import_stack.service(hop_reserve_seconds=60.0)
    summary = import_stack.run("incoming/far.csv", service, seconds=30.0)
    while import_stack.continuer.payloads:
        (request,) = parse_event(import_stack.continuer.payloads.pop())
        summary = service.handle(request, deadline=Deadline.after(30.0), owner=f"hop-{summary.hops}")
    assert summary.hops > 3
    reasons = {r[0]: r[2] for r in import_stack.report(summary)[1:]}
    assert reasons == {
        "902": "duplicate of line 2, which is the one imported; this row differed in name and was not "
        "imported",
        "952": "duplicate of line 3, which is the one imported (same data)",
        "992": "duplicate of line 4, which is the one imported; this row differed in metadata.tier and was "
        "not imported",
    }
