"""Drop folder, report mirror, moto's S3 notification records, rule inputs, log condensing, CLI options."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

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
    watcher = DropWatcher(tmp_path, aws, bucket=bucket, prefix="incoming/", console=console)
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
    watcher = DropWatcher(tmp_path, aws, bucket=bucket, prefix="incoming/", console=console)
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
