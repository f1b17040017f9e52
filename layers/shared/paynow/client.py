"""A typed, retrying client for the Customers resource of PayNow's Management API.

One instance per sandbox keeps its connections alive between calls and
invocations. Every call takes an optional ``Deadline`` (pass Lambda's remaining time) that bounds
its retries and shrinks its timeouts; see ``paynow.retry`` for the rules.
"""

from __future__ import annotations

import json
import logging
import platform
import ssl
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from types import TracebackType
from typing import Any, TypeVar

import httpx
import pydantic

from paynow.api_key import ApiKeyAuth, ApiKeyProvider, StaticApiKey
from paynow.errors import (
    ConflictError,
    ErrorDetail,
    NotFoundError,
    PayNowError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnauthorizedError,
    UnexpectedResponseError,
    ValidationError,
)
from paynow.ids import validate_flake_id
from paynow.models import Customer, CustomerToken, CustomerUpsert, LookupKey, Payment
from paynow.retry import Deadline, RetryPolicy

T = TypeVar("T")
M = TypeVar("M", bound=pydantic.BaseModel)

__all__ = ["BULK_LIMIT", "DEFAULT_BASE_URL", "DEFAULT_TIMEOUT", "PayNowClient", "chunked"]

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.paynow.gg"
# Connect fails fast (retried freely: nothing was sent); reads get longer because a bulk create of
# 200 customers is slow. Each is further capped by the caller's deadline per attempt.
DEFAULT_TIMEOUT = httpx.Timeout(connect=3.0, read=15.0, write=10.0, pool=5.0)
# Short keep-alive expiry: a connection parked across a Lambda freeze may have been cut silently,
# and a create sent on a dead connection ends as "outcome unknown" instead of a clean retry.
DEFAULT_LIMITS = httpx.Limits(max_connections=16, max_keepalive_connections=16, keepalive_expiry=5.0)
BULK_LIMIT = 200
PAGE_LIMIT = 100
USER_AGENT = (
    f"paynow-customers-sam/0.1 httpx/{httpx.__version__} "
    f"{platform.python_implementation()}/{platform.python_version()}"
)

_customers = pydantic.TypeAdapter(list[Customer])


@dataclass(frozen=True, slots=True)
class _Operation:
    name: str
    method: str
    idempotent: bool


_LIST = _Operation("list_customers", "GET", idempotent=True)
_CREATE = _Operation("create_customer", "POST", idempotent=False)
_GET = _Operation("get_customer", "GET", idempotent=True)
_UPDATE = _Operation("update_customer", "PATCH", idempotent=True)  # same body, same end state
_LOOKUP = _Operation("lookup_customer", "GET", idempotent=True)
_BULK = _Operation("bulk_create_customers", "POST", idempotent=False)
_TOKEN = _Operation("create_customer_token", "POST", idempotent=False)
_INVALIDATE = _Operation("invalidate_customer_tokens", "DELETE", idempotent=True)
_GET_PAYMENT = _Operation("get_payment", "GET", idempotent=True)


class PayNowClient:
    """PayNow Customers API. Thread-safe; reuse one instance (its connection pool) per process."""

    def __init__(
        self,
        store_id: str,
        api_key: ApiKeyProvider | str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        limits: httpx.Limits = DEFAULT_LIMITS,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.store_id = validate_flake_id(store_id)
        self.base_url = base_url.rstrip("/")
        self._keys = StaticApiKey(api_key) if isinstance(api_key, str) else api_key
        self._timeout = timeout
        self._retry = retry or RetryPolicy()
        self._prefix = f"/v1/stores/{self.store_id}/customers"
        self._http = httpx.Client(
            base_url=self.base_url,
            auth=ApiKeyAuth(self._keys),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            timeout=timeout,
            limits=limits,
            transport=transport,
            verify=verify,
            # PayNow never redirects API calls; following one could replay a POST elsewhere.
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"PayNowClient(base_url={self.base_url!r}, store_id={self.store_id!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PayNowClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- operations -------------------------------------------------------------------------

    def list_customers(
        self,
        limit: int = 25,
        *,
        after: str | None = None,
        before: str | None = None,
        asc: bool = False,
        search: str | None = None,
        customer_ids: Sequence[str] | None = None,
        deadline: Deadline | None = None,
    ) -> list[Customer]:
        """One page, newest first unless ``asc``. ``after``/``before`` are ids in that order."""
        _check_page_size(limit, "limit")
        params: list[tuple[str, str]] = [("limit", str(limit))]
        if after is not None:
            params.append(("after", validate_flake_id(after)))
        if before is not None:
            params.append(("before", validate_flake_id(before)))
        if asc:
            params.append(("asc", "true"))
        if search:
            params.append(("search", search))
        params.extend(("customer_id", validate_flake_id(cid)) for cid in customer_ids or ())
        response = self._call(_LIST, self._prefix, params=params, deadline=deadline)
        return _parse_list(response, _LIST)

    def iter_customers(
        self,
        page_size: int = PAGE_LIMIT,
        *,
        asc: bool = False,
        search: str | None = None,
        customer_ids: Sequence[str] | None = None,
        after: str | None = None,
        before: str | None = None,
        deadline: Deadline | None = None,
    ) -> Iterator[Customer]:
        """Every matching customer, page by page, stopping after the last page.

        ``after``/``before`` are exclusive bounds in the list order (newest first unless ``asc``).
        With ``after`` (or neither) the walk moves forward, ``after`` = the last id seen, and
        ``before`` (if given) stays as the far bound. With only ``before``, the API pages backward
        (each page is the one right before the cursor), so the walk moves backward from it and
        yields customers nearest ``before`` first, i.e. in the reverse of the list order.

        A short page is the last one; a full last page costs one more (empty) request, since the
        API has no "has more" flag.
        """
        _check_page_size(page_size, "page_size")
        # Validate now, not on the first next(), so a bad argument fails at the call site.
        after = None if after is None else validate_flake_id(after)
        before = None if before is None else validate_flake_id(before)
        return self._walk(
            page_size=page_size,
            asc=asc,
            search=search,
            customer_ids=customer_ids,
            after=after,
            before=before,
            deadline=deadline,
        )

    def _walk(
        self,
        *,
        page_size: int,
        asc: bool,
        search: str | None,
        customer_ids: Sequence[str] | None,
        after: str | None,
        before: str | None,
        deadline: Deadline | None,
    ) -> Iterator[Customer]:
        backward = before is not None and after is None
        while True:
            page = self.list_customers(
                limit=page_size,
                after=after,
                before=before,
                asc=asc,
                search=search,
                customer_ids=customer_ids,
                deadline=deadline,
            )
            yield from reversed(page) if backward else page
            if len(page) < page_size:
                return
            cursor = before if backward else after
            edge = page[0].id if backward else page[-1].id
            if edge == cursor:
                # A server ignoring the cursor would otherwise make this loop forever.
                raise UnexpectedResponseError(
                    f"pagination did not advance past customer {cursor}", status=200, operation=_LIST.name
                )
            if backward:
                before = edge
            else:
                after = edge

    def create_customer(self, body: CustomerUpsert, *, deadline: Deadline | None = None) -> Customer:
        response = self._call(_CREATE, self._prefix, body=body.to_body(), deadline=deadline)
        return _parse(response, Customer, _CREATE)

    def get_customer(self, customer_id: str, *, deadline: Deadline | None = None) -> Customer:
        response = self._call(_GET, self._customer_path(customer_id), deadline=deadline)
        return _parse(response, Customer, _GET)

    def update_customer(
        self, customer_id: str, body: CustomerUpsert, *, deadline: Deadline | None = None
    ) -> Customer:
        """PATCH: absent fields stay, ``None`` clears, ``metadata`` replaces the whole map."""
        response = self._call(
            _UPDATE, self._customer_path(customer_id), body=body.to_body(), deadline=deadline
        )
        return _parse(response, Customer, _UPDATE)

    def lookup_customer(
        self, key: LookupKey, value: str, *, deadline: Deadline | None = None
    ) -> Customer | None:
        """The customer with that identifier, or ``None`` (PayNow answers a miss with 404)."""
        key = LookupKey(key)
        if not value:
            raise ValueError(f"lookup by {key.value} needs a non-empty value")
        try:
            response = self._call(
                _LOOKUP, f"{self._prefix}/lookup", params=[(key.value, value)], deadline=deadline
            )
        except NotFoundError:
            return None
        return _parse(response, Customer, _LOOKUP)

    def bulk_create_customers(
        self, items: Sequence[CustomerUpsert], *, deadline: Deadline | None = None
    ) -> list[Customer]:
        """Create up to 200 customers in one call (split larger inputs with ``chunked``)."""
        if len(items) > BULK_LIMIT:
            raise ValueError(f"bulk create takes at most {BULK_LIMIT} customers, got {len(items)}")
        if not items:
            return []
        body = [item.to_body() for item in items]
        response = self._call(_BULK, f"{self._prefix}/bulk", body=body, deadline=deadline)
        return _parse_list(response, _BULK)

    def create_customer_token(self, customer_id: str, *, deadline: Deadline | None = None) -> str:
        """A new storefront token for the customer. It is a credential: never log it."""
        path = f"{self._customer_path(customer_id)}/tokens"
        response = self._call(_TOKEN, path, deadline=deadline)
        return _parse(response, CustomerToken, _TOKEN).token

    def invalidate_customer_tokens(self, customer_id: str, *, deadline: Deadline | None = None) -> None:
        """Revoke every token of the customer."""
        self._call(_INVALIDATE, f"{self._customer_path(customer_id)}/tokens", deadline=deadline)

    def get_payment(self, payment_id: str, *, deadline: Deadline | None = None) -> Payment:
        """``GET /v1/stores/{storeId}/payments/{paymentId}``: names the payer when a webhook does not."""
        path = f"/v1/stores/{self.store_id}/payments/{validate_flake_id(payment_id)}"
        response = self._call(_GET_PAYMENT, path, deadline=deadline)
        return _parse(response, Payment, _GET_PAYMENT)

    # --- transport ----------------------------------------------------------------------------

    def _customer_path(self, customer_id: str) -> str:
        return f"{self._prefix}/{validate_flake_id(customer_id)}"

    def _call(
        self,
        op: _Operation,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        body: Any = None,
        deadline: Deadline | None,
    ) -> httpx.Response:
        query = httpx.QueryParams(tuple(params or ()))

        def attempt(remaining: float) -> httpx.Response:
            request = self._http.build_request(
                op.method, path, params=query, json=body, timeout=_capped(self._timeout, remaining)
            )
            try:
                response = self._http.send(request)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                # No connection was ever made for this request: it cannot have been applied.
                raise TransportError(
                    f"could not connect to PayNow ({type(exc).__name__}: {exc})",
                    request_sent=False,
                    operation=op.name,
                ) from exc
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                raise TransportError(
                    f"no complete response from PayNow ({type(exc).__name__}: {exc})",
                    request_sent=True,
                    operation=op.name,
                ) from exc
            logger.debug("PayNow response", extra={"operation": op.name, "status": response.status_code})
            if response.is_success:
                return response
            raise self._error(op, response)

        return self._retry.run(attempt, idempotent=op.idempotent, deadline=deadline, operation=op.name)

    def _error(self, op: _Operation, response: httpx.Response) -> PayNowError:
        status = response.status_code
        body = _json_or_none(response.content)
        fields: dict[str, Any] = body if isinstance(body, dict) else {}
        message = fields.get("message")
        if not isinstance(message, str) or not message:
            message = _describe_body(response, body)
        raw_errors = fields.get("errors")
        errors = tuple(ErrorDetail.from_json(e) for e in raw_errors) if isinstance(raw_errors, list) else ()
        common: dict[str, Any] = {
            "status": status,
            "code": _text(fields.get("code")),
            "trace_id": _text(fields.get("trace_id")),
            "errors": errors,
            "operation": op.name,
        }
        if status == 429:
            retry_after = self._retry.parse_retry_after(response.headers.get("Retry-After"))
            return RateLimitedError(message, retry_after=retry_after, **common)
        error_class = _ERROR_CLASSES.get(status)
        if error_class is None:
            if status >= 500:
                error_class = ServerError
            elif status >= 400:
                error_class = PayNowError
            else:
                error_class = UnexpectedResponseError
        return error_class(message, **common)


_ERROR_CLASSES: dict[int, type[PayNowError]] = {
    400: ValidationError,
    422: ValidationError,
    401: UnauthorizedError,
    403: UnauthorizedError,
    404: NotFoundError,
    409: ConflictError,
}


def chunked(iterable: Iterable[T], size: int = BULK_LIMIT) -> Iterator[list[T]]:
    """Consecutive lists of at most ``size`` items (the last may be shorter), lazily."""
    if size < 1:
        raise ValueError("size must be at least 1")
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _check_page_size(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= PAGE_LIMIT:
        raise ValueError(f"{name} must be an integer from 1 to {PAGE_LIMIT}, got {value!r}")


def _capped(timeout: httpx.Timeout, remaining: float) -> httpx.Timeout:
    def cap(value: float | None) -> float:
        return remaining if value is None else min(value, remaining)

    return httpx.Timeout(
        connect=cap(timeout.connect), read=cap(timeout.read), write=cap(timeout.write), pool=cap(timeout.pool)
    )


def _parse(response: httpx.Response, model: type[M], op: _Operation) -> M:
    try:
        return model.model_validate_json(response.content)
    except pydantic.ValidationError as exc:
        raise _unexpected(response, exc, op) from None


def _parse_list(response: httpx.Response, op: _Operation) -> list[Customer]:
    try:
        return _customers.validate_json(response.content)
    except pydantic.ValidationError as exc:
        raise _unexpected(response, exc, op) from None


def _unexpected(response: httpx.Response, exc: pydantic.ValidationError, op: _Operation) -> PayNowError:
    # Locations and reasons only: the input could be a customer token, which must not reach a log.
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '<body>'}: {err['msg']}" for err in exc.errors()[:5]
    )
    return UnexpectedResponseError(
        f"PayNow answered {response.status_code} with a body this client cannot read ({problems})",
        status=response.status_code,
        operation=op.name,
    )


def _json_or_none(content: bytes) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:  # also covers UnicodeDecodeError
        return None


def _describe_body(response: httpx.Response, body: Any) -> str:
    head = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
    if not response.content:
        return f"{head} with an empty body"
    if body is None:
        snippet = " ".join(response.text.split())[:200]
        return f"{head} with a non-JSON body: {snippet!r}"
    return f"{head} without an error message"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
