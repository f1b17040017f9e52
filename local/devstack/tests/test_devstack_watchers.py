"""Drop folder, report mirror, moto's S3 notification records, rule inputs, log condensing, CLI options."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import pytest
from devstack.__main__ import options_from, parse_args
from devstack.logs import condense
from devstack.resources import Aws
from devstack.stack import RealPayNow, StackError, _env_name, _origins
from devstack.watcher import DropWatcher, ReportMirror, apply_input
from devstack_helpers import CapturedConsole


@pytest.fixture
def bucket(aws: Aws) -> str:
    name = f"bucket-{time.monotonic_ns()}"
    aws.s3.create_bucket(Bucket=name)
    aws.s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def test_dropped_file_is_uploaded_once_stable_and_moved_aside(
    tmp_path: Path, aws: Aws, bucket: str, console: CapturedConsole
) -> None:
    watcher = DropWatcher(tmp_path, aws, bucket=bucket, prefix="incoming/", console=console, settle_s=0.0)
    (tmp_path / "people.csv").write_text("steam_id\n76561197960287931\n")
    (tmp_path / "copying.csv.part").write_text("half")
    (tmp_path / ".hidden").write_text("x")
    watcher.scan()  # first sight: not yet known to be complete
    assert "Contents" not in aws.s3.list_objects_v2(Bucket=bucket)
    watcher.scan()
    body = aws.s3.get_object(Bucket=bucket, Key="incoming/people.csv")["Body"].read()
    assert body == b"steam_id\n76561197960287931\n"
    assert not (tmp_path / "people.csv").exists()
    assert (tmp_path / "uploaded" / "people.csv").exists()
    assert (tmp_path / "copying.csv.part").exists()
    # The same name dropped again is a new upload (a new object version), kept beside the first.
    (tmp_path / "people.csv").write_text("steam_id\n")
    watcher.scan()
    watcher.scan()
    versions = aws.s3.list_object_versions(Bucket=bucket, Prefix="incoming/people.csv")["Versions"]
    assert len(versions) == 2
    assert len(list((tmp_path / "uploaded").iterdir())) == 2
    assert "drop people.csv -> s3://" in console.text


def test_a_growing_file_waits(tmp_path: Path, aws: Aws, bucket: str, console: CapturedConsole) -> None:
    watcher = DropWatcher(tmp_path, aws, bucket=bucket, prefix="incoming/", console=console, settle_s=0.0)
    path = tmp_path / "big.csv"
    path.write_text("a\n")
    watcher.scan()
    with path.open("a") as out:
        out.write("b\n")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    watcher.scan()
    assert "Contents" not in aws.s3.list_objects_v2(Bucket=bucket)
    watcher.scan()
    assert aws.s3.get_object(Bucket=bucket, Key="incoming/big.csv")["Body"].read() == b"a\nb\n"


def test_reports_are_mirrored_and_refreshed(
    tmp_path: Path, aws: Aws, bucket: str, console: CapturedConsole
) -> None:
    mirror = ReportMirror(aws, bucket=bucket, prefix="reports/", folder=tmp_path, console=console)
    aws.s3.put_object(Bucket=bucket, Key="reports/a/summary.json", Body=b'{"status": "running"}')
    aws.s3.put_object(Bucket=bucket, Key="incoming/not-a-report.csv", Body=b"x")
    mirror.sync()
    assert json.loads((tmp_path / "a" / "summary.json").read_text()) == {"status": "running"}
    aws.s3.put_object(Bucket=bucket, Key="reports/a/summary.json", Body=b'{"status": "completed"}')
    mirror.sync()
    assert json.loads((tmp_path / "a" / "summary.json").read_text()) == {"status": "completed"}
    assert not (tmp_path / "not-a-report.csv").exists()


def changed_after_the_listing(aws: Aws, change: Callable[[], object]) -> Any:
    """A paginator stand-in: the bucket is changed by ``change`` right after it was listed."""
    listing = aws.s3.get_paginator

    class ChangedWhileListed:
        def __init__(self, name: Literal["list_objects_v2"]) -> None:
            self._paginator = listing(name)

        def paginate(self, *, Bucket: str, Prefix: str) -> list[Any]:
            pages = list(self._paginator.paginate(Bucket=Bucket, Prefix=Prefix))
            change()
            return pages

    return ChangedWhileListed


def deleting_after_the_listing(aws: Aws, bucket: str, keys: list[str]) -> Any:
    """A paginator stand-in: ``keys`` are deleted right after they were listed."""
    return changed_after_the_listing(
        aws, lambda: aws.s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    )


def test_a_summary_rewritten_after_the_listing_waits_for_the_reports_written_before_it(
    tmp_path: Path, aws: Aws, bucket: str, console: CapturedConsole, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror = ReportMirror(aws, bucket=bucket, prefix="reports/", folder=tmp_path, console=console)
    aws.s3.put_object(Bucket=bucket, Key="reports/a/summary.json", Body=b'{"status": "running"}')

    def import_finishes() -> None:
        """Right after the listing: its CSVs, then the final summary."""
        aws.s3.put_object(Bucket=bucket, Key="reports/a/rejected.csv", Body=b"line\r\n")
        aws.s3.put_object(Bucket=bucket, Key="reports/a/summary.json", Body=b'{"status": "completed"}')

    monkeypatch.setattr(aws.s3, "get_paginator", changed_after_the_listing(aws, import_finishes))
    mirror.sync()
    assert not (tmp_path / "a" / "summary.json").exists()
    monkeypatch.undo()
    mirror.sync()
    assert json.loads((tmp_path / "a" / "summary.json").read_text()) == {"status": "completed"}
    assert (tmp_path / "a" / "rejected.csv").read_bytes() == b"line\r\n"


def test_report_parts_deleted_after_the_listing_are_not_mirrored_and_the_summary_still_is(
    tmp_path: Path, aws: Aws, bucket: str, console: CapturedConsole, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror = ReportMirror(aws, bucket=bucket, prefix="reports/", folder=tmp_path, console=console)
    parts = ["reports/a.csv/v1/parts/000000000.csv", "reports/a.csv/v1/results/parts/000000000.csv"]
    for key in parts:
        aws.s3.put_object(Bucket=bucket, Key=key, Body=b"line\r\n")
    aws.s3.put_object(Bucket=bucket, Key="reports/a.csv/v1/summary.json", Body=b'{"status": "completed"}')
    # An upload in a folder named "parts" has reports like any other.
    aws.s3.put_object(Bucket=bucket, Key="reports/parts/b.csv/v1/summary.json", Body=b"{}")
    # One part set is discarded (``discard_parts``) while the mirror lists, the other is still there.
    monkeypatch.setattr(aws.s3, "get_paginator", deleting_after_the_listing(aws, bucket, parts[:1]))
    mirror.sync()
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        "a.csv/v1/summary.json",
        "parts/b.csv/v1/summary.json",
    ]


def test_a_report_deleted_after_the_listing_does_not_stop_the_pass(
    tmp_path: Path, aws: Aws, bucket: str, console: CapturedConsole, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror = ReportMirror(aws, bucket=bucket, prefix="reports/", folder=tmp_path, console=console)
    aws.s3.put_object(Bucket=bucket, Key="reports/a.csv/v1/rejected.csv", Body=b"line\r\n")
    aws.s3.put_object(Bucket=bucket, Key="reports/a.csv/v1/summary.json", Body=b'{"status": "completed"}')
    gone = ["reports/a.csv/v1/rejected.csv"]
    monkeypatch.setattr(aws.s3, "get_paginator", deleting_after_the_listing(aws, bucket, gone))
    mirror.sync()
    assert not (tmp_path / "a.csv" / "v1" / "rejected.csv").exists()
    assert json.loads((tmp_path / "a.csv" / "v1" / "summary.json").read_text()) == {"status": "completed"}


def test_s3_notifications_carry_version_and_sequencer(aws: Aws, bucket: str) -> None:
    queue = aws.sqs.create_queue(QueueName=f"n-{time.monotonic_ns()}")["QueueUrl"]
    arn = aws.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws.s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    version = aws.s3.put_object(Bucket=bucket, Key="incoming/a b.csv", Body=b"x")["VersionId"]
    records = []
    for _ in range(10):
        for message in aws.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        ):
            records += json.loads(message["Body"]).get("Records", [])
        if records:
            break
    (record,) = records
    assert record["s3"]["object"]["key"] == "incoming/a+b.csv"
    assert record["s3"]["object"]["versionId"] == version
    assert len(record["s3"]["object"]["sequencer"]) == 16


def test_rule_target_input() -> None:
    event = {"detail": {"bucket": {"name": "b"}}, "source": "aws.s3"}
    assert apply_input(event, None, None) == event
    assert apply_input(event, '{"fixed": 1}', None) == {"fixed": 1}
    assert apply_input(event, None, "$.detail.bucket") == {"name": "b"}


def test_condensed_log_lines() -> None:
    line = json.dumps(
        {"level": "INFO", "message": "done", "service": "s", "timestamp": "t", "rows": 3, "cold_start": True}
    )
    assert condense(line) == "INFO done  rows=3"
    emf = {
        "_aws": {"CloudWatchMetrics": [{"Metrics": [{"Name": "Created"}, {"Name": "Rows"}]}]},
        "Created": [1.0],
        "Rows": [2.0, 3.0],
    }
    assert condense(json.dumps(emf)) == "metrics Created=1.0, Rows=[2.0,3.0]"
    assert condense("plain text") == "plain text"
    assert condense("{not json") == "{not json"


def test_real_paynow_only_when_both_variables_are_set() -> None:
    assert RealPayNow.from_environment({}) is None
    real = RealPayNow.from_environment({"PAYNOW_API_KEY": "k", "PAYNOW_STORE_ID": "1"})
    assert real == RealPayNow("https://api.paynow.gg", "1", "k")
    with pytest.raises(StackError, match="both"):
        RealPayNow.from_environment({"PAYNOW_API_KEY": "k"})


def test_cli_options(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PAYNOW_API_KEY", raising=False)
    monkeypatch.delenv("PAYNOW_STORE_ID", raising=False)
    template = tmp_path / "template.yaml"
    template.write_text("Resources: {}\n")
    options = options_from(
        parse_args(
            [
                "--template",
                str(template),
                "--free-ports",
                "--api-port",
                "3999",
                "--parameter",
                "A=b=c",
                "--minecraft-account",
                "bedrock:Some One:00000000-0000-0000-0009-000000000001",
            ]
        )
    )
    assert options.ports["api"] == 3999
    assert options.ports["moto"] == 0
    assert options.parameters == {"A": "b=c"}
    assert options.minecraft_accounts[-1] == ("bedrock", "Some One", "00000000-0000-0000-0009-000000000001")
    assert options.real_paynow is None
    with pytest.raises(SystemExit):
        parse_args(["--parameter", "novalue"])


def test_names() -> None:
    assert _env_name("SignupFunction") == "SIGNUP_FUNCTION"
    assert _env_name("ImportDLQ") == "IMPORT_DLQ"
    assert _origins("http://127.0.0.1:8080") == ["http://127.0.0.1:8080", "http://localhost:8080"]


def test_input_transformer_fills_the_template_with_json_values() -> None:
    event = {"detail": {"event_id": "41", "body": {"id": "7", "customer": None}}}
    transformer = {
        "InputPathsMap": {"payment": "$.detail.body.id", "event": "$.detail.event_id"},
        "InputTemplate": (
            '{"action": "invalidate_tokens", "payment_id": <payment>, "cause": {"event_id": <event>}}'
        ),
    }
    assert apply_input(event, None, None, transformer) == {
        "action": "invalidate_tokens",
        "payment_id": "7",
        "cause": {"event_id": "41"},
    }


@pytest.mark.parametrize(
    "key", ["reports//tmp/escaped.json", "reports/../escaped.json", "reports/a/../../escaped.json"]
)
def test_report_mirror_never_writes_outside_its_folder(
    tmp_path: Path, aws: Aws, bucket: str, console: CapturedConsole, key: str
) -> None:
    folder = tmp_path / "mirror"
    folder.mkdir()
    mirror = ReportMirror(aws, bucket=bucket, prefix="reports/", folder=folder, console=console)
    aws.s3.put_object(Bucket=bucket, Key=key, Body=b"{}")
    aws.s3.put_object(Bucket=bucket, Key="reports/ok/summary.json", Body=b"{}")
    mirror.sync()
    assert not (tmp_path / "escaped.json").exists()
    assert not Path("/tmp/escaped.json").exists()
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.json")] == [
        "mirror/ok/summary.json"
    ]
    assert "not mirrored" in console.text


def test_import_progress_is_shown_on_the_console(
    tmp_path: Path, aws: Aws, bucket: str, console: CapturedConsole
) -> None:
    mirror = ReportMirror(aws, bucket=bucket, prefix="reports/", folder=tmp_path, console=console)
    running = {
        "key": "incoming/big.csv",
        "status": "running",
        "counts": {"total": 12000, "created": 11900, "rejected": 100},
        "progress": {"percent": 45.5, "rows_per_second": 3900.0, "seconds_left": 3.6},
    }
    aws.s3.put_object(Bucket=bucket, Key="reports/big.csv/v/summary.json", Body=json.dumps(running).encode())
    mirror.sync()
    assert (
        "import incoming/big.csv: running, 12,000 rows (11,900 created, 100 rejected), 45.5% of the file, "
        "3,900.0 rows/s, about 4 s left" in console.text
    )


def test_a_writer_that_pauses_is_not_uploaded_half_written(
    tmp_path: Path, aws: Aws, bucket: str, console: CapturedConsole
) -> None:
    now = [0.0]
    watcher = DropWatcher(
        tmp_path, aws, bucket=bucket, prefix="incoming/", console=console, settle_s=3.0, clock=lambda: now[0]
    )
    path = tmp_path / "paused.csv"
    path.write_text("steam_id\n76561197960287931\n")
    for now[0] in (0.0, 1.0, 2.5):  # the writer pauses for 2.5 s: still within the settle window
        watcher.scan()
    with path.open("a") as out:
        out.write("76561197960287932\n")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 5_000_000))
    for now[0] in (3.0, 4.0, 5.5):
        watcher.scan()
    assert "Contents" not in aws.s3.list_objects_v2(Bucket=bucket)
    now[0] = 6.5
    watcher.scan()
    body = aws.s3.get_object(Bucket=bucket, Key="incoming/paused.csv")["Body"].read()
    assert body == b"steam_id\n76561197960287931\n76561197960287932\n"


@pytest.mark.parametrize(
    "name", ["~$customers.csv", "export.csv.PART", "a.csv.tmp", ".hidden.csv", "x.crdownload"]
)
def test_temporary_names_are_never_uploaded(
    tmp_path: Path, aws: Aws, bucket: str, console: CapturedConsole, name: str
) -> None:
    watcher = DropWatcher(tmp_path, aws, bucket=bucket, prefix="incoming/", console=console, settle_s=0.0)
    (tmp_path / name).write_text("steam_id\n")
    watcher.scan()
    watcher.scan()
    assert "Contents" not in aws.s3.list_objects_v2(Bucket=bucket)
