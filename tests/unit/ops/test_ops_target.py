"""Reading a deployed stack (outputs, parameters, the caller-keys secret) and the local one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from ops.target import TargetError, deployed, local

TEMPLATE = {
    "Parameters": {
        # CloudFormation returns a CommaDelimitedList's value as the comma-separated string; moto
        # renders a Python list instead, so the test template declares the string it would return.
        "AllowedOrigins": {"Type": "String"},
        "CallerKeysSecretArn": {"Type": "String"},
    },
    "Resources": {"ImportDLQ": {"Type": "AWS::SQS::Queue"}},
    "Outputs": {
        "ApiUrl": {"Value": "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"},
        "ImportDLQUrl": {"Value": {"Ref": "ImportDLQ"}},
    },
}


@pytest.fixture
def aws(clean_aws_env: Path) -> Iterator[dict[str, Any]]:
    with mock_aws():
        secrets = boto3.client("secretsmanager", region_name="us-east-1")
        arn = secrets.create_secret(
            Name="paynow/callers",
            SecretString=json.dumps({"callers": {"backend": "k" * 32, "smoke": "s" * 32}}),
        )["ARN"]
        boto3.client("cloudformation", region_name="us-east-1").create_stack(
            StackName="shop",
            TemplateBody=json.dumps(TEMPLATE),
            Parameters=[
                {
                    "ParameterKey": "AllowedOrigins",
                    "ParameterValue": "https://shop.example.com,https://www.shop.example.com",
                },
                {"ParameterKey": "CallerKeysSecretArn", "ParameterValue": arn},
            ],
        )
        yield {"callers_arn": arn}


def test_a_deployed_stack_is_read_from_its_outputs_and_parameters(aws: dict[str, Any]) -> None:
    stack = deployed("shop", "us-east-1")
    assert stack.output("ApiUrl") == "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
    assert "ImportDLQ" in stack.output("ImportDLQUrl")
    assert stack.allowed_origins == ["https://shop.example.com", "https://www.shop.example.com"]
    assert not stack.local
    with pytest.raises(TargetError, match="no output ImportBucketName"):
        stack.output("ImportBucketName")


def test_the_caller_key_comes_from_the_secret_smoke_first(aws: dict[str, Any]) -> None:
    stack = deployed("shop", "us-east-1")
    assert stack.caller_key(None) == "s" * 32
    assert stack.caller_key(None, "backend") == "k" * 32
    assert stack.caller_key("given-key") == "given-key"
    with pytest.raises(TargetError, match="no caller 'crm'"):
        stack.caller_key(None, "crm")


def test_a_missing_stack_is_named(aws: dict[str, Any]) -> None:
    with pytest.raises(TargetError, match="cannot describe stack nope"):
        deployed("nope", "us-east-1")


def test_a_deployed_stack_is_not_read_through_the_local_stack(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5050")
    with pytest.raises(Exception, match="refusing to check stack shop"):
        deployed("shop", "us-east-1")


def test_no_local_stack_says_how_to_start_one(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="start it with `make dev`"):
        local(tmp_path)
