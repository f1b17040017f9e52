"""API Gateway HTTP API semantics: routing, v2 events, authorizers, CORS, throttling, result mapping."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from devstack.httpapi import (
    HttpApiApp,
    HttpRequest,
    HttpResponse,
    MatchedRoute,
    RouteTable,
    TokenBucket,
    apply_cors,
    build_event,
    decide,
    identity_values,
    map_result,
    preflight,
)
from devstack.runtime import FunctionRuntime, InvokeResult
from devstack.template import Authorizer, Cors, HttpApiSpec, Route, Throttle
from devstack_helpers import AUTHORIZER, HTTP, CapturedConsole, runtime, spec

AUTH = Authorizer("KeyAuth", "Auth", "2.0", True, ("Authorization",), (), 0)
CORS = Cors(
    allow_origins=("http://shop.local:8080",),
    allow_methods=("POST",),
    allow_headers=("content-type",),
    max_age=600,
)


def route(
    path: str, method: str = "POST", authorizer: Authorizer | None = None, throttle: Throttle | None = None
) -> Route:
    return Route("Api", method, path, "Http", authorizer, "2.0", 29000, throttle)


def request(
    method: str = "POST",
    path: str = "/signup",
    *,
    headers: tuple[tuple[str, str], ...] = (),
    body: bytes = b"",
    query: str = "",
) -> HttpRequest:
    return HttpRequest(method, path, query, (("host", "127.0.0.1:3000"), *headers), body, "127.0.0.1")


def test_route_selection_prefers_literals_then_params_then_greedy() -> None:
    api = HttpApiSpec(
        "Api",
        "abc",
        None,
        (
            route("/customers/{id}/tokens"),
            route("/customers/resolve/tokens"),
            route("/customers/{proxy+}", method="ANY"),
            route("/customers/{id}/tokens", method="ANY"),
            route("$default", method="ANY"),
        ),
    )
    table = RouteTable([api])

    def key(method: str, path: str) -> tuple[str, dict[str, str]]:
        matched = table.match(method, path)
        assert matched is not None
        return matched.route.route_key, matched.path_parameters

    assert key("POST", "/customers/resolve/tokens") == ("POST /customers/resolve/tokens", {})
    assert key("POST", "/customers/42/tokens") == ("POST /customers/{id}/tokens", {"id": "42"})
    assert key("DELETE", "/customers/42/tokens") == ("ANY /customers/{id}/tokens", {"id": "42"})
    assert key("GET", "/customers/a/b/c") == ("ANY /customers/{proxy+}", {"proxy": "a/b/c"})
    assert key("GET", "/elsewhere")[0] == "$default"
    assert RouteTable([HttpApiSpec("Api", "abc", None, (route("/x"),))]).match("GET", "/x") is None


def test_v2_event_shape() -> None:
    matched = MatchedRoute(
        HttpApiSpec("Api", "abc123", None, ()), route("/customers/{id}/tokens"), {"id": "7 7"}
    )
    req = request(
        path="/customers/7%207/tokens",
        query="a=1&a=2&b=",
        headers=(
            ("x-multi", "one"),
            ("x-multi", "two"),
            ("cookie", "s=1; t=2"),
            ("content-type", "application/json"),
        ),
        body=b'{"k": "v"}',
    )
    now = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
    event = build_event(
        req, matched, account_id="123456789012", request_id="rid", now=now, authorizer_context={"caller": "c"}
    )
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /customers/{id}/tokens"
    assert event["rawPath"] == "/customers/7%207/tokens"
    assert event["rawQueryString"] == "a=1&a=2&b="
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["headers"]["x-multi"] == "one,two"
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["s=1", "t=2"]
    assert event["pathParameters"] == {"id": "7 7"}
    assert event["body"] == '{"k": "v"}'
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/customers/7 7/tokens",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "",
    }
    assert context["authorizer"] == {"lambda": {"caller": "c"}}
    assert (context["apiId"], context["stage"], context["requestId"]) == ("abc123", "$default", "rid")
    assert context["time"] == "25/Nov/2026:12:00:00 +0000"
    assert context["timeEpoch"] == int(now.timestamp() * 1000)


def test_binary_bodies_are_base64_encoded() -> None:
    matched = MatchedRoute(HttpApiSpec("Api", "a", None, ()), route("/signup"), {})
    req = request(headers=(("content-type", "application/octet-stream"),), body=b"\x00\xff")
    event = build_event(req, matched, account_id="1", request_id="r", now=datetime.now(UTC))
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\xff"


def test_result_mapping() -> None:
    full = map_result(
        {
            "statusCode": 204,
            "headers": {"X-A": "1"},
            "cookies": ["c=1"],
            "body": base64.b64encode(b"hi").decode(),
            "isBase64Encoded": True,
        }
    )
    assert (full.status, full.body) == (204, b"hi")
    assert ("x-a", "1") in full.headers
    assert ("set-cookie", "c=1") in full.headers
    bare = map_result({"a": 1})
    assert (bare.status, json.loads(bare.body)) == (200, {"a": 1})
    assert map_result("text").body == b"text"
    assert map_result({"statusCode": "nope"}).status == 500


def test_authorizer_responses() -> None:
    arn = "arn:aws:execute-api:us-east-1:1:abc/$default/POST/customers/1/tokens"
    assert decide(AUTH, {"isAuthorized": True, "context": {"c": 1}}, arn).allowed
    assert not decide(AUTH, {"isAuthorized": False}, arn).allowed
    with pytest.raises(TypeError, match="boolean"):
        decide(AUTH, {"isAuthorized": "yes"}, arn)
    policy = Authorizer("P", "Auth", "2.0", False, ("Authorization",), (), 0)
    allow = {
        "Effect": "Allow",
        "Action": "execute-api:Invoke",
        "Resource": "arn:aws:execute-api:*:1:abc/*/POST/*",
    }
    assert decide(policy, {"policyDocument": {"Statement": [allow]}, "context": {"x": "y"}}, arn).context == {
        "x": "y"
    }
    deny = {**allow, "Effect": "Deny", "Resource": arn}
    assert not decide(policy, {"policyDocument": {"Statement": [allow, deny]}}, arn).allowed
    assert not decide(
        policy, {"policyDocument": {"Statement": [{**allow, "Resource": "arn:other"}]}}, arn
    ).allowed
    with pytest.raises(TypeError, match="neither"):
        decide(policy, {"principalId": "x"}, arn)


def test_identity_sources() -> None:
    assert identity_values(AUTH, request(headers=(("authorization", "Bearer k"),))) == ["Bearer k"]
    assert identity_values(AUTH, request()) is None
    assert identity_values(AUTH, request(headers=(("authorization", ""),))) is None


def test_cors_preflight_and_response_headers() -> None:
    ok = preflight(
        CORS,
        request(
            "OPTIONS",
            headers=(
                ("origin", "http://shop.local:8080"),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "Content-Type"),
            ),
        ),
    )
    assert ok.status == 204
    assert dict(ok.headers) == {
        "access-control-allow-origin": "http://shop.local:8080",
        "access-control-allow-methods": "POST",
        "access-control-allow-headers": "content-type",
        "access-control-max-age": "600",
    }
    for headers in (
        (("origin", "http://evil.example"), ("access-control-request-method", "POST")),
        (("origin", "http://shop.local:8080"), ("access-control-request-method", "DELETE")),
        (
            ("origin", "http://shop.local:8080"),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "x-secret"),
        ),
    ):
        refused = preflight(CORS, request("OPTIONS", headers=headers))
        assert refused.status == 204
        assert refused.headers == []
    response = HttpResponse(200, [("access-control-allow-origin", "*")])
    apply_cors(CORS, request(headers=(("origin", "http://shop.local:8080"),)), response)
    assert dict(response.headers)["access-control-allow-origin"] == "http://shop.local:8080"
    untouched = HttpResponse(200)
    apply_cors(CORS, request(headers=(("origin", "http://evil.example"),)), untouched)
    assert untouched.headers == []


def test_token_bucket_allows_a_burst_then_refuses() -> None:
    bucket = TokenBucket(Throttle(rate=0.001, burst=3))
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


# -- the app with real sandboxes ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def sandboxes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, FunctionRuntime]]:
    root: Path = tmp_path_factory.mktemp("functions")
    console = CapturedConsole()
    runtimes = {
        "Http": runtime(spec(root, "Http", HTTP), console),
        "Auth": runtime(spec(root, "Auth", AUTHORIZER), console),
    }
    yield runtimes
    for item in runtimes.values():
        item.close()


@pytest.fixture
def app(sandboxes: dict[str, FunctionRuntime], console: CapturedConsole) -> HttpApiApp:
    cached = Authorizer("KeyAuth", "Auth", "2.0", True, ("Authorization",), (), 300)
    api = HttpApiSpec(
        "Api",
        "abc",
        CORS,
        (
            route("/open"),
            route("/boom"),
            route("/bare"),
            route("/limited", throttle=Throttle(rate=0.001, burst=1)),
            route("/closed/{id}", authorizer=AUTH),
            route("/cached", authorizer=cached),
        ),
    )

    def invoke(function: str, event: Any, timeout_s: float) -> InvokeResult:
        return sandboxes[function].invoke(event, wait_s=timeout_s)

    return HttpApiApp([api], invoke, console, region="us-east-1", account_id="123456789012")


def body(response: HttpResponse) -> Any:
    return json.loads(response.body)


def test_route_reaches_the_handler_and_cors_replaces_its_headers(
    app: HttpApiApp, console: CapturedConsole
) -> None:
    response = app.handle(request(path="/open", headers=(("origin", "http://shop.local:8080"),), body=b"x"))
    assert response.status == 201
    headers = dict(response.headers)
    assert headers["access-control-allow-origin"] == "http://shop.local:8080"
    assert ("set-cookie", "a=1") in response.headers
    assert body(response)["event"]["routeKey"] == "POST /open"
    assert "POST /open -> 201" in console.text


def test_errors_and_unknown_routes(app: HttpApiApp) -> None:
    assert (app.handle(request(path="/boom")).status, body(app.handle(request(path="/boom")))) == (
        500,
        {"message": "Internal Server Error"},
    )
    assert body(app.handle(request(path="/bare"))) == {"hello": "world"}
    missing = app.handle(request(path="/nope"))
    assert (missing.status, body(missing)) == (404, {"message": "Not Found"})
    limited = [app.handle(request(path="/limited")).status for _ in range(2)]
    assert limited == [201, 429]


def test_authorizer_runs_first_and_its_context_reaches_the_handler(app: HttpApiApp) -> None:
    no_header = app.handle(request(path="/closed/9"))
    assert (no_header.status, body(no_header)) == (401, {"message": "Unauthorized"})
    wrong = app.handle(request(path="/closed/9", headers=(("authorization", "Bearer bad"),)))
    assert (wrong.status, body(wrong)) == (403, {"message": "Forbidden"})
    broken = app.handle(request(path="/closed/9", headers=(("authorization", "Bearer crash"),)))
    assert broken.status == 500
    good = app.handle(request(path="/closed/9", headers=(("authorization", "Bearer good"),)))
    assert good.status == 201
    event = body(good)["event"]
    assert event["pathParameters"] == {"id": "9"}
    assert event["requestContext"]["authorizer"]["lambda"]["caller"] == "tester"


def test_authorizer_results_are_cached_per_identity_when_configured(app: HttpApiApp) -> None:
    headers = (("authorization", "Bearer good"),)
    first = body(app.handle(request(path="/cached", headers=headers)))["event"]["requestContext"][
        "authorizer"
    ]
    second = body(app.handle(request(path="/cached", headers=headers)))["event"]["requestContext"][
        "authorizer"
    ]
    assert first == second  # the authorizer's call counter did not move: the second answer came from cache
    uncached = body(app.handle(request(path="/closed/1", headers=headers)))["event"]["requestContext"][
        "authorizer"
    ]
    assert uncached["lambda"]["calls"] > first["lambda"]["calls"]


def test_preflight_is_answered_without_a_function(app: HttpApiApp, console: CapturedConsole) -> None:
    response = app.handle(
        request(
            "OPTIONS",
            path="/closed/1",
            headers=(("origin", "http://shop.local:8080"), ("access-control-request-method", "POST")),
        )
    )
    assert response.status == 204
    assert dict(response.headers)["access-control-allow-origin"] == "http://shop.local:8080"
    assert "CORS preflight" in console.text
