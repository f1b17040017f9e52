"""Fuzz every surface a caller controls: signup and trusted HTTP bodies and headers, direct-invoke
payloads and the authorizer's event. Whatever arrives, the answer is never a 500 and every refusal
has the documented JSON error shape ({status, code, message[, errors]}).

Bounded (``max_examples``) so it runs in ``make test``; hypothesis's database replays past failures.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from customers.api.error_body import ErrorBody
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.api_stack import CALLERS, ApiStack
from tests.support.lambda_events import FakeLambdaContext, authorizer_event, http_event

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=16), inner, max_size=4),
    max_leaves=12,
)
TEXTISH = st.text(max_size=40) | st.sampled_from(["Notch", "pnapi_x", "Bearer x", "ä€\x00", "A" * 3000])
SIGNUP_BODIES = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {},
        optional={
            "minecraft": st.fixed_dictionaries(
                {"name": TEXTISH, "edition": st.sampled_from(["java", "bedrock", "JAVA", ""]) | TEXTISH}
            )
            | JSON,
            "steam": st.dictionaries(
                st.from_regex(r"openid\.[a-z_]{1,12}", fullmatch=True) | TEXTISH, TEXTISH
            )
            | JSON,
            "pnapi_extra": TEXTISH,
        },
    ),
)
IDENTIFIER_KEYS = [
    "steam_id",
    "minecraft_uuid",
    "xbox_xuid",
    "minecraft_java_name",
    "minecraft_bedrock_name",
    "name",
]
RESOLVE_BODIES = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {
            "identifier": st.dictionaries(
                st.sampled_from(IDENTIFIER_KEYS) | TEXTISH, TEXTISH | JSON, max_size=3
            )
        },
        optional={
            "name": TEXTISH | JSON,
            "metadata": st.dictionaries(TEXTISH, TEXTISH, max_size=3) | JSON,
            "token": st.booleans() | JSON,
        },
    ),
)
DIRECT_PAYLOADS = st.one_of(
    JSON,
    RESOLVE_BODIES.map(lambda body: {"action": "resolve", **body} if isinstance(body, dict) else body),
    st.fixed_dictionaries(
        {
            "action": st.sampled_from(["create_token", "invalidate_tokens", "resolve", "nope"]) | TEXTISH,
            "customer_id": TEXTISH | JSON | st.just("429000000000000001"),
        }
    ),
    st.fixed_dictionaries({"version": st.just("2.0"), "requestContext": JSON, "routeKey": TEXTISH}),
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "APPLICATION/JSON; charset=utf-8",
        "text/plain",
        "multipart/form-data",
        "multipart/form-data; boundary=xyz",
        "application/x-www-form-urlencoded",
        "",
        None,
    ]
)


def raw_bodies(bodies: st.SearchStrategy[Any]) -> st.SearchStrategy[str]:
    return bodies.map(json.dumps) | st.text(max_size=200)


def documented(response: dict[str, Any]) -> None:
    status = response["statusCode"]
    assert status != 500, response
    if status >= 400:
        assert response["headers"]["Content-Type"] == "application/json", response
        body = json.loads(response["body"])
        ErrorBody.model_validate(body)
        assert set(body) <= {"status", "code", "message", "errors"}
        assert body["status"] == status


def http(
    method: str,
    path: str,
    raw: str,
    content_type: str | None,
    encode: bool,
    source_ip: str,
    **extra: Any,
) -> dict[str, Any]:
    event = http_event(method, path, raw_body=raw, **extra)
    if content_type is None:
        event["headers"].pop("content-type", None)
    else:
        event["headers"]["content-type"] = content_type
    if encode:
        event["body"] = base64.b64encode(raw.encode("utf-8", "surrogatepass")).decode()
        event["isBase64Encoded"] = True
    event["requestContext"]["http"]["sourceIp"] = source_ip
    return event


@FUZZ
@given(raw=raw_bodies(SIGNUP_BODIES), content_type=CONTENT_TYPES, encode=st.booleans(), ip=st.ip_addresses())
def test_signup_never_answers_500(
    api_stack: ApiStack, raw: str, content_type: str | None, encode: bool, ip: Any
) -> None:
    event = http(
        "POST", "/signup", raw, content_type, encode, str(ip), headers={"origin": "https://x.example"}
    )
    documented(api_stack.signup.lambda_handler(event, FakeLambdaContext()))


@FUZZ
@given(
    raw=raw_bodies(RESOLVE_BODIES),
    content_type=CONTENT_TYPES,
    encode=st.booleans(),
    customer_id=TEXTISH.filter(lambda s: "/" not in s and s.strip()),
    route=st.sampled_from(["resolve", "create_token", "invalidate_tokens"]),
)
def test_trusted_routes_never_answer_500(
    api_stack: ApiStack, raw: str, content_type: str | None, encode: bool, customer_id: str, route: str
) -> None:
    if route == "resolve":
        event = http("POST", "/customers/resolve", raw, content_type, encode, "203.0.113.7", caller="fuzz")
    else:
        method = "POST" if route == "create_token" else "DELETE"
        event = http(
            method,
            f"/customers/{customer_id}/tokens",
            raw,
            content_type,
            encode,
            "203.0.113.7",
            route="/customers/{customerId}/tokens",
            path_parameters={"customerId": customer_id},
            caller="fuzz",
        )
    documented(api_stack.trusted.lambda_handler(event, FakeLambdaContext()))


@FUZZ
@given(payload=DIRECT_PAYLOADS)
def test_direct_invocations_answer_a_result_or_a_documented_error(api_stack: ApiStack, payload: Any) -> None:
    result = api_stack.trusted.lambda_handler(payload, FakeLambdaContext())
    if isinstance(result, dict) and "statusCode" in result:
        documented(result)  # a payload shaped like an HTTP API event goes to the resolver
        return
    assert isinstance(result, dict), result
    if "error" in result:
        error = result["error"]
        ErrorBody.model_validate(error)
        assert 400 <= error["status"] < 500, result


@FUZZ
@given(
    authorization=st.none() | TEXTISH | st.sampled_from([f"Bearer {k}" for k in CALLERS.values()]),
    extra_headers=st.dictionaries(st.text(min_size=1, max_size=12), TEXTISH, max_size=3),
)
def test_the_authorizer_always_decides(
    api_stack: ApiStack, authorization: str | None, extra_headers: dict[str, str]
) -> None:
    event = authorizer_event(authorization)
    event["headers"].update({k.lower(): v for k, v in extra_headers.items()})
    decision = api_stack.authorizer.lambda_handler(event, FakeLambdaContext())
    assert isinstance(decision["isAuthorized"], bool)
    if decision["isAuthorized"]:
        assert authorization in {f"Bearer {k}" for k in CALLERS.values()}
