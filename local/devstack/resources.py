"""The AWS side of the local stack: a moto server and the resources template.yaml declares in it."""

from __future__ import annotations

import itertools
import json
import logging
import secrets
import socket
import string
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

import boto3
import httpx
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from devstack.template import LocalTemplate, Resource

if TYPE_CHECKING:
    from mypy_boto3_sqs.literals import QueueAttributeNameType

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
# moto accepts any credentials; these make sure nothing ever reaches a real account.
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}

_sequencer = itertools.count(1)


def _real_s3_event(original: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Give moto's S3 notification records the fields real S3 sends and moto leaves out.

    Real records carry ``versionId`` (versioned buckets) and ``sequencer``; the importer keys its
    idempotency on the version, so without them a local import could not behave as in AWS. Real
    keys are form-encoded with ``/`` left as is; moto encodes the slashes too.
    """

    def get_s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
        event = original(event_name, bucket, key, notification_id)
        for record in event["Records"]:
            s3_object = record["s3"]["object"]
            s3_object["key"] = quote_plus(key.name, safe="/")
            version = getattr(key, "version_id", None)
            if version not in (None, "null"):
                s3_object["versionId"] = str(version)
            s3_object["sequencer"] = f"{next(_sequencer):016X}"
            record.setdefault("userIdentity", {"principalId": "AWS:DEVSTACK"})
            record.setdefault("requestParameters", {"sourceIPAddress": "127.0.0.1"})
            record.setdefault(
                "responseElements",
                {"x-amz-request-id": secrets.token_hex(8).upper(), "x-amz-id-2": "devstack"},
            )
            record["s3"]["bucket"].setdefault("ownerIdentity", {"principalId": "DEVSTACK"})
        return event

    return get_s3_event


class _S3EventPatch:
    """Installs the record fix while at least one MotoServer runs in this process, and only then."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._original: Callable[..., dict[str, Any]] | None = None

    def acquire(self) -> None:
        from moto.s3 import notifications

        with self._lock:
            if self._users == 0:
                self._original = notifications._get_s3_event
                notifications._get_s3_event = _real_s3_event(self._original)
            self._users += 1

    def release(self) -> None:
        from moto.s3 import notifications

        with self._lock:
            self._users -= 1
            if self._users == 0 and self._original is not None:
                notifications._get_s3_event = self._original
                self._original = None


_S3_EVENTS = _S3EventPatch()


class MotoServer:
    """moto's threaded server on a loopback port (0 picks a free one)."""

    def __init__(self, host: str, port: int) -> None:
        if port:
            # moto binds inside its thread and would wait forever on a taken port: fail here instead.
            with socket.socket() as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind((host, port))
        # werkzeug logs every request moto serves; the devstack logs what matters itself.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        _S3_EVENTS.acquire()
        try:
            self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
            self._server.start()
            bound_host, bound_port = self._server.get_host_and_port()
            self.url = f"http://{bound_host}:{bound_port}"
            self.port = bound_port
            # moto keeps its backends per process: start from an empty account even if a stack ran before.
            with httpx.Client(trust_env=False, timeout=10) as client:
                client.post(f"{self.url}/moto-api/reset").raise_for_status()
        except BaseException:
            _S3_EVENTS.release()
            raise

    def stop(self) -> None:
        self._server.stop()
        _S3_EVENTS.release()


class Aws:
    """boto3 clients pointed at the moto server."""

    def __init__(self, endpoint: str, region: str = REGION) -> None:
        self.endpoint = endpoint
        self.session = boto3.session.Session(
            aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=DUMMY_CREDENTIALS["AWS_SESSION_TOKEN"],
            region_name=region,
        )
        self.s3 = self.session.client("s3", endpoint_url=endpoint)
        self.sqs = self.session.client("sqs", endpoint_url=endpoint)
        self.secrets = self.session.client("secretsmanager", endpoint_url=endpoint)
        self.dynamodb = self.session.client("dynamodb", endpoint_url=endpoint)
        self.events = self.session.client("events", endpoint_url=endpoint)

    def queue_url(self, arn_or_name: str) -> str:
        name = arn_or_name.rsplit(":", 1)[-1]
        return self.sqs.get_queue_url(QueueName=name)["QueueUrl"]

    def put_secret(self, secret_id: str, value: str) -> str:
        """Create the secret (by name) or replace its value (by name or ARN); returns its ARN."""
        try:
            return self.secrets.put_secret_value(SecretId=secret_id, SecretString=value)["ARN"]
        except self.secrets.exceptions.ResourceNotFoundException:
            if secret_id.startswith("arn:"):
                raise
            return self.secrets.create_secret(Name=secret_id, SecretString=value)["ARN"]


def _generated_secret(spec: dict[str, Any]) -> str:
    length = int(spec.get("PasswordLength", 32))
    alphabet = string.ascii_letters + string.digits
    if not spec.get("ExcludePunctuation", False):
        alphabet += "!#$%&()*+,-.:;<=>?@[]^_{|}~"
    excluded = str(spec.get("ExcludeCharacters", ""))
    alphabet = "".join(c for c in alphabet if c not in excluded)
    value = "".join(secrets.choice(alphabet) for _ in range(length))
    if spec.get("SecretStringTemplate") and spec.get("GenerateStringKey"):
        document = json.loads(spec["SecretStringTemplate"])
        document[spec["GenerateStringKey"]] = value
        return json.dumps(document)
    return value


class ResourceCreator:
    """Creates the template's queues, secrets, buses, tables and buckets in moto, in dependency order,
    and records their physical ids so that Ref/GetAtt in the functions' environment resolve to them."""

    ORDER = (
        "AWS::SQS::Queue",
        "AWS::SecretsManager::Secret",
        "AWS::Events::EventBus",
        "AWS::DynamoDB::Table",
        "AWS::Serverless::SimpleTable",
        "AWS::S3::Bucket",
    )

    def __init__(self, template: LocalTemplate, aws: Aws) -> None:
        self.template = template
        self.aws = aws
        self.created: list[str] = []

    def create_all(self) -> list[str]:
        for type_ in self.ORDER:
            for resource in self.template.resources(type_):
                getattr(self, "_" + type_.split("::")[-1].lower())(resource)
        return self.created

    def emulated_types(self) -> tuple[str, ...]:
        return self.ORDER

    def _queue(self, resource: Resource) -> None:
        props = resource.properties
        name = self.template.physical_name(resource.logical_id)
        attributes: dict[QueueAttributeNameType, str] = {}
        keys: tuple[QueueAttributeNameType, ...] = (
            "DelaySeconds",
            "MaximumMessageSize",
            "MessageRetentionPeriod",
            "ReceiveMessageWaitTimeSeconds",
            "VisibilityTimeout",
            "ContentBasedDeduplication",
            "SqsManagedSseEnabled",
        )
        for key in keys:
            if key in props:
                attributes[key] = str(props[key]).lower() if isinstance(props[key], bool) else str(props[key])
        if props.get("FifoQueue"):
            attributes["FifoQueue"] = "true"
        if props.get("RedrivePolicy"):
            attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
        url = self.aws.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = f"arn:aws:sqs:{self.template.region}:{self.template.account_id}:{name}"
        self.template.set_physical(resource.logical_id, url, {"Arn": arn, "QueueName": name, "QueueUrl": url})
        self.created.append(f"queue  {name}")

    def _secret(self, resource: Resource) -> None:
        props = resource.properties
        name = self.template.physical_name(resource.logical_id)
        if "SecretString" in props:
            value = str(props["SecretString"])
        else:
            value = _generated_secret(props.get("GenerateSecretString") or {})
        arn = self.aws.secrets.create_secret(Name=name, SecretString=value)["ARN"]
        self.template.set_physical(resource.logical_id, arn, {"Id": arn})
        self.created.append(f"secret {name}")

    def _eventbus(self, resource: Resource) -> None:
        name = self.template.physical_name(resource.logical_id)
        arn = self.aws.events.create_event_bus(Name=name)["EventBusArn"]
        self.template.set_physical(resource.logical_id, name, {"Arn": arn, "Name": name})
        self.created.append(f"bus    {name}")

    def _table(self, resource: Resource) -> None:
        props = resource.properties
        name = self.template.physical_name(resource.logical_id)
        kwargs: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": props.get("BillingMode", "PROVISIONED"),
        }
        if kwargs["BillingMode"] == "PROVISIONED":
            kwargs["ProvisionedThroughput"] = props.get(
                "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
            )
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if props.get(key):
                kwargs[key] = props[key]
        description = self.aws.dynamodb.create_table(**kwargs)["TableDescription"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled") in (True, "true"):
            self.aws.dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
        self.template.set_physical(
            resource.logical_id,
            name,
            {"Arn": description["TableArn"], "StreamArn": description["TableArn"] + "/stream/local"},
        )
        self.created.append(f"table  {name}" + (f" (TTL {ttl['AttributeName']})" if ttl else ""))

    def _simpletable(self, resource: Resource) -> None:
        key = resource.properties.get("PrimaryKey") or {"Name": "id", "Type": "String"}
        kind = {"String": "S", "Number": "N", "Binary": "B"}[key.get("Type", "String")]
        resource.properties = {
            "TableName": resource.properties.get("TableName"),
            "KeySchema": [{"AttributeName": key["Name"], "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": key["Name"], "AttributeType": kind}],
            "BillingMode": "PAY_PER_REQUEST",
        }
        self._table(resource)

    def _bucket(self, resource: Resource) -> None:
        props = resource.properties
        name = self.template.physical_name(resource.logical_id)
        s3 = self.aws.s3
        s3.create_bucket(Bucket=name)
        if (props.get("VersioningConfiguration") or {}).get("Status") == "Enabled":
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        encryption = props.get("BucketEncryption") or {}
        rules = [
            r
            for r in encryption.get("ServerSideEncryptionConfiguration") or []
            if (r.get("ServerSideEncryptionByDefault") or {}).get("SSEAlgorithm") == "AES256"
        ]
        if rules:
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )
        block = props.get("PublicAccessBlockConfiguration")
        if block:
            s3.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration={
                    "BlockPublicAcls": bool(block.get("BlockPublicAcls")),
                    "IgnorePublicAcls": bool(block.get("IgnorePublicAcls")),
                    "BlockPublicPolicy": bool(block.get("BlockPublicPolicy")),
                    "RestrictPublicBuckets": bool(block.get("RestrictPublicBuckets")),
                },
            )
        arn = f"arn:aws:s3:::{name}"
        self.template.set_physical(
            resource.logical_id,
            name,
            {
                "Arn": arn,
                "DomainName": f"{name}.s3.amazonaws.com",
                "RegionalDomainName": f"{name}.s3.{self.template.region}.amazonaws.com",
            },
        )
        self.created.append(
            f"bucket {name}"
            + (" (versioned)" if "Status" in str(props.get("VersioningConfiguration")) else "")
        )
