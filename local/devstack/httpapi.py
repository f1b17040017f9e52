"""An API Gateway HTTP API (payload format 2.0) in front of local Lambda sandboxes.

Routes, Lambda authorizers, CORS and throttling come from template.yaml; requests become real-shaped
v2 events and handler results are mapped back to HTTP the way API Gateway maps them.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

import anyio.to_thread

from devstack.asgi import Receive, Scope, Send, header_pairs, raw_path, read_body, send_response
from devstack.logs import Console
from devstack.runtime import InvokeResult, ThrottledError
from devstack.template import Authorizer, Cors, HttpApiSpec, Route, Throttle

Invoker = Callable[[str, Any, float], InvokeResult]

_TEXT_TYPES = re.compile(r"^(text/|application/(.*\+)?(json|xml|javascript|x-www-form-urlencoded)\b)", re.I)


@dataclass(frozen=True)
class HttpRequest:
    method: str
    raw_path: str
    query_string: str
    headers: tuple[tuple[str, str], ...]  # lower-case names, in arrival order
    body: bytes
    source_ip: str
    protocol: str = "HTTP/1.1"

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k == name.lower()]
        return ",".join(values) if values else None


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @classmethod
    def message(cls, status: int, text: str) -> HttpResponse:
        return cls(status, [("content-type", "application/json")], json.dumps({"message": text}).encode())


@dataclass(frozen=True)
class MatchedRoute:
    api: HttpApiSpec
    route: Route
    path_parameters: dict[str, str]


class RouteTable:
    """API Gateway's route selection: literal segments beat {params}, which beat {greedy+}; a method
    beats ANY; `$default` catches the rest."""

    def __init__(self, apis: Iterable[HttpApiSpec]) -> None:
        self._entries: list[
            tuple[tuple[int, ...], HttpApiSpec, Route, re.Pattern[str] | None, list[str]]
        ] = []
        for api in apis:
            for route in api.routes:
                if route.path == "$default":
                    self._entries.append(((0,), api, route, None, []))
                    continue
                pattern, names, score = _compile(route.path)
                method_score = 0 if route.method == "ANY" else 1
                self._entries.append(((1, *score, method_score), api, route, pattern, names))
        self._entries.sort(key=lambda entry: entry[0], reverse=True)

    def match(self, method: str, path: str) -> MatchedRoute | None:
        for _, api, route, pattern, names in self._entries:
            if route.method not in ("ANY", method.upper()):
                continue
            if pattern is None:
                return MatchedRoute(api, route, {})
            found = pattern.fullmatch(path)
            if found:
                values = {name: unquote(found.group(i + 1)) for i, name in enumerate(names)}
                return MatchedRoute(api, route, values)
        return None

    def api_for_path(self, path: str) -> HttpApiSpec | None:
        """The API owning a path, whatever the method (CORS preflight needs it before a route matches)."""
        for _, api, _route, pattern, _names in self._entries:
            if pattern is None or pattern.fullmatch(path):
                return api
        return None


def _compile(path: str) -> tuple[re.Pattern[str], list[str], tuple[int, ...]]:
    parts: list[str] = []
    names: list[str] = []
    score: list[int] = []
    for segment in path.strip("/").split("/") if path.strip("/") else []:
        greedy = re.fullmatch(r"\{(\w+)\+\}", segment)
        param = re.fullmatch(r"\{(\w+)\}", segment)
        if greedy:
            names.append(greedy.group(1))
            parts.append("(.+)")
            score.append(0)
        elif param:
            names.append(param.group(1))
            parts.append("([^/]+)")
            score.append(1)
        else:
            parts.append(re.escape(segment))
            score.append(2)
    return re.compile("/" + "/".join(parts)), names, (len(score), *score)


# -- events -------------------------------------------------------------------------------------------
def _request_time(now: datetime) -> str:
    return now.strftime("%d/%b/%Y:%H:%M:%S +0000")


def build_request_context(
    request: HttpRequest, *, api_id: str, route_key: str, account_id: str, request_id: str, now: datetime
) -> dict[str, Any]:
    host = (request.header("host") or "localhost").split(",")[0]
    return {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": host,
        "domainPrefix": host.split(".")[0].split(":")[0],
        "http": {
            "method": request.method,
            "path": unquote(request.raw_path),
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": request.header("user-agent") or "",
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": _request_time(now),
        "timeEpoch": int(now.timestamp() * 1000),
    }


def _common_event(
    request: HttpRequest, matched: MatchedRoute, account_id: str, request_id: str, now: datetime
) -> dict[str, Any]:
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        if name == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": matched.route.route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.query_string,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if request.query_string:
        query: dict[str, str] = {}
        for name, value in parse_qsl(request.query_string, keep_blank_values=True):
            query[name] = f"{query[name]},{value}" if name in query else value
        event["queryStringParameters"] = query
    event["requestContext"] = build_request_context(
        request,
        api_id=matched.api.api_id,
        route_key=matched.route.route_key,
        account_id=account_id,
        request_id=request_id,
        now=now,
    )
    if matched.path_parameters:
        event["pathParameters"] = dict(matched.path_parameters)
    return event


def build_event(
    request: HttpRequest,
    matched: MatchedRoute,
    *,
    account_id: str,
    request_id: str,
    now: datetime,
    authorizer_context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The payload format 2.0 event API Gateway sends to a Lambda integration."""
    event = _common_event(request, matched, account_id, request_id, now)
    if authorizer_context is not None:
        event["requestContext"]["authorizer"] = {"lambda": dict(authorizer_context)}
    if request.body:
        content_type = request.header("content-type") or ""
        if _TEXT_TYPES.match(content_type):
            try:
                event["body"] = request.body.decode("utf-8")
                event["isBase64Encoded"] = False
            except UnicodeDecodeError:
                event["body"] = base64.b64encode(request.body).decode()
                event["isBase64Encoded"] = True
        else:
            event["body"] = base64.b64encode(request.body).decode()
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    return event


def route_arn(region: str, account_id: str, api_id: str, request: HttpRequest) -> str:
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/$default/{request.method}{request.raw_path}"


def build_authorizer_event(
    request: HttpRequest,
    matched: MatchedRoute,
    identity: list[str],
    *,
    region: str,
    account_id: str,
    request_id: str,
    now: datetime,
) -> dict[str, Any]:
    """A REQUEST authorizer event, payload format 2.0."""
    event = _common_event(request, matched, account_id, request_id, now)
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": route_arn(region, account_id, matched.api.api_id, request),
        "identitySource": identity,
        **{k: v for k, v in event.items() if k != "version"},
    }


# -- results ------------------------------------------------------------------------------------------
def map_result(payload: Any) -> HttpResponse:
    """Payload format 2.0 response mapping, including API Gateway's inference for bare results."""
    if isinstance(payload, dict) and "statusCode" in payload:
        try:
            status = int(payload["statusCode"])
        except (TypeError, ValueError):
            return HttpResponse.message(500, "Internal Server Error")
        headers = [(str(k).lower(), str(v)) for k, v in (payload.get("headers") or {}).items()]
        for name, values in (payload.get("multiValueHeaders") or {}).items():
            headers.extend((str(name).lower(), str(v)) for v in values)
        headers.extend(("set-cookie", str(c)) for c in payload.get("cookies") or [])
        body = payload.get("body")
        if body is None:
            raw = b""
        elif payload.get("isBase64Encoded"):
            raw = base64.b64decode(str(body))
        else:
            raw = str(body).encode("utf-8")
        return HttpResponse(status, headers, raw)
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return HttpResponse(200, [("content-type", "application/json")], text.encode("utf-8"))


# -- authorizers --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AuthDecision:
    allowed: bool
    context: dict[str, Any]


def identity_values(authorizer: Authorizer, request: HttpRequest) -> list[str] | None:
    """The configured identity sources' values, or None when one is missing (API Gateway: 401)."""
    values: list[str] = []
    for name in authorizer.identity_headers:
        value = request.header(name)
        if value is None or value == "":
            return None
        values.append(value)
    query = dict(parse_qsl(request.query_string, keep_blank_values=True))
    for name in authorizer.identity_query:
        if not query.get(name):
            return None
        values.append(query[name])
    return values


def decide(authorizer: Authorizer, payload: Any, arn: str) -> AuthDecision:
    """Interpret an authorizer's answer: a simple response or an IAM policy; anything else raises."""
    if not isinstance(payload, dict):
        raise TypeError("authorizer returned a non-object")
    if authorizer.simple_responses and authorizer.payload_version == "2.0" and "isAuthorized" in payload:
        if not isinstance(payload["isAuthorized"], bool):
            raise TypeError("isAuthorized must be a boolean")
        return AuthDecision(payload["isAuthorized"], dict(payload.get("context") or {}))
    policy = payload.get("policyDocument")
    if not isinstance(policy, dict):
        raise TypeError("authorizer response has neither isAuthorized nor policyDocument")
    statements = policy.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    allowed = False
    for statement in statements:
        resources = statement.get("Resource") or []
        resources = [resources] if isinstance(resources, str) else resources
        actions = statement.get("Action") or []
        actions = [actions] if isinstance(actions, str) else actions
        if not any(fnmatch.fnmatchcase("execute-api:Invoke", a) for a in actions):
            continue
        if not any(fnmatch.fnmatchcase(arn, r) for r in resources):
            continue
        if statement.get("Effect") == "Deny":
            return AuthDecision(False, {})
        if statement.get("Effect") == "Allow":
            allowed = True
    return AuthDecision(allowed, dict(payload.get("context") or {}))


class AuthorizerCache:
    """Authorizer results cached per identity for ReauthorizeEvery seconds, as API Gateway does."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, tuple[str, ...]], tuple[float, AuthDecision]] = {}
        self._lock = threading.Lock()

    def get(self, authorizer: Authorizer, identity: list[str]) -> AuthDecision | None:
        if authorizer.ttl_s <= 0:
            return None
        with self._lock:
            entry = self._entries.get((authorizer.name, tuple(identity)))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, authorizer: Authorizer, identity: list[str], decision: AuthDecision) -> None:
        if authorizer.ttl_s > 0:
            with self._lock:
                self._entries[(authorizer.name, tuple(identity))] = (
                    time.monotonic() + authorizer.ttl_s,
                    decision,
                )


# -- CORS ---------------------------------------------------------------------------------------------
def _origin_allowed(cors: Cors, origin: str) -> bool:
    return "*" in cors.allow_origins or origin.lower() in (o.lower().rstrip("/") for o in cors.allow_origins)


def preflight(cors: Cors, request: HttpRequest) -> HttpResponse:
    """API Gateway answers CORS preflights itself; headers only when origin, method and headers pass."""
    response = HttpResponse(204)
    origin = request.header("origin") or ""
    method = (request.header("access-control-request-method") or "").upper()
    requested = [
        h.strip().lower() for h in (request.header("access-control-request-headers") or "").split(",")
    ]
    requested = [h for h in requested if h]
    if not _origin_allowed(cors, origin):
        return response
    if "*" not in cors.allow_methods and method not in cors.allow_methods:
        return response
    if "*" not in cors.allow_headers and any(h not in cors.allow_headers for h in requested):
        return response
    response.headers += [
        ("access-control-allow-origin", "*" if _wildcard(cors) else origin),
        (
            "access-control-allow-methods",
            method if "*" in cors.allow_methods else ",".join(cors.allow_methods),
        ),
    ]
    if requested:
        allow_headers = ",".join(requested) if "*" in cors.allow_headers else ",".join(cors.allow_headers)
        response.headers.append(("access-control-allow-headers", allow_headers))
    if cors.max_age is not None:
        response.headers.append(("access-control-max-age", str(cors.max_age)))
    if cors.allow_credentials:
        response.headers.append(("access-control-allow-credentials", "true"))
    return response


def _wildcard(cors: Cors) -> bool:
    return "*" in cors.allow_origins and not cors.allow_credentials


def apply_cors(cors: Cors | None, request: HttpRequest, response: HttpResponse) -> None:
    origin = request.header("origin")
    if cors is None or not origin or not _origin_allowed(cors, origin):
        return
    # API Gateway's configured CORS headers replace whatever the integration set.
    response.headers = [(k, v) for k, v in response.headers if not k.startswith("access-control-")]
    response.headers.append(("access-control-allow-origin", "*" if _wildcard(cors) else origin))
    if cors.expose_headers:
        response.headers.append(("access-control-expose-headers", ",".join(cors.expose_headers)))
    if cors.allow_credentials:
        response.headers.append(("access-control-allow-credentials", "true"))
    if not _wildcard(cors):
        response.headers.append(("vary", "origin"))


# -- throttling ---------------------------------------------------------------------------------------
class TokenBucket:
    def __init__(self, throttle: Throttle) -> None:
        self.rate = throttle.rate
        self.capacity = float(throttle.burst)
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


# -- the app ------------------------------------------------------------------------------------------
def _request_id() -> str:
    return base64.b64encode(secrets.token_bytes(10)).decode().rstrip("=") + "="


class HttpApiApp:
    """ASGI app serving every HttpApi of the template on one local origin."""

    def __init__(
        self,
        apis: Iterable[HttpApiSpec],
        invoke: Invoker,
        console: Console,
        *,
        region: str,
        account_id: str,
    ) -> None:
        self.apis = list(apis)
        self.routes = RouteTable(self.apis)
        self.invoke = invoke
        self.console = console
        self.region = region
        self.account_id = account_id
        self.cache = AuthorizerCache()
        self.buckets: dict[tuple[str, str], TokenBucket] = {}
        for api in self.apis:
            for route in api.routes:
                if route.throttle is not None:
                    self.buckets[(api.logical_id, route.route_key)] = TokenBucket(route.throttle)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        client = scope.get("client") or ("127.0.0.1", 0)
        request = HttpRequest(
            method=scope["method"].upper(),
            raw_path=raw_path(scope),
            query_string=scope.get("query_string", b"").decode("latin-1"),
            headers=tuple(header_pairs(scope)),
            body=body,
            source_ip=str(client[0]),
            protocol=f"HTTP/{scope.get('http_version', '1.1')}",
        )
        response = await anyio.to_thread.run_sync(self.handle, request)
        headers = list(response.headers)
        if not any(k == "apigw-requestid" for k, _ in headers):
            headers.append(("apigw-requestid", _request_id()))
        await send_response(send, response.status, headers, response.body)

    def handle(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = _request_id()
        label = f"{request.method} {request.raw_path}"
        path = unquote(request.raw_path)
        if (
            request.method == "OPTIONS"
            and request.header("origin")
            and request.header("access-control-request-method")
        ):
            api = self.routes.api_for_path(path)
            if api is not None and api.cors is not None:
                response = preflight(api.cors, request)
                self.console.invocation(label, str(response.status), _ms(started), "CORS preflight")
                return response
        matched = self.routes.match(request.method, path)
        if matched is None:
            self.console.invocation(label, "404", _ms(started), "(no route)")
            return HttpResponse.message(404, "Not Found")
        response, function, detail = self._dispatch(request, matched, request_id)
        apply_cors(matched.api.cors, request, response)
        response.headers.append(("apigw-requestid", request_id))
        self.console.invocation(label, str(response.status), _ms(started), function, detail)
        return response

    def _dispatch(
        self, request: HttpRequest, matched: MatchedRoute, request_id: str
    ) -> tuple[HttpResponse, str, str]:
        route = matched.route
        bucket = self.buckets.get((matched.api.logical_id, route.route_key))
        if bucket is not None and not bucket.take():
            return HttpResponse.message(429, "Too Many Requests"), route.function, "throttled"
        now = datetime.now(UTC)
        context: dict[str, Any] | None = None
        notes: list[str] = []
        if route.authorizer is not None:
            outcome = self._authorize(route.authorizer, request, matched, request_id, now)
            if isinstance(outcome, HttpResponse):
                return outcome, route.authorizer.function, f"authorizer {route.authorizer.name}"
            context, note = outcome
            notes.append(note)
        event = build_event(
            request,
            matched,
            account_id=self.account_id,
            request_id=request_id,
            now=now,
            authorizer_context=context,
        )
        try:
            result = self.invoke(route.function, event, route.timeout_ms / 1000)
        except ThrottledError:
            return HttpResponse.message(429, "Too Many Requests"), route.function, "concurrency limit"
        notes.append(_result_note(result))
        if not result.ok:
            if result.error_type == "Sandbox.Timedout":
                return HttpResponse.message(503, "Service Unavailable"), route.function, "; ".join(notes)
            return HttpResponse.message(500, "Internal Server Error"), route.function, "; ".join(notes)
        return map_result(result.payload), route.function, "; ".join(n for n in notes if n)

    def _authorize(
        self,
        authorizer: Authorizer,
        request: HttpRequest,
        matched: MatchedRoute,
        request_id: str,
        now: datetime,
    ) -> HttpResponse | tuple[dict[str, Any], str]:
        identity = identity_values(authorizer, request)
        if identity is None:
            return HttpResponse.message(401, "Unauthorized")
        cached = self.cache.get(authorizer, identity)
        note = f"authorizer {authorizer.name} (cached)"
        if cached is None:
            event = build_authorizer_event(
                request,
                matched,
                identity,
                region=self.region,
                account_id=self.account_id,
                request_id=request_id,
                now=now,
            )
            try:
                result = self.invoke(authorizer.function, event, 10.0)
            except ThrottledError:
                return HttpResponse.message(429, "Too Many Requests")
            note = f"authorizer {authorizer.name} {_result_note(result)}".rstrip()
            if not result.ok:
                return HttpResponse.message(500, "Internal Server Error")
            try:
                cached = decide(
                    authorizer,
                    result.payload,
                    route_arn(self.region, self.account_id, matched.api.api_id, request),
                )
            except (TypeError, ValueError):
                return HttpResponse.message(500, "Internal Server Error")
            self.cache.put(authorizer, identity, cached)
        if not cached.allowed:
            return HttpResponse.message(403, "Forbidden")
        return cached.context, note


def _result_note(result: InvokeResult) -> str:
    notes = []
    if result.init_ms is not None:
        notes.append(f"cold start {result.init_ms:.0f} ms")
    if result.error_type is not None:
        message = result.payload.get("errorMessage") if isinstance(result.payload, dict) else ""
        notes.append(f"{result.error_type}: {message}")
    return ", ".join(notes)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
