"""The sample events in ``events/``, made to work against a stack and invoked on its functions.

The files are shaped like ``sam local generate-event`` output. What only a running stack can
supply is filled in when an event is rendered:

- the caller-key placeholder becomes the stack's (or ``--caller-key``) key;
- signup events come from the stack's first allowed origin;
- importer events name the stack's import bucket and an object that exists: the sample CSV is
  uploaded under the event's key (beneath ``incoming/``), its own import is waited for, and the
  event gets the new version id, so invoking it is a redelivery that returns that import's summary;
- the Steam signup event gets a fresh assertion from the local Steam stand-in (a real Steam
  assertion needs a person signing in), since each assertion works once, within 5 minutes;
- ``--customer-id`` replaces the sample customer id in the token events.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote_plus, unquote_plus, urlsplit

import httpx

from ops.target import Target, TargetError

REPO = Path(__file__).resolve().parents[2]
EVENTS = REPO / "events"
PLACEHOLDER_KEY = "local-dev-caller-key-0123456789abcdef"
SAMPLE_CUSTOMER_ID = "629430124214751232"
SAMPLE_CSV = EVENTS / "importer" / "sample.csv"
STEAM_EVENT = EVENTS / "signup" / "signup_steam.json"
DEFAULT_STEAM_ID = "76561197960287930"
FUNCTION_OUTPUTS = {
    "signup": "SignupFunctionName",
    "trusted": "TrustedFunctionName",
    "authorizer": "AuthorizerFunctionName",
    "importer": "ImportFunctionName",
    "webhooks": "WebhookFunctionName",
}
OPENID_NS = "http://specs.openid.net/auth/2.0"
IDENTIFIER_SELECT = "http://specs.openid.net/auth/2.0/identifier_select"


class EventError(RuntimeError):
    """An event cannot be rendered or invoked; the message says why."""


def files() -> list[Path]:
    return sorted(EVENTS.glob("*/*.json"))


def function_output(event_file: Path) -> str:
    try:
        return FUNCTION_OUTPUTS[event_file.parent.name]
    except KeyError:
        raise EventError(
            f"{event_file}: events/<function>/ must be one of {sorted(FUNCTION_OUTPUTS)}"
        ) from None


def steam_assertion(target: Target, steam_id: str = DEFAULT_STEAM_ID) -> tuple[str, dict[str, str]]:
    """Sign in at the local Steam stand-in as a browser would: (origin, the openid.* it returns)."""
    if not target.local:
        raise EventError("a fresh Steam assertion needs the local Steam stand-in (--local)")
    origin = target.allowed_origins[0]
    return_to = origin + "/"
    query = {
        "openid.ns": OPENID_NS,
        "openid.mode": "checkid_setup",
        "openid.return_to": return_to,
        "openid.realm": return_to,
        "openid.identity": IDENTIFIER_SELECT,
        "openid.claimed_id": IDENTIFIER_SELECT,
        "steamid": steam_id,  # only the stand-in reads this: who "signs in"
    }
    with httpx.Client(timeout=10, trust_env=False) as http:
        answer = http.get(str(target.extras["steam_openid_url"]), params=query)
    if answer.status_code != 302:
        raise EventError(f"the Steam stand-in answered HTTP {answer.status_code}: {answer.text[:200]}")
    location = answer.headers["location"]
    return origin, {k: v for k, v in parse_qsl(urlsplit(location).query) if k.startswith("openid.")}


def with_body(event: dict[str, Any], body: Any, origin: str | None = None) -> dict[str, Any]:
    text = json.dumps(body)
    event["body"] = text
    headers = event.setdefault("headers", {})
    headers["content-length"] = str(len(text.encode()))
    if origin is not None:
        headers["origin"] = origin
    return event


def steam_event(target: Target, steam_id: str = DEFAULT_STEAM_ID) -> dict[str, Any]:
    """The Steam signup event with a fresh, single-use assertion from the stand-in."""
    template: dict[str, Any] = json.loads(STEAM_EVENT.read_text(encoding="utf-8"))
    origin, assertion = steam_assertion(target, steam_id)
    return with_body(template, {"steam": assertion}, origin)


def _is_steam_signup(event: Mapping[str, Any]) -> bool:
    return event.get("routeKey") == "POST /signup" and '"steam"' in str(event.get("body", ""))


def _upload_and_settle(target: Target, key: str, timeout_s: float) -> tuple[str, str]:
    """Upload the sample CSV as ``key`` (under incoming/), wait for its import; (bucket, version id)."""
    bucket = target.output("ImportBucketName")
    incoming = str(target.extras.get("incoming_prefix", "incoming/"))
    reports = str(target.extras.get("reports_prefix", "reports/"))
    if not key.startswith(incoming):
        key = incoming + key.rsplit("/", 1)[-1]
    s3 = target.client("s3")
    put = s3.put_object(Bucket=bucket, Key=key, Body=SAMPLE_CSV.read_bytes(), ContentType="text/csv")
    version = put.get("VersionId")
    if not version:
        raise EventError(f"bucket {bucket} is not versioned: the importer events name a version id")
    summary_key = f"{reports}{key.removeprefix(incoming)}/{version}/summary.json"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            summary = json.loads(s3.get_object(Bucket=bucket, Key=summary_key)["Body"].read())
        except s3.exceptions.NoSuchKey:
            summary = {}
        if summary.get("status") not in (None, "running"):
            return key, version
        time.sleep(0.5)
    raise EventError(
        f"the upload's own import left no final report at {summary_key} within {timeout_s:.0f} s"
    )


def localise_importer(target: Target, event: Any, timeout_s: float) -> Any:
    bucket = target.output("ImportBucketName")
    if isinstance(event, dict) and "Records" in event:
        for record in event["Records"]:
            record["s3"]["bucket"]["name"] = bucket
            record["s3"]["bucket"]["arn"] = f"arn:aws:s3:::{bucket}"
            s3_object = record["s3"]["object"]
            key, s3_object["versionId"] = _upload_and_settle(
                target, unquote_plus(s3_object["key"]), timeout_s
            )
            s3_object["key"] = quote_plus(key, safe="/")
    elif isinstance(event, dict) and event.get("source") == "aws.s3":
        event["detail"]["bucket"]["name"] = bucket
        event["resources"] = [f"arn:aws:s3:::{bucket}"]
        s3_object = event["detail"]["object"]
        s3_object["key"], s3_object["version-id"] = _upload_and_settle(target, s3_object["key"], timeout_s)
    elif isinstance(event, dict) and "key" in event:
        event["bucket"] = bucket
        event["key"], event["version_id"] = _upload_and_settle(target, event["key"], timeout_s)
    else:
        raise EventError(
            "not an importer event: expected S3 Records, an EventBridge S3 event or {bucket, key}"
        )
    return event


def render(
    target: Target,
    event_file: Path,
    *,
    caller_key: str | None = None,
    customer_id: str | None = None,
    steam_id: str = DEFAULT_STEAM_ID,
    import_timeout_s: float = 120.0,
) -> Any:
    """The event of ``event_file`` as it must be sent to ``target``'s function."""
    text = event_file.read_text(encoding="utf-8")
    if PLACEHOLDER_KEY in text:
        text = text.replace(PLACEHOLDER_KEY, target.caller_key(caller_key))
    if customer_id is not None:
        text = text.replace(SAMPLE_CUSTOMER_ID, customer_id)
    event = json.loads(text)
    kind = event_file.parent.name
    if kind == "importer":
        return localise_importer(target, event, import_timeout_s)
    if kind == "signup" and isinstance(event, dict) and target.allowed_origins:
        if _is_steam_signup(event) and target.local:
            return steam_event(target, steam_id)
        event.setdefault("headers", {})["origin"] = target.allowed_origins[0]
    return event


def invoke(target: Target, event_file: Path, event: Any) -> tuple[bool, Any]:
    """Invoke the event's function synchronously: (function error?, the decoded result)."""
    client = target.client("lambda")
    try:
        answer = client.invoke(
            FunctionName=target.output(function_output(event_file)), Payload=json.dumps(event).encode()
        )
    except TargetError:
        raise
    except Exception as exc:  # botocore errors: say which function and why
        raise EventError(f"invoking {event_file.name}: {type(exc).__name__}: {exc}") from exc
    payload = answer["Payload"].read()
    try:
        result = json.loads(payload) if payload else None
    except ValueError:
        result = payload.decode(errors="replace")
    return "FunctionError" in answer, result


def write_steam_event(target: Target, steam_id: str = DEFAULT_STEAM_ID, path: Path = STEAM_EVENT) -> Path:
    path.write_text(json.dumps(steam_event(target, steam_id), indent=2) + "\n", encoding="utf-8")
    return path
