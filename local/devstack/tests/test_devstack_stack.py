"""The assembled stack in-process: what the functions are configured with, emulator or real PayNow."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from devstack.resources import Aws
from devstack.stack import DevStack, RealPayNow, StackError, StackOptions
from devstack_helpers import CapturedConsole

REPO = Path(__file__).resolve().parents[3]
FREE = dict.fromkeys(("api", "lambda", "page", "emulator", "steam", "moto"), 0)


def options(
    tmp_path: Path,
    *,
    caller_key: str | None = None,
    real_paynow: RealPayNow | None = None,
    timeouts: dict[str, float] | None = None,
) -> StackOptions:
    return StackOptions(
        template=REPO / "template.yaml",
        ports=dict(FREE),
        workdir=tmp_path,
        prewarm=False,
        caller_key=caller_key,
        real_paynow=real_paynow,
        timeouts=timeouts or {},
    )


@pytest.fixture
def emulated(tmp_path: Path) -> Iterator[DevStack]:
    stack = DevStack(options(tmp_path, caller_key="dev_fixed_key"), CapturedConsole())
    stack.start()
    yield stack
    stack.stop()


def test_functions_point_only_at_loopback_services(emulated: DevStack) -> None:
    info = emulated.info
    page_origin = info["page_url"].rstrip("/")
    for runtime in emulated.runtimes.values():
        env = runtime.env
        assert env["AWS_ENDPOINT_URL"] == info["moto_url"]
        assert env["AWS_ENDPOINT_URL_LAMBDA"] == info["lambda_url"]
        assert env["AWS_ACCESS_KEY_ID"] == "testing"
        assert env["AWS_LAMBDA_FUNCTION_NAME"] == runtime.spec.name
        assert env["PAYNOW_API_URL"] == info["emulator_url"]
        assert env["PAYNOW_STORE_ID"] == info["store_id"]
    signup = emulated.runtimes["SignupFunction"].env
    assert signup["STEAM_OPENID_URL"] == info["steam_openid_url"]
    assert page_origin in signup["ALLOWED_ORIGINS"].split(",")
    assert emulated.runtimes["ImportFunction"].max_concurrency == 2  # the template's reserved concurrency


def test_secrets_hold_the_emulator_key_and_the_dev_caller_key(emulated: DevStack) -> None:
    aws = Aws(emulated.info["moto_url"])
    env = emulated.runtimes["AuthorizerFunction"].env
    callers = json.loads(aws.secrets.get_secret_value(SecretId=env["CALLER_KEYS_SECRET"])["SecretString"])
    assert callers == {"callers": {"devstack": "dev_fixed_key"}}
    api_key = aws.secrets.get_secret_value(SecretId=env["PAYNOW_API_KEY_SECRET"])["SecretString"]
    assert api_key == emulated.emulator.api_key
    table_name = emulated.runtimes["SignupFunction"].env["STATE_TABLE"]
    table = aws.dynamodb.describe_time_to_live(TableName=table_name)
    assert table["TimeToLiveDescription"]["AttributeName"] == "expiration"


def test_env_file_exports_what_the_readme_uses(emulated: DevStack) -> None:
    text = Path(emulated.info["env_file"]).read_text()
    for name in ("API", "CALLER_KEY", "IMPORT_BUCKET", "DROP_FOLDER", "AWS_CONFIG_FILE", "AWS_PROFILE"):
        assert f"export {name}=" in text
    assert "export TRUSTED_FUNCTION=paynow-local-TrustedFunction" in text
    # AWS is reached through the state folder's own profile, never exported endpoints or keys.
    assert "export AWS_ENDPOINT_URL" not in text
    assert "export AWS_ACCESS_KEY_ID" not in text


def test_outputs_file_describes_the_stack_like_cloudformation_outputs(emulated: DevStack) -> None:
    info = emulated.info
    document = json.loads((Path(info["workdir"]) / "outputs.json").read_text())
    outputs = document["outputs"]
    assert outputs["ApiUrl"] == info["api_url"]
    assert outputs["ImportBucketName"] == info["bucket"]
    assert outputs["TrustedFunctionName"] == "paynow-local-TrustedFunction"
    sqs = Aws(info["moto_url"]).sqs
    attributes = sqs.get_queue_attributes(QueueUrl=outputs["ImportDLQUrl"], AttributeNames=["QueueArn"])
    assert attributes["Attributes"]["QueueArn"].endswith(":paynow-local-ImportDLQ")
    assert "RevocationDLQUrl" not in outputs  # OnChargeback=none: no revocations, no queue for them
    assert info["page_url"].rstrip("/") in document["parameters"]["AllowedOrigins"].split(",")
    assert document["endpoints"] == {"aws": info["moto_url"], "lambda": info["lambda_url"]}
    assert document["local"]["caller_key"] == "dev_fixed_key"


def test_real_paynow_replaces_the_emulator_when_asked(tmp_path: Path) -> None:
    real = RealPayNow("https://api.paynow.example", "411486491630370816", "pnapi_v1_real")
    stack = DevStack(options(tmp_path, real_paynow=real), CapturedConsole())
    try:
        info = stack.start()
        assert info["emulator_url"] is None
        assert info["real_paynow"] is True
        env = stack.runtimes["TrustedFunction"].env
        assert env["PAYNOW_API_URL"] == "https://api.paynow.example"
        assert env["PAYNOW_STORE_ID"] == "411486491630370816"
        secret = Aws(info["moto_url"]).secrets.get_secret_value(SecretId=env["PAYNOW_API_KEY_SECRET"])
        assert secret["SecretString"] == "pnapi_v1_real"
    finally:
        stack.stop()


def test_unknown_timeout_override_is_refused(tmp_path: Path) -> None:
    stack = DevStack(options(tmp_path, timeouts={"NoSuchFunction": 5.0}), CapturedConsole())
    with pytest.raises(StackError, match="NoSuchFunction"):
        stack.start()


def test_only_loopback_addresses_are_accepted(tmp_path: Path) -> None:
    settings = options(tmp_path)
    settings.host = "0.0.0.0"
    with pytest.raises(StackError, match="loopback"):
        DevStack(settings, CapturedConsole()).start()


def test_a_configured_moto_port_in_use_is_refused(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings = options(tmp_path)
        settings.ports["moto"] = taken.getsockname()[1]
        with pytest.raises(StackError, match="for moto"):
            DevStack(settings, CapturedConsole()).start()
