"""Creating and rotating the PayNow key and caller keys, and refusing the wrong account."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from ops.__main__ import main
from ops.secretstore import CALLER_KEY, SecretError, put_api_key, put_caller_key, remove_caller


@pytest.fixture
def secretsmanager(clean_aws_env: Path) -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="us-east-1")


def _value(client: Any, name: str) -> str:
    value: str = client.get_secret_value(SecretId=name)["SecretString"]
    return value


def test_the_api_key_is_created_then_rotated_under_one_arn(secretsmanager: Any) -> None:
    first = put_api_key(secretsmanager, "paynow/api-key", "pnapi_v1_first\n")
    second = put_api_key(secretsmanager, "paynow/api-key", "pnapi_v1_second")
    assert first.created
    assert not second.created
    assert first.arn == second.arn
    assert first.arn.startswith("arn:aws:secretsmanager:us-east-1:")
    assert _value(secretsmanager, "paynow/api-key") == "pnapi_v1_second"


@pytest.mark.parametrize("bad", ["", "   \n", "pnapi v1", "pnapi_\x07"])
def test_a_blank_or_mangled_api_key_is_refused(secretsmanager: Any, bad: str) -> None:
    with pytest.raises(SecretError):
        put_api_key(secretsmanager, "paynow/api-key", bad)
    with pytest.raises(secretsmanager.exceptions.ResourceNotFoundException):
        secretsmanager.get_secret_value(SecretId="paynow/api-key")


def test_a_caller_key_is_added_beside_the_others_and_rotated_alone(secretsmanager: Any) -> None:
    _, backend = put_caller_key(secretsmanager, "paynow/callers", "backend")
    _, crm = put_caller_key(secretsmanager, "paynow/callers", "crm")
    written, rotated = put_caller_key(secretsmanager, "paynow/callers", "backend")
    assert not written.created
    assert rotated != backend
    assert CALLER_KEY.match(rotated)
    assert json.loads(_value(secretsmanager, "paynow/callers")) == {
        "callers": {"backend": rotated, "crm": crm}
    }
    remove_caller(secretsmanager, "paynow/callers", "crm")
    assert json.loads(_value(secretsmanager, "paynow/callers")) == {"callers": {"backend": rotated}}


def test_a_secret_of_another_shape_is_not_overwritten(secretsmanager: Any) -> None:
    secretsmanager.create_secret(Name="paynow/callers", SecretString="not json")
    with pytest.raises(SecretError, match="does not hold"):
        put_caller_key(secretsmanager, "paynow/callers", "backend")
    assert _value(secretsmanager, "paynow/callers") == "not json"


@pytest.mark.parametrize(("caller", "key"), [("bad name", None), ("ok", "short"), ("ok", "x" * 30 + " y")])
def test_bad_caller_names_and_keys_are_refused(secretsmanager: Any, caller: str, key: str | None) -> None:
    with pytest.raises(SecretError):
        put_caller_key(secretsmanager, "paynow/callers", caller, key)


def test_the_command_prints_only_the_new_key_on_stdout(
    secretsmanager: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["secrets", "caller-key", "--caller", "store-backend", "--region", "us-east-1"]) == 0
    captured = capsys.readouterr()
    key = captured.out.strip()
    assert json.loads(_value(secretsmanager, "paynow/callers")) == {"callers": {"store-backend": key}}
    assert "CallerKeysSecretArn=arn:aws:secretsmanager:" in captured.err
    monkeypatch.setattr("sys.stdin", io.StringIO("pnapi_v1_from_stdin\n"))
    assert main(["secrets", "paynow-key", "--region", "us-east-1"]) == 0
    assert _value(secretsmanager, "paynow/api-key") == "pnapi_v1_from_stdin"
    assert "pnapi_v1_from_stdin" not in capsys.readouterr().err


def test_the_command_refuses_a_loopback_endpoint_unless_local(
    secretsmanager: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    assert main(["secrets", "caller-key", "--region", "us-east-1"]) == 2
    err = capsys.readouterr().err
    assert "refusing to write secrets" in err
    assert "secretsmanager calls go to http://127.0.0.1:9" in err
    assert "--local" in err


def test_local_is_refused_when_the_environment_reaches_aws(
    secretsmanager: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["secrets", "caller-key", "--local", "--region", "us-east-1"]) == 2
    assert "calls would go to AWS" in capsys.readouterr().err
    with pytest.raises(secretsmanager.exceptions.ResourceNotFoundException):
        secretsmanager.get_secret_value(SecretId="paynow/callers")


def test_aws_errors_are_reported_without_a_traceback(
    clean_aws_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (clean_aws_env / "aws-config").write_text("[default]\n")  # no region anywhere
    assert main(["secrets", "caller-key"]) == 2
    assert "AWS: You must specify a region" in capsys.readouterr().err
