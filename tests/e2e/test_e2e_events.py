"""Every sample event in events/<function>/ invoked on its function in the running stack.

The samples are written for a deployed stack; the only edits are what a developer would make to use
them locally: the caller key placeholder becomes the stack's key, and S3 references point at the
local bucket, at objects uploaded first under ``incoming/samples/`` with their real version ids (the
importer refuses keys outside its prefix; the upload's own notification may import the object first,
and the sample invocation then finds that import done or in progress, which is no error either).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, unquote_plus

import pytest
from devstack_e2e import REPO, Stack

EVENTS = sorted((REPO / "events").glob("*/*.json"))
PLACEHOLDER_KEY = "local-dev-caller-key-0123456789abcdef"
SAMPLE_CSV = b"steam_id,name\n76561197960800001,Sample Row\n"


def function_for(stack: Stack, event_file: Path) -> str:
    template_dirs = {Path(code).name: str(logical) for logical, code in stack.info["functions_code"].items()}
    return template_dirs[event_file.parent.name]


def localise_s3(stack: Stack, event: Any) -> Any:
    """Point S3 references at the local bucket and upload the objects they name."""
    s3 = stack.aws("s3")
    bucket = stack.info["bucket"]

    def upload(key: str) -> tuple[str, str]:
        local_key = (
            stack.info["incoming_prefix"] + "samples/" + key.removeprefix(stack.info["incoming_prefix"])
        )
        version: str = s3.put_object(Bucket=bucket, Key=local_key, Body=SAMPLE_CSV)["VersionId"]
        return local_key, version

    if isinstance(event, dict) and "Records" in event:
        for record in event["Records"]:
            record["s3"]["bucket"]["name"] = bucket
            record["s3"]["bucket"]["arn"] = f"arn:aws:s3:::{bucket}"
            s3_object = record["s3"]["object"]
            key, s3_object["versionId"] = upload(unquote_plus(s3_object["key"]))
            s3_object["key"] = quote_plus(key, safe="/")
    elif isinstance(event, dict) and event.get("source") == "aws.s3":
        event["detail"]["bucket"]["name"] = bucket
        event["resources"] = [f"arn:aws:s3:::{bucket}"]
        s3_object = event["detail"]["object"]
        s3_object["key"], s3_object["version-id"] = upload(s3_object["key"])
    elif isinstance(event, dict) and "bucket" in event and "key" in event:
        event["bucket"] = bucket
        event["key"], event["version_id"] = upload(event["key"])
    return event


@pytest.mark.parametrize("event_file", EVENTS, ids=[f"{p.parent.name}/{p.name}" for p in EVENTS])
def test_sample_event_runs_on_its_handler(stack: Stack, event_file: Path) -> None:
    function = function_for(stack, event_file)
    event = json.loads(event_file.read_text().replace(PLACEHOLDER_KEY, stack.caller_key))
    event = localise_s3(stack, event)
    response, result = stack.invoke(function, event)
    assert "FunctionError" not in response, result
    if isinstance(event, dict) and "routeKey" in event and function != "AuthorizerFunction":
        assert result["statusCode"] < 500, result
        if result.get("body"):
            json.loads(result["body"])
    if function == "AuthorizerFunction":
        assert isinstance(result["isAuthorized"], bool)
        assert result["isAuthorized"] == (stack.caller_key in json.dumps(event))
