"""The framework-agnostic emulator: routing, auth, the 8 Customers operations, faults, inspection."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qs, unquote

from paynow_emulator.decisions import DEFAULT_DECISIONS, HouseDecisions
from paynow_emulator.errors import ApiError, FieldError, validation_failed
from paynow_emulator.faults import Action, FaultEngine, Faults, retry_after_header
from paynow_emulator.flake import FlakeGenerator, parse_flake
from paynow_emulator.payments import CHARGEBACK_STATUSES, PaymentRecord, webhook_customer
from paynow_emulator.store import CustomerRecord, MinecraftAccount, Store, iso, token_fingerprint
from paynow_emulator.validation import (
    Upsert,
    parse_minecraft_uuid,
    parse_steam_id,
    parse_upsert,
    parse_xuid,
)
from paynow_emulator.webhooks import Webhooks

if TYPE_CHECKING:
    import httpx

    from paynow_emulator.asgi import EmulatorASGIApp

JSON_MEDIA_TYPES = ("application/json", "text/json")
LOOKUP_KEYS = (
    "id",
    "steam_id",
    "minecraft_uuid",
    "xbox_xuid",
    "minecraft_java_name",
    "minecraft_bedrock_name",
    "name",
)
LIST_DEFAULT_LIMIT = 25
LIST_MAX_LIMIT = 100


class Response(NamedTuple):
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Outcome:
    """What a transport must do with a request: wait ``delay_s``, then respond, drop or hang."""

    action: Action
    response: Response | None
    delay_s: float
    hang_s: float


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]
    operation: str | None
    status: int | None
    outcome: str
    fault: str | None


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class _Route:
    operation: str
    store_id: str | None = None
    customer_id: str | None = None
    resource_id: str | None = None  # a webhook or payment id


def _json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
    out = [("content-type", "application/json; charset=utf-8")]
    out.extend((headers or {}).items())
    return Response(status, out, json.dumps(payload, separators=(",", ":")).encode())


def _error_response(error: ApiError) -> Response:
    return _json_response(error.status, error.body(), error.headers)


def _empty_response(status: int) -> Response:
    return Response(status, [], b"")


def _media_type(headers: Mapping[str, str]) -> str:
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _is_json_media_type(media_type: str) -> bool:
    return media_type in JSON_MEDIA_TYPES or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _decode_body(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body.decode("utf-8", errors="replace")


class Inspector:
    """Test-side view of the emulator; never goes through auth or faults."""

    def __init__(self, emulator: PayNowEmulator) -> None:
        self._emulator = emulator

    def customers(self) -> list[dict[str, Any]]:
        """Every customer as its CustomerDto, oldest first."""
        with self._emulator.lock:
            store = self._emulator.store
            return [store.dto(customer) for customer in store.customers.values()]

    def customer(self, customer_id: str) -> dict[str, Any] | None:
        flake = parse_flake(customer_id)
        with self._emulator.lock:
            store = self._emulator.store
            found = None if flake is None else store.customers.get(flake)
            return None if found is None else store.dto(found)

    def count(self) -> int:
        with self._emulator.lock:
            return len(self._emulator.store.customers)

    def active_tokens(self, customer_id: str) -> int:
        flake = parse_flake(customer_id)
        with self._emulator.lock:
            return 0 if flake is None else self._emulator.store.active_tokens(flake)

    @property
    def requests(self) -> list[RecordedRequest]:
        """API requests seen (not ``/_emulator`` ones), oldest first; a snapshot."""
        with self._emulator.lock:
            return list(self._emulator.request_log)

    def requests_for(self, operation: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.operation == operation]

    def clear_requests(self) -> None:
        with self._emulator.lock:
            self._emulator.request_log.clear()

    def reset(self) -> None:
        """Forget customers, tokens, requests and rate-limit buckets; keep keys, faults, accounts."""
        with self._emulator.lock:
            self._emulator.store.reset()
            self._emulator.webhooks.reset()
            self._emulator.request_log.clear()
            self._emulator.engine.buckets.clear()


@dataclass
class _Parsed:
    """A request after the checks every management operation shares."""

    route: _Route
    customer_id: int | None = None
    resource_id: int | None = None


class PayNowEmulator:
    """An in-memory PayNow Customers API for one store, strict about the contract in PAYNOW.md."""

    def __init__(
        self,
        store_id: str | None = None,
        api_keys: Sequence[str] = ("pnapi_v1_test",),
        faults: Faults | None = None,
        *,
        decisions: HouseDecisions | None = None,
        node: int = 1,
        clock: Callable[[], float] = time.monotonic,
        max_recorded_requests: int = 10_000,
    ) -> None:
        if not api_keys:
            raise ValueError("at least one API key is required")
        self.lock = threading.RLock()
        self._flakes = FlakeGenerator(node=node)
        if store_id is None:
            store_id = str(self._flakes.next_id())
        elif parse_flake(store_id) is None:
            raise ValueError(f"store_id must be a flake id (decimal string), got {store_id!r}")
        self.store = Store(store_id, self._flakes)
        self.store.decisions = decisions if decisions is not None else DEFAULT_DECISIONS
        self._api_keys: tuple[str, ...] = tuple(api_keys)
        self.engine = FaultEngine()
        self._faults = faults if faults is not None else Faults()
        self.engine.sync_seed(self._faults)
        self._clock = clock
        # Bounded so a long-running dev server does not grow without limit; oldest entries go first.
        self.request_log: deque[RecordedRequest] = deque(maxlen=max_recorded_requests)
        self.webhooks = Webhooks(self._flakes)
        self.inspect = Inspector(self)
        self._asgi_app: EmulatorASGIApp | None = None

    # -- configuration ---------------------------------------------------------------------------
    @property
    def store_id(self) -> str:
        return self.store.store_id

    @property
    def api_key(self) -> str:
        return self._api_keys[0]

    @property
    def api_keys(self) -> tuple[str, ...]:
        return self._api_keys

    def set_api_keys(self, api_keys: Iterable[str]) -> None:
        """Replace the accepted keys (e.g. to emulate a key rotation)."""
        keys = tuple(api_keys)
        if not keys:
            raise ValueError("at least one API key is required")
        with self.lock:
            self._api_keys = keys

    @property
    def faults(self) -> Faults:
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        faults.validate()
        with self.lock:
            self._faults = faults
            self.engine.applied_seed = None
            self.engine.sync_seed(faults)

    @property
    def decisions(self) -> HouseDecisions:
        """The house decisions in force (see ``paynow_emulator.decisions``)."""
        return self.store.decisions

    @decisions.setter
    def decisions(self, decisions: HouseDecisions) -> None:
        with self.lock:
            self.store.decisions = decisions

    def add_minecraft_account(self, name: str, uuid: str, platform: str = "java") -> MinecraftAccount:
        """Declare a Minecraft account that "exists", so create-by-name can resolve it."""
        with self.lock:
            return self.store.add_minecraft_account(name, uuid, platform)

    def minecraft_accounts(self) -> list[MinecraftAccount]:
        with self.lock:
            return list(self.store.minecraft_by_uuid.values())

    def set_steam_profile(self, steam_id: str, name: str, avatar_url: str) -> None:
        """The Steam profile name/avatar to report for a SteamID64 (otherwise one is invented)."""
        parsed = parse_steam_id(steam_id)
        if parsed is None:
            raise ValueError(f"not an individual SteamID64: {steam_id!r}")
        with self.lock:
            self.store.set_steam_profile(parsed, name, avatar_url)

    # -- adapters -----------------------------------------------------------------------------------
    @property
    def asgi_app(self) -> EmulatorASGIApp:
        if self._asgi_app is None:
            from paynow_emulator.asgi import EmulatorASGIApp

            self._asgi_app = EmulatorASGIApp(self)
        return self._asgi_app

    def transport(self) -> httpx.BaseTransport:
        from paynow_emulator.transport import EmulatorTransport

        return EmulatorTransport(self)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        from paynow_emulator.transport import AsyncEmulatorTransport

        return AsyncEmulatorTransport(self)

    # -- entry points ---------------------------------------------------------------------------------
    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, Sequence[str]] | str = "",
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> Response:
        """Answer one request with no faults and no recording: the pure PayNow behaviour."""
        request = _make_request(method, path, query, headers, body)
        with self.lock:
            return self._handle(request, self._route(request))

    def dispatch(
        self,
        method: str,
        path: str,
        query: Mapping[str, Sequence[str]] | str = "",
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> Outcome:
        """Answer one request as the network would: faults applied, request recorded."""
        request = _make_request(method, path, query, headers, body)
        if request.path == "/_emulator" or request.path.startswith("/_emulator/"):
            from paynow_emulator.inspection import handle_inspection

            return Outcome(Action.RESPOND, handle_inspection(self, request), 0.0, 0.0)
        with self.lock:
            faults = self._faults
            self.engine.sync_seed(faults)
            route = self._route(request)
            operation = route.operation if isinstance(route, _Route) else None
            action, response, fault = self._apply_faults(request, route, operation, faults)
            self.request_log.append(
                RecordedRequest(
                    method=request.method,
                    path=request.path,
                    query={key: list(values) for key, values in request.query.items()},
                    body=_decode_body(request.body),
                    headers={k: v for k, v in request.headers.items() if k != "authorization"},
                    operation=operation,
                    status=None if response is None else response.status,
                    outcome=action.value,
                    fault=fault,
                )
            )
            return Outcome(action, response, faults.latency_s, faults.hang_s)

    def _apply_faults(
        self, request: _Request, route: _Route | Response, operation: str | None, faults: Faults
    ) -> tuple[Action, Response | None, str | None]:
        wait = self.engine.rate_limited(faults, _bucket_key(request.headers), self._clock())
        if wait is not None:
            headers = {}
            if faults.retry_after_header:
                headers["retry-after"] = retry_after_header(wait, faults.retry_after_http_date)
            error = ApiError(429, "too-many-requests", "rate limit exceeded, slow down", headers=headers)
            return Action.RESPOND, _error_response(error), "rate_limit"
        if self.engine.drop(faults, operation):
            return Action.DROP, None, "drop"
        if self.engine.error(faults, operation):
            error = ApiError(faults.error_status, "internal-server-error", "injected server error")
            return Action.RESPOND, _error_response(error), "error"
        response = self._handle(request, route)
        if self.decisions.rate_limit_headers == "x-ratelimit":
            response = _with_rate_limit_headers(response, self.engine, faults, _bucket_key(request.headers))
        if 200 <= response.status < 300:
            mode = self.engine.commit_then_fail(faults, operation)
            if mode == "timeout":
                return Action.TIMEOUT, None, "commit_then_timeout"
            if mode == "500":
                error = ApiError(500, "internal-server-error", "injected failure after commit")
                return Action.RESPOND, _error_response(error), "commit_then_500"
        return Action.RESPOND, response, None

    # -- routing ----------------------------------------------------------------------------------------
    def _route(self, request: _Request) -> _Route | Response:
        # Split the raw (still percent-encoded) path first, then decode each segment: an encoded
        # "/" (%2F) stays inside its segment, so "customers/%2F" is never the list route.
        raw_parts = request.path.strip("/").split("/") if request.path.strip("/") else []
        method = request.method
        try:
            parts = [unquote(part, errors="strict") if "%" in part else part for part in raw_parts]
        except UnicodeDecodeError:
            parts = ["/"]  # not UTF-8 once decoded: names nothing either
        if any("/" in part for part in parts):
            # No PayNow resource has a "/" in an id, so such a segment names nothing.
            return _error_response(ApiError(404, "not-found", f"no route for {method} {request.path}"))
        if parts == ["v1", "store", "customer"]:
            return _allow(method, {"GET": "storefront_customer"}, _Route("storefront_customer"))
        if len(parts) < 4 or parts[:2] != ["v1", "stores"]:
            return _error_response(ApiError(404, "not-found", f"no route for {method} {request.path}"))
        store_id = parts[2]
        rest = parts[4:]
        if parts[3] == "webhooks":
            return self._route_webhooks(method, request.path, store_id, rest)
        if parts[3] == "payments" and len(rest) == 1:
            return _allow(method, {"GET": "get_payment"}, _Route("", store_id, resource_id=rest[0]))
        if parts[3] != "customers":
            return _error_response(ApiError(404, "not-found", f"no route for {method} {request.path}"))
        if not rest:
            return _allow(method, {"GET": "list", "POST": "create"}, _Route("", store_id))
        if rest == ["lookup"]:
            return _allow(method, {"GET": "lookup"}, _Route("", store_id))
        if rest == ["bulk"]:
            return _allow(method, {"POST": "bulk"}, _Route("", store_id))
        if len(rest) == 1:
            return _allow(method, {"GET": "get", "PATCH": "update"}, _Route("", store_id, rest[0]))
        if len(rest) == 2 and rest[1] == "tokens":
            return _allow(
                method, {"POST": "create_token", "DELETE": "invalidate_tokens"}, _Route("", store_id, rest[0])
            )
        return _error_response(ApiError(404, "not-found", f"no route for {method} {request.path}"))

    @staticmethod
    def _route_webhooks(method: str, path: str, store_id: str, rest: list[str]) -> _Route | Response:
        if not rest:
            return _allow(method, {"GET": "list_webhooks", "POST": "create_webhook"}, _Route("", store_id))
        if len(rest) == 1 and rest[0] not in ("resend", "variables"):
            route = _Route("", store_id, resource_id=rest[0])
            return _allow(method, {"PATCH": "update_webhook", "DELETE": "delete_webhook"}, route)
        if len(rest) == 2 and rest[1] == "history":
            return _allow(method, {"GET": "webhook_history"}, _Route("", store_id, resource_id=rest[0]))
        # resend and variables exist at PayNow; the emulator does not model them.
        return _error_response(ApiError(404, "not-found", f"no route for {method} {path} in the emulator"))

    def _handle(self, request: _Request, route: _Route | Response) -> Response:
        if isinstance(route, Response):
            return route
        try:
            if route.operation == "storefront_customer":
                return self._storefront_customer(request)
            self._authorize(request.headers)
            parsed = self._common(route)
            handler = getattr(self, f"_op_{route.operation}")
            response: Response = handler(request, parsed)
            return response
        except ApiError as error:
            return _error_response(error)

    def _authorize(self, headers: Mapping[str, str]) -> None:
        scheme, _, credential = headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "apikey" or credential.strip() not in self._api_keys:
            raise ApiError(
                401, "unauthorized", "missing or invalid API key (expected 'Authorization: APIKey <key>')"
            )

    def _common(self, route: _Route) -> _Parsed:
        assert route.store_id is not None
        if parse_flake(route.store_id) is None:
            raise ApiError(400, "bad-request", f"storeId is not a valid flake id: {route.store_id}")
        if route.store_id != self.store.store_id:
            raise ApiError(404, "not-found", f"store {route.store_id} not found")
        parsed = _Parsed(route)
        if route.resource_id is not None:
            parsed.resource_id = parse_flake(route.resource_id)
            if parsed.resource_id is None:
                raise ApiError(400, "bad-request", f"id is not a valid flake id: {route.resource_id}")
        if route.customer_id is not None:
            parsed.customer_id = parse_flake(route.customer_id)
            if parsed.customer_id is None:
                raise ApiError(400, "bad-request", f"customerId is not a valid flake id: {route.customer_id}")
        return parsed

    # -- operations ------------------------------------------------------------------------------
    def _op_list(self, request: _Request, parsed: _Parsed) -> Response:
        query = request.query
        limit = LIST_DEFAULT_LIMIT
        raw_limit = _single(query, "limit")
        if raw_limit is not None:
            if not (raw_limit.isascii() and raw_limit.lstrip("-").isdigit()):
                raise ApiError(400, "bad-request", f"limit must be an integer, got {raw_limit!r}")
            limit = int(raw_limit)
            if not 1 <= limit <= LIST_MAX_LIMIT:
                raise ApiError(400, "bad-request", f"limit must be within 1..{LIST_MAX_LIMIT}, got {limit}")
        asc = False
        raw_asc = _single(query, "asc")
        if raw_asc is not None:
            if raw_asc.lower() not in ("true", "false"):
                raise ApiError(400, "bad-request", f"asc must be true or false, got {raw_asc!r}")
            asc = raw_asc.lower() == "true"
        after = _flake_query(query, "after")
        before = _flake_query(query, "before")
        wanted: set[int] | None = None
        if "customer_id" in query:
            wanted = set()
            for raw in query["customer_id"]:
                flake = parse_flake(raw)
                if flake is None:
                    raise ApiError(400, "bad-request", f"customer_id is not a valid flake id: {raw!r}")
                wanted.add(flake)
        search = _single(query, "search")
        store = self.store

        def keep(customer: CustomerRecord) -> bool:
            if wanted is not None and customer.id not in wanted:
                return False
            return not search or store.matches_search(customer, search)

        page = store.page(asc=asc, after=after, before=before, limit=limit, keep=keep)
        return _json_response(200, [self.store.dto(c) for c in page])

    def _op_create(self, request: _Request, parsed: _Parsed) -> Response:
        upsert = self._upsert_body(request)
        return _json_response(200, self.store.dto(self.store.create(upsert)))

    def _op_get(self, request: _Request, parsed: _Parsed) -> Response:
        assert parsed.customer_id is not None
        return _json_response(200, self.store.dto(self.store.get(parsed.customer_id)))

    def _op_update(self, request: _Request, parsed: _Parsed) -> Response:
        assert parsed.customer_id is not None
        self.store.get(parsed.customer_id)
        upsert = self._upsert_body(request)
        return _json_response(200, self.store.dto(self.store.update(parsed.customer_id, upsert)))

    def _op_lookup(self, request: _Request, parsed: _Parsed) -> Response:
        present = [key for key in LOOKUP_KEYS if key in request.query]
        if len(present) != 1:
            raise ApiError(
                400,
                "bad-request",
                f"exactly one lookup key is required (one of {', '.join(LOOKUP_KEYS)}), got {len(present)}",
            )
        key = present[0]
        value = _single(request.query, key) or ""
        found = self._lookup(key, value)
        if found is None:
            raise ApiError(404, "not-found", f"no customer with {key} {value}")
        return _json_response(200, self.store.dto(found))

    def _lookup(self, key: str, value: str) -> CustomerRecord | None:
        if key == "id":
            flake = parse_flake(value)
            if flake is None:
                raise ApiError(400, "bad-request", f"id is not a valid flake id: {value!r}")
            return self.store.customers.get(flake)
        if key == "steam_id":
            steam_id = parse_steam_id(value)
            if steam_id is None:
                raise ApiError(400, "InvalidInput", f"cannot parse Steam ID from string: {value}")
            return self.store.find_unique("steam_id", steam_id)
        if key == "minecraft_uuid":
            uuid = parse_minecraft_uuid(value)
            if uuid is None:
                raise ApiError(400, "InvalidInput", f"cannot parse Minecraft UUID from string: {value}")
            return self.store.find_unique("minecraft_uuid", uuid)
        if key == "xbox_xuid":
            xuid = parse_xuid(value)
            if xuid is None:
                raise ApiError(400, "InvalidInput", f"cannot parse Xbox XUID from string: {value}")
            return self.store.find_unique("xbox_xuid", xuid)
        if not value:
            raise ApiError(400, "bad-request", f"{key} must not be empty")
        if key == "minecraft_java_name":
            return self.store.find_minecraft_name(value, "java")
        if key == "minecraft_bedrock_name":
            return self.store.find_minecraft_name(value, "bedrock")
        return self.store.find_name(value)

    def _op_bulk(self, request: _Request, parsed: _Parsed) -> Response:
        body = self._json_body(request)
        if not isinstance(body, list):
            raise validation_failed([FieldError("bad-request", "the body must be a JSON array", "$", "type")])
        bulk_max = self.decisions.bulk_max
        if len(body) > bulk_max:
            raise validation_failed(
                [
                    FieldError(
                        "bad-request",
                        f"at most {bulk_max} customers per bulk call, got {len(body)}",
                        "$",
                        "max-items",
                    )
                ]
            )
        items: list[tuple[int, Upsert]] = []
        errors: list[FieldError] = []
        ignore_unknown = self.decisions.unknown_fields == "ignore"
        for index, item in enumerate(body):
            upsert, item_errors = parse_upsert(item, f"[{index}]", ignore_unknown=ignore_unknown)
            if item_errors:
                errors.extend(item_errors)
            else:
                items.append((index, upsert))
        created = self.store.bulk_create(items, errors)
        return _json_response(200, [self.store.dto(c) for c in created])

    def _op_create_token(self, request: _Request, parsed: _Parsed) -> Response:
        assert parsed.customer_id is not None
        return _json_response(200, {"token": self.store.create_token(parsed.customer_id)})

    def _op_invalidate_tokens(self, request: _Request, parsed: _Parsed) -> Response:
        assert parsed.customer_id is not None
        self.store.invalidate_tokens(parsed.customer_id)
        return _empty_response(204)

    def _op_list_webhooks(self, request: _Request, parsed: _Parsed) -> Response:
        return _json_response(200, self.webhooks.list_all())

    def _op_create_webhook(self, request: _Request, parsed: _Parsed) -> Response:
        return _json_response(200, self.webhooks.create(self._json_body(request)))

    def _op_update_webhook(self, request: _Request, parsed: _Parsed) -> Response:
        assert parsed.resource_id is not None
        return _json_response(200, self.webhooks.update(parsed.resource_id, self._json_body(request)))

    def _op_delete_webhook(self, request: _Request, parsed: _Parsed) -> Response:
        assert parsed.resource_id is not None
        self.webhooks.delete(parsed.resource_id)
        return _empty_response(204)

    def _op_webhook_history(self, request: _Request, parsed: _Parsed) -> Response:
        assert parsed.resource_id is not None
        raw_page = _single(request.query, "page") or "1"
        if not (raw_page.isascii() and raw_page.isdigit()) or int(raw_page) < 1:
            raise ApiError(400, "bad-request", f"page must be a positive integer, got {raw_page!r}")
        state = _single(request.query, "state")
        if state is not None and state not in ("success", "pending", "failed", "all"):
            raise ApiError(
                400, "bad-request", f"state must be success, pending, failed or all, got {state!r}"
            )
        return _json_response(200, self.webhooks.history(parsed.resource_id, int(raw_page), state))

    def _op_get_payment(self, request: _Request, parsed: _Parsed) -> Response:
        assert parsed.resource_id is not None
        payment = self.store.payments.get(parsed.resource_id)
        if payment is None:
            raise ApiError(404, "not-found", f"payment {parsed.resource_id} not found")
        customer = self.store.dto(self.store.get(payment.customer_id))
        return _json_response(200, payment.dto(self.store.store_id, customer))

    # -- events and the storefront check (inspection side) -------------------------------------------
    def trigger_payment_event(
        self,
        customer_id: str,
        event: str = "OnChargeback",
        *,
        include_customer: bool = True,
        chargeback_status: str | None = None,
    ) -> dict[str, Any]:
        """A payment by ``customer_id`` and one ``event`` about it (OnChargeback, OnChargebackClosed,
        OnPaymentCompleted), queued to the subscribers. ``include_customer=False`` sends
        ``customer: null``, as PayNow may; the payment (``GET …/payments/{id}``) still names the payer."""
        if event not in ("OnChargeback", "OnChargebackClosed", "OnPaymentCompleted"):
            raise ValueError("a payment event is OnChargeback, OnChargebackClosed or OnPaymentCompleted")
        if chargeback_status is None:
            chargeback_status = {"OnChargeback": "pending", "OnChargebackClosed": "lost"}.get(event, "none")
        if chargeback_status not in CHARGEBACK_STATUSES:
            raise ValueError(f"chargeback_status must be one of {', '.join(CHARGEBACK_STATUSES)}")
        flake = parse_flake(customer_id)
        with self.lock:
            customer = None if flake is None else self.store.customers.get(flake)
            if customer is None:
                raise ValueError(f"no customer {customer_id} in this store")
            now = iso(datetime.now(UTC), "milliseconds")
            payment = PaymentRecord(
                id=self._flakes.next_id(),
                order_id=self._flakes.next_id(),
                method_id=self._flakes.next_id(),
                customer_id=customer.id,
                created_at=now,
                status="completed" if event == "OnPaymentCompleted" else "chargeback",
                chargeback_status=chargeback_status,
                chargeback_at=None if event == "OnPaymentCompleted" else now,
            )
            self.store.payments[payment.id] = payment
            named = webhook_customer(self.store.dto(customer)) if include_customer else None
            body = payment.webhook_body(self.store.store_id, named)
        result = self.webhooks.emit(event, body)
        return {"payment_id": str(payment.id), **result}

    def token_valid(self, token: str) -> str | None:
        """The storefront's view of a customer token: its customer's id, or None when refused."""
        with self.lock:
            customer = self.store.customer_for_token(token)
            return None if customer is None else str(customer.id)

    def close(self) -> None:
        """Stop the webhook delivery thread (if one was started)."""
        self.webhooks.close()

    def _storefront_customer(self, request: _Request) -> Response:
        scheme, _, credential = request.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "customer" or not credential.strip():
            raise ApiError(
                401, "unauthorized", "missing customer token (expected 'Authorization: Customer <token>')"
            )
        store_header = request.headers.get("x-paynow-store-id")
        if store_header is not None and store_header != self.store.store_id:
            raise ApiError(401, "unauthorized", "the customer token does not belong to this store")
        customer = self.store.customer_for_token(credential.strip())
        if customer is None:
            raise ApiError(401, "unauthorized", "customer token is invalid or has been revoked")
        return _json_response(200, self.store.dto(customer))

    # -- bodies ---------------------------------------------------------------------------------------
    def _json_body(self, request: _Request) -> Any:
        if not request.body.strip():
            raise ApiError(400, "bad-request", "a JSON request body is required")
        media_type = _media_type(request.headers)
        if not _is_json_media_type(media_type):
            status = self.decisions.non_json_body
            raise ApiError(
                status,
                "unsupported-media-type" if status == 415 else "bad-request",
                f"content type {media_type or '(none)'} is not supported; send application/json",
            )
        try:
            return json.loads(request.body.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ApiError(400, "bad-request", f"the body is not valid UTF-8: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise ApiError(400, "bad-request", f"malformed JSON body: {exc}") from exc

    def _upsert_body(self, request: _Request) -> Upsert:
        upsert, errors = parse_upsert(
            self._json_body(request), ignore_unknown=self.decisions.unknown_fields == "ignore"
        )
        if errors:
            raise validation_failed(errors)
        return upsert


def _allow(method: str, methods: dict[str, str], route: _Route) -> _Route | Response:
    operation = methods.get(method)
    if operation is None:
        allowed = ", ".join(sorted(methods))
        error = ApiError(405, "method-not-allowed", f"{method} is not allowed here (allowed: {allowed})")
        return _json_response(405, error.body(), {"allow": allowed})
    return _Route(operation, route.store_id, route.customer_id, route.resource_id)


def _single(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise ApiError(400, "bad-request", f"query parameter {name} given {len(values)} times")
    return values[0]


def _flake_query(query: Mapping[str, list[str]], name: str) -> int | None:
    raw = _single(query, name)
    if raw is None:
        return None
    flake = parse_flake(raw)
    if flake is None:
        raise ApiError(400, "bad-request", f"{name} is not a valid flake id: {raw!r}")
    return flake


def _with_rate_limit_headers(response: Response, engine: FaultEngine, faults: Faults, key: str) -> Response:
    """X-RateLimit-* headers, for the ``rate_limit_headers: x-ratelimit`` decision."""
    per_second, burst = faults.rate_limit if faults.rate_limit is not None else (1000.0, 1000)
    bucket = engine.buckets.get(key)
    remaining = int(bucket.tokens) if bucket is not None else int(burst)
    headers = [
        ("x-ratelimit-limit", str(int(burst))),
        ("x-ratelimit-remaining", str(remaining)),
        ("x-ratelimit-reset", str(max(1, round((burst - remaining) / per_second)))),
    ]
    return Response(response.status, [*response.headers, *headers], response.body)


def _bucket_key(headers: Mapping[str, str]) -> str:
    scheme, _, credential = headers.get("authorization", "").strip().partition(" ")
    if not credential:
        return "anonymous"
    return f"{scheme.lower()}:{token_fingerprint(credential.strip())}"


def _make_request(
    method: str,
    path: str,
    query: Mapping[str, Sequence[str]] | str,
    headers: Mapping[str, str] | None,
    body: bytes,
) -> _Request:
    if isinstance(query, str):
        parsed_query = parse_qs(query, keep_blank_values=True)
    else:
        parsed_query = {key: list(values) for key, values in query.items()}
    normalised_path = path if path == "/" else path.rstrip("/")
    return _Request(
        method=method.upper(),
        path=normalised_path or "/",
        query=parsed_query,
        headers={key.lower(): value for key, value in (headers or {}).items()},
        body=body,
    )
