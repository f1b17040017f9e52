"""CSV drops reach the import function through the bucket notification; reports come back."""

from __future__ import annotations

import json
from pathlib import Path

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
