"""The S3 adapters against moto: pinned object versions and the streamed report composition."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from customers.adapters import s3_import
from customers.adapters.s3_import import S3ObjectSource, S3ReportStore
from moto import mock_aws

from tests.support.import_stack import REGION


@pytest.fixture
def s3(aws_env: None) -> Any:
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket="plain")
        yield client


def test_unversioned_object_is_pinned_by_etag(s3: Any) -> None:
    s3.put_object(Bucket="plain", Key="incoming/a.csv", Body=b"steam_id\n1\n2\n")
    source = S3ObjectSource(s3)
    version = source.head("plain", "incoming/a.csv", None)
    assert version.version_id is None
    assert version.import_id == f"import#plain#incoming/a.csv#etag-{version.etag}"
    with source.open(version, 9) as stream:
        assert stream.read() == b"1\n2\n"
    s3.put_object(Bucket="plain", Key="incoming/a.csv", Body=b"steam_id\n3\n")
    with pytest.raises(ClientError, match="PreconditionFailed"), source.open(version, 0) as stream:
        stream.read()


def test_compose_streams_parts_in_order_through_a_multipart_upload(
    s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(s3_import, "UPLOAD_PART", 5 << 20)  # S3's minimum part size
    store = S3ReportStore(s3, "plain")
    parts = {seq: (f"{seq},".encode() + b"x" * (3 << 20) + b"\n") for seq in (3, 1, 2, 10)}
    for seq, data in parts.items():
        store.put_part("reports/a/", seq, data)
    uri = store.compose("reports/a/", "rejected.csv", b"header\n")
    assert uri == "s3://plain/reports/a/rejected.csv"
    body = s3.get_object(Bucket="plain", Key="reports/a/rejected.csv")["Body"].read()
    assert body == b"header\n" + parts[1] + parts[2] + parts[3] + parts[10]
    tags = s3.get_object_tagging(Bucket="plain", Key="reports/a/parts/000000001.csv")["TagSet"]
    assert tags == [{"Key": s3_import.PART_TAG, "Value": "true"}]
    store.discard_parts("reports/a/")
    assert "Contents" not in s3.list_objects_v2(Bucket="plain", Prefix="reports/a/parts/")
