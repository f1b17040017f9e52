"""S3 side of the import: the uploaded object as a byte stream, and the report objects."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, BinaryIO

from aws_lambda_powertools.utilities.streaming import S3Object

from customers.importer.ports import ObjectVersion

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

READ_BUFFER = 1 << 20
PART_TAG = "paynow-import-part"
# S3 multipart parts must be at least 5 MiB (except the last); 8 MiB keeps memory flat and calls few.
UPLOAD_PART = 8 << 20


class _Raw(io.RawIOBase):
    """``readinto`` over Powertools' seekable S3 stream, so ``io.BufferedReader`` can split lines in C."""

    def __init__(self, stream: S3Object) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        return size

    def close(self) -> None:
        self._stream.close()  # type: ignore[no-untyped-call]
        super().close()


class S3ObjectSource:
    def __init__(self, client: S3Client) -> None:
        self._client = client

    def head(self, bucket: str, key: str, version_id: str | None) -> ObjectVersion:
        kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        head = self._client.head_object(**kwargs)
        found = head.get("VersionId")
        return ObjectVersion(
            bucket=bucket,
            key=key,
            # "null" is the version of an object written while versioning was off.
            version_id=found if found and found != "null" else None,
            etag=head["ETag"].strip('"'),
            size=head["ContentLength"],
        )

    def open(self, version: ObjectVersion, offset: int) -> BinaryIO:
        extra: dict[str, Any] = {}
        if version.version_id is None:
            # Without a version id, refuse to read a different upload under the same key.
            extra["IfMatch"] = f'"{version.etag}"'
        stream = S3Object(
            bucket=version.bucket,
            key=version.key,
            version_id=version.version_id,
            boto3_client=self._client,
            **extra,
        )
        stream.seek(offset)
        return io.BufferedReader(_Raw(stream), buffer_size=READ_BUFFER)


class S3ReportStore:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def put_part(self, prefix: str, seq: int, data: bytes, *, part_set: str = "parts") -> None:
        self._client.put_object(
            Bucket=self._bucket,
            Key=f"{prefix}{part_set}/{seq:09d}.csv",
            Body=data,
            ContentType="text/csv",
            # Parts orphaned by an import that never finishes expire through a lifecycle rule on this tag.
            Tagging=f"{PART_TAG}=true",
        )

    def _part_keys(self, prefix: str, part_set: str) -> list[str]:
        keys: list[str] = []
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=f"{prefix}{part_set}/"):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        return sorted(keys)

    def compose(self, prefix: str, name: str, header: bytes, *, part_set: str = "parts") -> str:
        """Stitch header + parts into one object with a streaming multipart upload (constant memory)."""
        key = f"{prefix}{name}"
        parts = self._part_keys(prefix, part_set)
        buffer = bytearray(header)
        upload_id: str | None = None
        uploaded: list[dict[str, Any]] = []

        def flush(data: bytes) -> None:
            nonlocal upload_id
            if upload_id is None:
                upload_id = self._client.create_multipart_upload(
                    Bucket=self._bucket, Key=key, ContentType="text/csv"
                )["UploadId"]
            number = len(uploaded) + 1
            etag = self._client.upload_part(
                Bucket=self._bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data
            )["ETag"]
            uploaded.append({"ETag": etag, "PartNumber": number})

        try:
            for part in parts:
                body = self._client.get_object(Bucket=self._bucket, Key=part)["Body"]
                while block := body.read(READ_BUFFER):
                    buffer += block
                    if len(buffer) >= UPLOAD_PART:
                        flush(bytes(buffer[:UPLOAD_PART]))
                        del buffer[:UPLOAD_PART]
            if upload_id is None:
                self._client.put_object(
                    Bucket=self._bucket, Key=key, Body=bytes(buffer), ContentType="text/csv"
                )
            else:
                if buffer:
                    flush(bytes(buffer))
                self._client.complete_multipart_upload(
                    Bucket=self._bucket,
                    Key=key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": uploaded},  # type: ignore[typeddict-item]
                )
        except BaseException:
            if upload_id is not None:
                self._client.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload_id)
            raise
        return f"s3://{self._bucket}/{key}"

    def discard_parts(self, prefix: str, *, part_set: str = "parts") -> None:
        parts = self._part_keys(prefix, part_set)
        for start in range(0, len(parts), 1000):
            self._client.delete_objects(
                Bucket=self._bucket,
                Delete={"Objects": [{"Key": k} for k in parts[start : start + 1000]], "Quiet": True},
            )

    def location(self, prefix: str, name: str) -> str:
        return f"s3://{self._bucket}/{prefix}{name}"

    def put_json(self, prefix: str, name: str, document: Mapping[str, Any]) -> str:
        key = f"{prefix}{name}"
        self._client.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=json.dumps(document, indent=2, ensure_ascii=False).encode(),
            ContentType="application/json",
        )
        return f"s3://{self._bucket}/{key}"
