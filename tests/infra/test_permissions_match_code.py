"""The functions' DynamoDB and S3 grants are exactly what their adapters do.

The adapters run against moto while every request is recorded; each request must be allowed by the
function's inline statements in template.yaml (action, resource ARN and conditions, evaluated here),
and each granted action must be used by some request, so neither a missing nor a spare permission
goes unnoticed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

import boto3
import pytest
from customers.adapters.dynamo_state import DynamoCreationLock, DynamoNonceStore
from customers.adapters.import_checkpoints import DynamoCheckpointStore
from customers.adapters.s3_import import UPLOAD_PART, S3ObjectSource, S3ReportStore
from customers.importer.config import ImportConfig
from customers.importer.model.state import ImportState
from customers.importer.ports import BusyError
from customers.importer.service import ImportService
from moto import mock_aws
from paynow.models import Customer

from tests.support.fake_aws import create_state_table, use_fake_credentials

from .deployment import RESOURCE_NAMES, deployment
from .tools import ROOT

pytestmark = pytest.mark.infra

REGION = "eu-west-1"
TABLE = RESOURCE_NAMES["StateTable"]
CUSTOMER = Customer(id="429000000000000100", store_id="429000000000000000", created_at="2026-01-01T00:00:00Z")
STEAM_SOURCE = ROOT / "layers/shared/customers/signup/steam.py"


@dataclass(frozen=True)
class Request:
    """One authorization question: may the role do ``action`` on ``resource`` in this context?"""

    action: str
    resource: str
    context: tuple[tuple[str, tuple[str, ...]], ...] = ()


class Recorder:
    """Turns every DynamoDB / S3 call a client makes into the IAM requests it needs."""

    def __init__(self) -> None:
        self.requests: list[Request] = []

    def attach(self, client: Any) -> Any:
        client.meta.events.register("provide-client-params", self._record)
        return client

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        handler = {"dynamodb": self._dynamodb, "s3": self._s3}[service]
        self.requests.extend(handler(model.name, params))

    @staticmethod
    def _dynamodb(operation: str, params: dict[str, Any]) -> list[Request]:
        table = f"arn:aws:dynamodb:{REGION}:123456789012:table/{params['TableName']}"
        item = params.get("Key") or params.get("Item")
        # Operations that name no single item (Query, Scan, batches) get no leading key: no
        # LeadingKeys-conditioned statement allows them, which is the point.
        leading = (item["pk"]["S"],) if item else ()
        return [Request(f"dynamodb:{operation}", table, (("dynamodb:LeadingKeys", leading),))]

    @staticmethod
    def _s3(operation: str, params: dict[str, Any]) -> list[Request]:
        bucket = f"arn:aws:s3:::{params['Bucket']}"
        if operation == "ListObjectsV2":
            return [Request("s3:ListBucket", bucket, (("s3:prefix", (params.get("Prefix", ""),)),))]
        if operation == "DeleteObjects":
            return [Request("s3:DeleteObject", f"{bucket}/{o['Key']}") for o in params["Delete"]["Objects"]]
        obj = f"{bucket}/{params['Key']}"
        if operation in ("HeadObject", "GetObject"):
            return [Request("s3:GetObjectVersion" if params.get("VersionId") else "s3:GetObject", obj)]
        if operation in ("PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"):
            tagging = [Request("s3:PutObjectTagging", obj)] if params.get("Tagging") else []
            return [Request("s3:PutObject", obj), *tagging]
        if operation == "AbortMultipartUpload":
            return [Request("s3:AbortMultipartUpload", obj)]
        raise AssertionError(f"map S3 {operation} to the IAM actions it needs")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _condition_holds(condition: dict[str, Any], context: dict[str, tuple[str, ...]]) -> bool:
    for operator, tests in condition.items():
        for key, patterns in tests.items():
            values = context.get(key)
            if operator == "StringLike":
                if values is None or not all(
                    any(fnmatchcase(v, p) for p in _as_list(patterns)) for v in values
                ):
                    return False
            elif operator == "ForAllValues:StringLike":
                # An absent key would satisfy ForAllValues; treat it as a refusal so that no request
                # without a leading key can pass.
                if not values or not all(any(fnmatchcase(v, p) for p in _as_list(patterns)) for v in values):
                    return False
            else:
                raise AssertionError(f"evaluate condition operator {operator} here")
    return True


def _allowed(statements: list[dict[str, Any]], request: Request) -> bool:
    context = dict(request.context)
    return any(
        statement["Effect"] == "Allow"
        and request.action in _as_list(statement["Action"])
        and any(fnmatchcase(request.resource, pattern) for pattern in _as_list(statement["Resource"]))
        and _condition_holds(statement.get("Condition", {}), context)
        for statement in statements
    )


def _statements(template: dict[str, Any], function: dict[str, Any]) -> list[dict[str, Any]]:
    """The function's inline statements with every intrinsic function resolved."""
    resolve = deployment(template).resolve
    found: list[dict[str, Any]] = []
    for policy in function["Policies"]:
        for statement in policy.get("Statement", []):
            found.append({**statement, "Resource": [resolve(r) for r in _as_list(statement["Resource"])]})
    return found


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_fake_credentials(monkeypatch, REGION)
    with mock_aws():
        create_state_table(boto3.client("dynamodb"), TABLE)
        yield


def _drop_returned_item(parsed: dict[str, Any], **_: Any) -> None:
    parsed.pop("Item", None)


def _lock_requests() -> list[Request]:
    recorder = Recorder()
    client = recorder.attach(boto3.client("dynamodb"))
    lock = DynamoCreationLock(TABLE, client)
    assert lock.claim("steam:76561197960287930", "a", hold_seconds=30).acquired
    assert not lock.claim("steam:76561197960287930", "b", hold_seconds=30).acquired
    # The read-back path: the conflicting item is not returned with the failed condition.
    client.meta.events.register("after-call.dynamodb.PutItem", _drop_returned_item)
    assert not lock.claim("steam:76561197960287930", "b", hold_seconds=30).acquired
    lock.complete("steam:76561197960287930", "a", CUSTOMER, keep_seconds=60)
    assert lock.claim("minecraft:069a79f4-44e9-4726-a5be-fca90e38aaf5", "c", hold_seconds=30).acquired
    lock.release("minecraft:069a79f4-44e9-4726-a5be-fca90e38aaf5", "c")
    return recorder.requests


def _nonce_requests() -> list[Request]:
    # The nonce key is built by the Steam verifier; use its own prefix.
    match = re.search(r'use_once\(f"([^"{]+)\{', STEAM_SOURCE.read_text(encoding="utf-8"))
    assert match, f"the nonce key format is no longer found in {STEAM_SOURCE}"
    recorder = Recorder()
    nonces = DynamoNonceStore(TABLE, recorder.attach(boto3.client("dynamodb")))
    key = f"{match.group(1)}https://steamcommunity.com/openid/login#2026-11-25T20:00:00Zx1"
    assert nonces.use_once(key, keep_seconds=300)
    assert not nonces.use_once(key, keep_seconds=300)
    return recorder.requests


def _import_requests(template: dict[str, Any], function: dict[str, Any]) -> list[Request]:
    environment = {
        k: str(deployment(template).resolve(v)) for k, v in function["Environment"]["Variables"].items()
    }
    bucket = environment["IMPORT_BUCKET"]
    plain_s3 = boto3.client("s3")
    plain_s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})  # type: ignore[typeddict-item]
    plain_s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    key = f"{environment['INCOMING_PREFIX']}2026/customers.csv"
    plain_s3.put_object(Bucket=bucket, Key=key, Body=b"steam_id,name\n76561197960287930,Gabe\n")

    recorder = Recorder()
    s3 = recorder.attach(boto3.client("s3"))
    source = S3ObjectSource(s3)
    version = source.head(bucket, key, None)
    assert version.version_id is not None
    assert source.head(bucket, key, version.version_id) == version
    with source.open(version, 0) as stream:
        assert stream.read().startswith(b"steam_id")

    dynamodb = recorder.attach(boto3.client("dynamodb"))
    checkpoints = DynamoCheckpointStore(dynamodb, TABLE)
    reports = S3ReportStore(s3, bucket)
    config = ImportConfig(
        bucket=bucket,
        incoming_prefix=environment["INCOMING_PREFIX"],
        reports_prefix=environment["REPORTS_PREFIX"],
    )
    service = ImportService(
        source=source,
        reports=reports,
        checkpoints=checkpoints,
        api=None,
        events=None,
        continuer=None,
        config=config,
    )
    prefix = service.report_prefix(version)
    # Enough rejected rows for the stitched report to need a multipart upload.
    reports.put_part(prefix, 0, b"a" * (UPLOAD_PART // 2 + 1))
    reports.put_part(prefix, 1, b"b" * (UPLOAD_PART // 2 + 1))
    reports.compose(prefix, "rejected.csv", b"line,reason\n")
    reports.put_json(prefix, "summary.json", {"status": "completed"})
    reports.discard_parts(prefix)
    # A failed stitch aborts its multipart upload.
    reports.put_part(prefix, 0, b"c" * (UPLOAD_PART + 1))
    s3.meta.events.register("before-call.s3.CompleteMultipartUpload", _fail)
    with pytest.raises(ConnectionError):
        reports.compose(prefix, "rejected.csv", b"line,reason\n")

    state = ImportState(
        import_id=version.import_id, bucket=bucket, key=key, started_at="2026-11-25T20:00:00Z"
    )
    checkpoints.acquire(state, owner="a", lease_seconds=60)
    with pytest.raises(BusyError):
        checkpoints.acquire(state, owner="b", lease_seconds=60)
    checkpoints.acquire(state, owner="a", lease_seconds=60)
    checkpoints.save(state, owner="a", lease_seconds=0)
    assert checkpoints.load(state.import_id) is not None
    return recorder.requests


def _fail(**_: Any) -> None:
    raise ConnectionError("injected: the connection dropped while completing the upload")


@pytest.fixture
def requests_by_function(
    aws: None, template: dict[str, Any], functions: dict[str, dict[str, Any]]
) -> dict[str, list[Request]]:
    locks = _lock_requests()
    return {
        "SignupFunction": locks + _nonce_requests(),
        "TrustedFunction": locks,
        "ImportFunction": _import_requests(template, functions["ImportFunction"]),
    }


@pytest.mark.parametrize("name", ["SignupFunction", "TrustedFunction", "ImportFunction"])
def test_every_call_the_code_makes_is_allowed(
    template: dict[str, Any],
    functions: dict[str, dict[str, Any]],
    requests_by_function: dict[str, list[Request]],
    name: str,
) -> None:
    statements = _statements(template, functions[name])
    requests = requests_by_function[name]
    assert requests
    denied = sorted({r for r in requests if not _allowed(statements, r)}, key=repr)
    assert not denied, f"{name} would be denied: {denied}"


@pytest.mark.parametrize("name", ["SignupFunction", "TrustedFunction", "ImportFunction"])
def test_every_granted_table_and_bucket_action_is_used(
    template: dict[str, Any],
    functions: dict[str, dict[str, Any]],
    requests_by_function: dict[str, list[Request]],
    name: str,
) -> None:
    granted = {
        action
        for statement in _statements(template, functions[name])
        for action in _as_list(statement["Action"])
        if action.startswith(("dynamodb:", "s3:"))
    }
    used = {request.action for request in requests_by_function[name]}
    assert granted == used, (
        f"{name}: granted but unused {granted - used}, used but not granted {used - granted}"
    )


def test_a_call_outside_the_grants_is_refused(template: dict[str, Any], functions: dict[str, Any]) -> None:
    """The evaluator above can say no: other item prefixes, other actions and other keys fail."""
    importer = _statements(template, functions["ImportFunction"])
    signup = _statements(template, functions["SignupFunction"])
    table = f"arn:aws:dynamodb:{REGION}:123456789012:table/{TABLE}"
    bucket = deployment(template).resolve(
        functions["ImportFunction"]["Environment"]["Variables"]["IMPORT_BUCKET"]
    )
    refused = [
        (importer, Request("dynamodb:PutItem", table, (("dynamodb:LeadingKeys", ("lock#steam:1",)),))),
        (importer, Request("dynamodb:DeleteItem", table, (("dynamodb:LeadingKeys", ("import#x",)),))),
        (importer, Request("dynamodb:Query", table, (("dynamodb:LeadingKeys", ()),))),
        (signup, Request("dynamodb:GetItem", table, (("dynamodb:LeadingKeys", ("import#x",)),))),
        (importer, Request("s3:PutObject", f"arn:aws:s3:::{bucket}/incoming/x.csv")),
        (importer, Request("s3:DeleteObject", f"arn:aws:s3:::{bucket}/reports/x/summary.json")),
        (importer, Request("s3:ListBucket", f"arn:aws:s3:::{bucket}", (("s3:prefix", ("incoming/",)),))),
        (importer, Request("s3:GetObject", f"arn:aws:s3:::{bucket}x/incoming/x.csv")),
    ]
    for statements, request in refused:
        assert not _allowed(statements, request), request


def test_part_tag_matches_the_lifecycle_rule(aws: None, resources: dict[str, Any]) -> None:
    rules = {
        rule["Id"]: rule
        for rule in resources["ImportBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    }
    rule = rules["ExpireOrphanedReportParts"]
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="parts", CreateBucketConfiguration={"LocationConstraint": REGION})  # type: ignore[typeddict-item]
    S3ReportStore(s3, "parts").put_part("reports/a.csv/v1/", 3, b"x\n")
    (part,) = s3.list_objects_v2(Bucket="parts")["Contents"]
    assert part["Key"].startswith(rule["Prefix"])
    tags = s3.get_object_tagging(Bucket="parts", Key=part["Key"])["TagSet"]
    assert [{"Key": t["Key"], "Value": t["Value"]} for t in tags] == rule["TagFilters"]
