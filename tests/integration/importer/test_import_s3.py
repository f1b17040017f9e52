"""The import end to end: S3 object in, customers in the emulator, report and event out."""

from __future__ import annotations

import pytest
from customers.common.deadline import Deadline
from customers.importer.config import ExistingMode
from customers.importer.model.state import ImportState, ImportStatus
from customers.importer.triggers import parse_event
from paynow.models import CustomerUpsert

from tests.support.import_memory import csv_text, steam
from tests.support.import_stack import (
    BUCKET,
    DiesReserving,
    ImportStack,
    assert_invariant,
    assert_no_duplicates,
)

UUID_A = "069a79f4-44e9-4726-a5be-fca90e38aaf5"


@pytest.mark.parametrize(
    "data",
    [
        "steam_id,name\n76561198000000001,Zo\u00eb\n76561198000000002,Ann\n".encode(),
        b"\xef\xbb\xbf" + "steam_id,name\r\n76561198000000001,Zo\u00eb\r\n76561198000000002,Ann\r\n".encode(),
        "steam_id;name\n76561198000000001;Zo\u00eb\n76561198000000002;Ann\n".encode("cp1252"),
        "SteamID\tName\n76561198000000001\tZo\u00eb\n\n\n76561198000000002\tAnn\n".encode(),
        'steam id,name\r\n"76561198000000001","Zo\u00eb"\r\n\r\n"76561198000000002","Ann"'.encode(),
    ],
    ids=["utf8", "bom-crlf", "cp1252-semicolon", "tab-blank-lines", "quoted-no-final-newline"],
)
def test_csv_dialects(import_stack: ImportStack, data: bytes) -> None:
    import_stack.put("incoming/a.csv", data)
    summary = import_stack.run("incoming/a.csv")
    assert summary.status is ImportStatus.COMPLETED
    assert (summary.counts.total, summary.counts.created) == (2, 2)
    names = {c["steam_id"]: c["name"] for c in import_stack.emu.inspect.customers()}
    assert names == {steam(1): "Zo\u00eb", steam(2): "Ann"}


def test_embedded_newlines_and_a_late_cp1252_byte(import_stack: ImportStack) -> None:
    rows = [[steam(i), f"n{i}"] for i in range(1, 700)]
    text = csv_text(["steam_id", "name"], rows).encode() + f'{steam(900)},"Ren\u00e9e\nLine 2"\n'.encode(
        "cp1252"
    )
    import_stack.put("incoming/late.csv", text)
    summary = import_stack.run("incoming/late.csv")
    assert summary.counts.created == 700
    assert summary.encoding == "utf-8 with 1 cp1252 lines"
    assert import_stack.customers_by("steam_id")[steam(900)][0]["name"] == "Ren\u00e9e\nLine 2"


def test_aliases_metadata_columns_and_unknown_columns(import_stack: ImportStack) -> None:
    data = csv_text(
        ["Steam ID", "UUID", "XUID", "Username", "Platform", "metadata.tier", "Metadata.Source", "email"],
        [
            [steam(1), "", "", "Ann", "", "gold", "shopify", "a@example.com"],
            ["", UUID_A.replace("-", "").upper(), "", "Notch", "JAVA", "", "", ""],
            ["", "", "2535411111111111", "", "", "silver", "", ""],
        ],
    )
    import_stack.put("incoming/aliases.csv", data)
    summary = import_stack.run("incoming/aliases.csv")
    assert summary.counts.created == 3
    assert summary.unknown_columns == ["email"]
    by_steam = import_stack.customers_by("steam_id")[steam(1)][0]
    assert by_steam["metadata"] == {"tier": "gold", "Source": "shopify"}
    mc = import_stack.customers_by("minecraft_uuid")[UUID_A][0]
    assert (mc["name"], mc.get("minecraft_platform")) == ("Notch", "java")
    assert import_stack.customers_by("xbox_xuid")["2535411111111111"][0]["metadata"] == {"tier": "silver"}


def test_each_rejection_reason_is_reported_with_line_values_and_reason(import_stack: ImportStack) -> None:
    header = ["steam_id", "uuid", "name", "platform", "metadata.note"]
    rows = [
        [steam(1), "", "ok", "", ""],
        ["7.65612E+16", "", "excel", "", ""],
        ["76561198000000002.0", "", "excel2", "", ""],
        ["123", "", "range", "", ""],
        ["", "zz", "uuid", "", ""],
        ["", "", "no id", "", ""],
        [steam(3), "", "plat", "ps5", ""],
        [steam(4), "", "n" * 51, "", ""],
        [steam(5), "", "meta", "", "m" * 501],
        [steam(6), "", "extra", "", "", "surprise"],
        [steam(1), "", "dup", "", ""],
    ]
    import_stack.put("incoming/bad.csv", csv_text(header, rows))
    summary = import_stack.run("incoming/bad.csv")
    assert_invariant(summary)
    assert summary.counts.model_dump(exclude={"valid"}) == {
        "total": 11,
        "created": 1,
        "existing": 0,
        "updated": 0,
        "rejected": 9,
        "duplicates_in_file": 1,
    }
    report = import_stack.report(summary)
    assert report[0] == ["line", "reason_code", "reason", *header]
    codes = {int(r[0]): r[1] for r in report[1:]}
    assert codes == {
        3: "invalid_steam_id",
        4: "invalid_steam_id",
        5: "invalid_steam_id",
        6: "invalid_minecraft_uuid",
        7: "no_identifier",
        8: "invalid_platform",
        9: "invalid_name",
        10: "invalid_metadata",
        11: "too_many_fields",
        12: "duplicate_in_file",
    }
    assert report[1][3:] == ["7.65612E+16", "", "excel", "", ""]
    assert "duplicate of line 2" in report[-1][2]
    assert import_stack.emu.inspect.count() == 1


def test_formula_injection_is_neutralised_in_the_report(import_stack: ImportStack) -> None:
    rows = [['=HYPERLINK("http://evil")', "+cmd", "@SUM(1)"], ["-1", "\tx", "ok"]]
    import_stack.put("incoming/evil.csv", csv_text(["steam_id", "name", "=cmd"], rows))
    summary = import_stack.run("incoming/evil.csv")
    report = import_stack.report(summary)
    assert report[0][-1] == "'=cmd"
    assert report[1][3:] == ['\'=HYPERLINK("http://evil")', "'+cmd", "'@SUM(1)"]
    assert report[2][3:] == ["'-1", "'\tx", "ok"]


def test_file_without_identifier_column_is_rejected_before_any_paynow_call(import_stack: ImportStack) -> None:
    import_stack.put("incoming/noid.csv", "name,email\nAnn,a@example.com\n")
    summary = import_stack.run("incoming/noid.csv")
    assert summary.status is ImportStatus.REJECTED
    assert summary.error is not None
    assert "no identifier column" in summary.error
    assert import_stack.emu.inspect.requests == []
    assert import_stack.summary_object(summary)["status"] == "rejected"
    events = import_stack.events()
    assert [e["detail-type"] for e in events] == ["Import Failed"]
    assert events[0]["detail"]["error"] == summary.error


def test_existing_customers_skip_mode(import_stack: ImportStack) -> None:
    existing = import_stack.client.create_customer(CustomerUpsert(steam_id=steam(2), name="Old"))
    import_stack.put(
        "incoming/skip.csv", csv_text(["steam_id", "name"], [[steam(i), f"New{i}"] for i in range(1, 4)])
    )
    summary = import_stack.run("incoming/skip.csv", mode=ExistingMode.SKIP)
    assert (summary.counts.created, summary.counts.existing, summary.counts.updated) == (2, 1, 0)
    stored = import_stack.emu.inspect.customer(existing.id)
    assert stored is not None
    assert stored["name"] == "Old"
    assert_no_duplicates(import_stack)


def test_existing_customers_update_mode(import_stack: ImportStack) -> None:
    existing = import_stack.client.create_customer(
        CustomerUpsert(steam_id=steam(2), name="Old", metadata={"a": "1"})
    )
    rows = [[steam(i), f"New{i}", "vip"] for i in range(1, 4)]
    import_stack.put("incoming/update.csv", csv_text(["steam_id", "name", "metadata.tier"], rows))
    summary = import_stack.run("incoming/update.csv", mode=ExistingMode.UPDATE)
    assert (summary.counts.created, summary.counts.existing, summary.counts.updated) == (2, 0, 1)
    updated = import_stack.emu.inspect.customer(existing.id)
    assert updated is not None
    assert (updated["name"], updated["metadata"]) == ("New2", {"tier": "vip"})
    assert import_stack.calls("update") == 1


def test_a_conflict_does_not_sink_the_rest_of_the_chunk(import_stack: ImportStack) -> None:
    a = import_stack.client.create_customer(CustomerUpsert(steam_id=steam(500)))
    b = import_stack.client.create_customer(CustomerUpsert(minecraft_uuid=UUID_A))
    rows = [[steam(i), ""] for i in range(1, 200)]
    rows.insert(120, [steam(500), UUID_A])  # its two ids belong to two different customers
    import_stack.put("incoming/conflict.csv", csv_text(["steam_id", "uuid"], rows))
    summary = import_stack.run("incoming/conflict.csv")
    assert_invariant(summary)
    assert (summary.counts.created, summary.counts.rejected) == (199, 1)
    rejected = import_stack.report(summary)[1]
    assert rejected[1] == "conflict"
    assert a.id in rejected[2]
    assert b.id in rejected[2]
    assert import_stack.emu.inspect.count() == 201
    assert_no_duplicates(import_stack)


def test_redelivered_event_imports_once_and_a_new_version_is_a_new_import(import_stack: ImportStack) -> None:
    import_stack.put("incoming/again.csv", csv_text(["steam_id"], [[steam(i)] for i in range(1, 11)]))
    first = import_stack.run("incoming/again.csv")
    calls = len(import_stack.emu.inspect.requests)
    second = import_stack.run("incoming/again.csv")
    assert second == first
    assert len(import_stack.emu.inspect.requests) == calls
    assert [e["detail-type"] for e in import_stack.events()] == ["Import Completed"]
    import_stack.put("incoming/again.csv", csv_text(["steam_id"], [[steam(i)] for i in range(5, 16)]))
    third = import_stack.run("incoming/again.csv")
    assert third.import_id != first.import_id
    assert (third.counts.created, third.counts.existing) == (5, 6)
    assert import_stack.emu.inspect.count() == 15


def test_completed_event_carries_the_summary(import_stack: ImportStack) -> None:
    import_stack.put("incoming/ev.csv", csv_text(["steam_id"], [[steam(1)], ["bad"]]))
    summary = import_stack.run("incoming/ev.csv")
    (event,) = import_stack.events()
    assert event["source"] == "paynow.customers"
    assert event["detail-type"] == "Import Completed"
    assert event["detail"]["counts"] == summary.counts.model_dump(exclude={"valid"})  # dry runs only
    assert event["detail"]["rejected_report"] == summary.rejected_report
    assert import_stack.summary_object(summary) == event["detail"]


def test_crash_between_chunks_resumes_without_creating_twice(import_stack: ImportStack) -> None:
    rows = [[steam(i), f"n{i}"] for i in range(1, 2001)]
    rows[1500] = ["garbage", "x"]
    rows[1700] = [steam(3), "dup of line 4"]
    import_stack.put("incoming/crash.csv", csv_text(["steam_id", "name"], rows))
    with pytest.raises(SystemExit):
        import_stack.run(
            "incoming/crash.csv",
            # Killed as it reserves segment 6 (segments are reserved 2 x concurrency + 2 at a time): at
            # least 4 of segments 0-5 are done by then and none after 5 is sent, however slow the machine
            # or whichever segments finish first, so the crash always lands mid-import.
            concurrency=2,
            lease_seconds=1.0,
            wrap_checkpoints=lambda store: DiesReserving(store, seq=6),
        )
    created_before = import_stack.emu.inspect.count()
    assert 0 < created_before < 1998
    # The retried delivery waits for the dead invocation's lease to run out, then resumes.
    summary = import_stack.run("incoming/crash.csv", concurrency=4)
    assert summary.status is ImportStatus.COMPLETED
    assert summary.hops == 2
    assert_invariant(summary)
    assert (summary.counts.total, summary.counts.rejected, summary.counts.duplicates_in_file) == (2000, 1, 1)
    assert summary.counts.created + summary.counts.existing == 1998
    assert import_stack.emu.inspect.count() == 1998
    assert_no_duplicates(import_stack)
    lines = sorted(int(r[0]) for r in import_stack.report(summary)[1:])
    assert lines == [1502, 1702]


def test_self_continuation_with_bounded_hops(import_stack: ImportStack) -> None:
    import_stack.put("incoming/hops.csv", csv_text(["steam_id"], [[steam(i)] for i in range(1, 1001)]))
    # Each invocation starts with less time left than the reserve: it sends one segment and hands over.
    service = import_stack.service(hop_reserve_seconds=60.0)
    summary = import_stack.run("incoming/hops.csv", service, seconds=30.0)
    while import_stack.continuer.payloads:
        assert summary.status is ImportStatus.RUNNING
        (request,) = parse_event(import_stack.continuer.payloads.pop())
        summary = service.handle(request, deadline=Deadline.after(30.0), owner=f"hop-{summary.hops}")
    assert summary.status is ImportStatus.COMPLETED
    assert summary.hops == 5
    assert summary.counts.created == 1000
    assert import_stack.emu.inspect.count() == 1000
    # Each hop drained what it sent before handing over: nothing needed reconciling.
    assert import_stack.calls("lookup") == 0
    assert [e["detail-type"] for e in import_stack.events()] == ["Import Completed"]


def test_too_many_hops_fails_the_import(import_stack: ImportStack) -> None:
    import_stack.put("incoming/long.csv", csv_text(["steam_id"], [[steam(i)] for i in range(1, 1001)]))
    service = import_stack.service(hop_reserve_seconds=60.0, max_hops=2)
    summary = import_stack.run("incoming/long.csv", service, seconds=30.0)
    while import_stack.continuer.payloads:
        (request,) = parse_event(import_stack.continuer.payloads.pop())
        summary = service.handle(request, deadline=Deadline.after(30.0), owner=f"hop-{summary.hops}")
    assert summary.status is ImportStatus.FAILED
    assert summary.error is not None
    assert "IMPORT_MAX_HOPS" in summary.error
    assert summary.counts.created == 400
    assert_invariant(summary)
    (event,) = import_stack.events()
    assert event["detail-type"] == "Import Failed"


def test_minecraft_name_without_an_account_is_rejected_alone(import_stack: ImportStack) -> None:
    import_stack.emu.add_minecraft_account("Notch", UUID_A, "java")
    rows = [[steam(1), "Notch", "java"], [steam(2), "NoSuchPlayer", "java"], [steam(3), "Plain", ""]]
    import_stack.put("incoming/mc.csv", csv_text(["steam_id", "name", "platform"], rows))
    summary = import_stack.run("incoming/mc.csv")
    assert summary.status is ImportStatus.COMPLETED
    assert (summary.counts.created, summary.counts.rejected) == (2, 1)
    (rejected,) = import_stack.report(summary)[1:]
    assert (rejected[0], rejected[1]) == ("3", "refused_by_paynow")
    assert "NoSuchPlayer" in rejected[2]


def test_duplicate_delivery_while_the_holder_is_alive_returns_without_importing(
    import_stack: ImportStack,
) -> None:
    import threading

    from customers.importer.model.counts import Counts

    version = import_stack.put("incoming/busy.csv", csv_text(["steam_id"], [[steam(1)]]))
    store = import_stack.checkpoints()
    import_id = f"import#{BUCKET}#incoming/busy.csv#{version}"
    held = ImportState(
        import_id=import_id, bucket=BUCKET, key="incoming/busy.csv", started_at="2026-11-25T00:00:00+00:00"
    )
    store.acquire(held, owner="holder", lease_seconds=30)
    done = threading.Event()

    def heartbeat() -> None:
        # A live holder renews its lease at every checkpoint; keep renewing until the duplicate gives
        # up, so the test does not depend on when the duplicate first looks.
        while not done.wait(0.1):
            store.save(held.model_copy(update={"counts": Counts(total=7)}), owner="holder", lease_seconds=30)

    holder = threading.Thread(target=heartbeat)
    holder.start()
    try:
        service = import_stack.service()
        service._config.busy_poll_seconds = 0.1
        summary = import_stack.run("incoming/busy.csv", service)
    finally:
        done.set()
        holder.join()
    assert summary.status is ImportStatus.RUNNING
    assert summary.counts.total == 7
    assert import_stack.emu.inspect.requests == []


# Files that used to crash the import function (no report, no event, retried into the DLQ).


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
    header = ",".join(f"col{i}" for i in range(400))
    import_stack.put("incoming/wide.csv", header + "\n" + ",".join("v" for _ in range(400)) + "\n")
    summary = import_stack.run("incoming/wide.csv")
    assert summary.status is ImportStatus.REJECTED
    assert summary.error is not None
    assert "no identifier column" in summary.error
    assert "'col0'" in summary.error
    assert "(400 columns)" in summary.error
    assert len(summary.error) < 1000
