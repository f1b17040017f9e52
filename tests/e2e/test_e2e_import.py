"""CSV drops reach the import function through the bucket notification; reports come back."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from devstack_e2e import Stack, wait_for

CSV = (
    "steam_id,name\n"
    "76561197960600001,Ann\n"
    "76561197960600002,Ben\n"
    "7.65612E+16,Excel\n"
    "76561197960600001,Ann again\n"
)


def check_summary(stack: Stack, summary: dict[str, object]) -> None:
    assert summary["status"] == "completed", summary
    counts = summary["counts"]
    assert isinstance(counts, dict)
    assert counts["total"] == 4
    assert counts["created"] == 2
    assert counts["rejected"] == 1
    assert counts["duplicates_in_file"] == 1
    customers = stack.emulator("/_emulator/customers")["customers"]
    steam_ids = [c.get("steam_id") for c in customers]
    assert steam_ids.count("76561197960600001") + steam_ids.count("76561197960600002") >= 2


def test_object_put_with_boto3_is_imported(stack: Stack) -> None:
    s3 = stack.aws("s3")
    key = stack.info["incoming_prefix"] + "boto3-drop.csv"
    s3.put_object(Bucket=stack.info["bucket"], Key=key, Body=CSV.encode())
    summary = stack.wait_summary("boto3-drop.csv")
    check_summary(stack, summary)
    rejected = summary["rejected_report"]
    assert isinstance(rejected, str)
    bucket, _, rejected_key = rejected.removeprefix("s3://").partition("/")
    assert bucket == stack.info["bucket"]
    body = s3.get_object(Bucket=bucket, Key=rejected_key)["Body"].read().decode("utf-8-sig")
    assert "7.65612E+16" in body

    def announced() -> bool | None:
        for entry in stack.events():
            if entry["event"].get("detail-type") == "Import Completed" and "boto3-drop.csv" in json.dumps(
                entry
            ):
                return True
        return None

    assert wait_for(announced, 30, "the Import Completed event")


def test_file_copied_into_the_drop_folder_is_imported_and_its_report_comes_back(stack: Stack) -> None:
    drop = Path(stack.info["drop_folder"])
    csv = CSV.replace("7656119796060000", "7656119796070000")
    (drop / "folder-drop.csv").write_text(csv)
    reports = Path(stack.info["reports_folder"]) / "folder-drop.csv"

    def local_summary() -> dict[str, object] | None:
        for path in reports.glob("*/summary.json"):
            summary: dict[str, object] = json.loads(path.read_text())
            if summary.get("status") != "running":
                return summary
        return None

    summary = wait_for(local_summary, 120, "the report in the drop folder")
    assert summary["status"] == "completed", summary
    counts = summary["counts"]
    assert isinstance(counts, dict)
    assert (counts["total"], counts["created"], counts["rejected"]) == (4, 2, 1)
    assert (drop / "uploaded" / "folder-drop.csv").read_text() == csv
    assert list(reports.glob("*/rejected.csv"))


def test_the_same_object_version_delivered_again_imports_nothing_new(stack: Stack) -> None:
    s3 = stack.aws("s3")
    key = stack.info["incoming_prefix"] + "redelivered.csv"
    csv = "steam_id\n76561197960600101\n"
    version = s3.put_object(Bucket=stack.info["bucket"], Key=key, Body=csv.encode())["VersionId"]
    first = stack.wait_summary("redelivered.csv")
    assert first["counts"]["created"] == 1
    before = stack.emulator("/_emulator/customers")["count"]
    response, again = stack.invoke(
        "ImportFunction", {"bucket": stack.info["bucket"], "key": key, "version_id": version}
    )
    assert "FunctionError" not in response, again
    assert stack.emulator("/_emulator/customers")["count"] == before


def test_an_upper_case_csv_name_is_imported(stack: Stack) -> None:
    s3 = stack.aws("s3")
    key = stack.info["incoming_prefix"] + "UPPER.CSV"
    s3.put_object(Bucket=stack.info["bucket"], Key=key, Body=b"steam_id\n76561197960600201\n")
    summary = stack.wait_summary("UPPER.CSV")
    assert summary["status"] == "completed", summary
    assert summary["counts"]["created"] == 1


def test_a_workbook_gets_a_rejected_report_saying_what_to_do(stack: Stack) -> None:
    s3 = stack.aws("s3")
    key = stack.info["incoming_prefix"] + "customers.xlsx"
    s3.put_object(Bucket=stack.info["bucket"], Key=key, Body=b"PK\x03\x04 not really a workbook")
    summary = stack.wait_summary("customers.xlsx")
    assert summary["status"] == "rejected", summary
    assert "save it as 'CSV UTF-8'" in summary["error"]


def test_a_paused_writer_that_renames_into_the_folder_imports_every_row(stack: Stack) -> None:
    drop = Path(stack.info["drop_folder"])
    rows = [str(76561197960610000 + i) for i in range(200)]
    partial = drop / "paused.csv.part"
    with partial.open("w") as out:
        out.write("steam_id\n" + "\n".join(rows[:100]) + "\n")
        out.flush()
        time.sleep(4)  # longer than the folder's stillness window: the temporary name keeps it out
        out.write("\n".join(rows[100:]) + "\n")
    partial.rename(drop / "paused.csv")
    summary = stack.wait_summary("paused.csv")
    assert summary["status"] == "completed", summary
    assert (summary["counts"]["total"], summary["counts"]["created"]) == (200, 200)
    # The temporary name never reached the bucket, so it got no import (and no rejected report) of its own.
    listed = stack.aws("s3").list_objects_v2(
        Bucket=stack.info["bucket"], Prefix=stack.info["incoming_prefix"]
    )
    assert not [o["Key"] for o in listed.get("Contents", []) if o["Key"].endswith(".part")]


def test_a_running_summary_is_written_while_a_large_import_runs(stack: Stack) -> None:
    s3 = stack.aws("s3")
    bucket = stack.info["bucket"]
    body = "steam_id\n" + "".join(f"{76561197970000000 + i}\n" for i in range(30_000))
    s3.put_object(Bucket=bucket, Key=stack.info["incoming_prefix"] + "large.csv", Body=body.encode())
    prefix = stack.info["reports_prefix"] + "large.csv/"
    running: list[dict[str, Any]] = []

    def observed() -> bool | None:
        # Every version of summary.json: the bucket is versioned, so a running one cannot be missed.
        versions = s3.list_object_versions(Bucket=bucket, Prefix=prefix).get("Versions", [])
        for version in versions:
            if version["Key"].endswith("/summary.json"):
                document = json.loads(
                    s3.get_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])[
                        "Body"
                    ].read()
                )
                if document["status"] == "running":
                    running.append(document)
        return True if running else None

    wait_for(observed, 120, "a running summary.json")
    assert running[0]["progress"]["bytes_total"] == len(body)
    assert 0 < running[0]["progress"]["percent"] < 100
    summary = stack.wait_summary("large.csv")
    assert summary["status"] == "completed", summary
    assert summary["counts"]["created"] == 30_000
