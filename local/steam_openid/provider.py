"""The stand-in's protocol logic, shared by its ASGI app and its in-process httpx transport."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

OPENID_NS = "http://specs.openid.net/auth/2.0"
CLAIMED_ID_PREFIX = "https://steamcommunity.com/openid/id/"
DEFAULT_STEAM_ID = "76561197960287930"
SIGNED = "signed,op_endpoint,claimed_id,identity,return_to,response_nonce,assoc_handle"
_STEAM_ID_MIN, _STEAM_ID_MAX = 76561197960265728, 76561202255233023


def sign_fields(params: Mapping[str, str], secret: bytes) -> str:
    """OpenID 2.0 signature: HMAC-SHA256 over the signed fields in Key-Value Form, base64."""
    signed = params["openid.signed"].split(",")
    message = "".join(f"{name}:{params.get('openid.' + name, '')}\n" for name in signed)
    return base64.b64encode(hmac.new(secret, message.encode(), hashlib.sha256).digest()).decode()


class SteamOpenIdStandIn:
    def __init__(
        self,
        endpoint: str = "http://127.0.0.1:8788/openid/login",
        *,
        steam_id: str = DEFAULT_STEAM_ID,
        secret: bytes | None = None,
        enforce_nonce: bool = True,
    ) -> None:
        """``endpoint`` is the public URL of /openid/login (the op_endpoint in assertions).

        ``enforce_nonce=False`` makes check_authentication accept a nonce twice, like a provider
        that does not track nonces, so the relying party's own replay protection can be shown.
        """
        self.endpoint = endpoint
        self.steam_id = steam_id
        self.enforce_nonce = enforce_nonce
        # Outage switches for tests: answer check_authentication with this HTTP status, or drop it.
        self.fail_status: int | None = None
        self.unreachable = False
        self._secret = secret or secrets.token_bytes(32)
        self._assoc_handle = secrets.token_hex(8)
        self._used: set[str] = set()
        self._lock = threading.Lock()
        self.checks: list[dict[str, str]] = []
        self.asgi_app = Starlette(
            routes=[
                Route("/openid/login", self._login, methods=["GET"]),
                Route("/openid/login", self._check_route, methods=["POST"]),
            ]
        )

    def mint(
        self, return_to: str, *, steam_id: str | None = None, issued: datetime | None = None
    ) -> dict[str, str]:
        """A signed positive assertion for ``steam_id``, as Steam appends it to ``return_to``."""
        when = (issued or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        claimed = CLAIMED_ID_PREFIX + (steam_id or self.steam_id)
        params = {
            "openid.ns": OPENID_NS,
            "openid.mode": "id_res",
            "openid.op_endpoint": self.endpoint,
            "openid.claimed_id": claimed,
            "openid.identity": claimed,
            "openid.return_to": return_to,
            "openid.response_nonce": when + secrets.token_hex(6),
            "openid.assoc_handle": self._assoc_handle,
            "openid.signed": SIGNED,
        }
        params["openid.sig"] = sign_fields(params, self._secret)
        return params

    def check_authentication(self, form: Mapping[str, str]) -> bool:
        params = dict(form)
        self.checks.append(params)
        if params.get("openid.mode") != "check_authentication" or "openid.signed" not in params:
            return False
        verify = {**params, "openid.mode": "id_res"}
        if not hmac.compare_digest(sign_fields(verify, self._secret), params.get("openid.sig", "")):
            return False
        if params.get("openid.assoc_handle") != self._assoc_handle:
            return False
        nonce = params.get("openid.response_nonce", "")
        with self._lock:
            if self.enforce_nonce and nonce in self._used:
                return False
            self._used.add(nonce)
        return True

    def redirect_url(self, query: Mapping[str, str]) -> tuple[int, str]:
        """checkid_setup: (status, Location or error text)."""
        if query.get("openid.mode") != "checkid_setup" or not query.get("openid.return_to"):
            return 400, "expected openid.mode=checkid_setup with openid.return_to"
        return_to = query["openid.return_to"]
        realm = query.get("openid.realm")
        if realm and not return_to.startswith(realm):
            return 400, "openid.return_to is not under openid.realm"
        chosen = query.get("steamid", self.steam_id)
        if not chosen.isdigit() or not _STEAM_ID_MIN <= int(chosen) <= _STEAM_ID_MAX:
            return 400, "steamid must be an individual SteamID64"
        assertion = self.mint(return_to, steam_id=chosen)
        parts = urlsplit(return_to)
        merged = [*parse_qsl(parts.query, keep_blank_values=True), *assertion.items()]
        return 302, urlunsplit(parts._replace(query=urlencode(merged)))

    @staticmethod
    def _kv(valid: bool) -> str:
        return f"ns:{OPENID_NS}\nis_valid:{'true' if valid else 'false'}\n"

    async def _login(self, request: Request) -> Response:
        status, target = self.redirect_url(dict(request.query_params))
        if status != 302:
            return PlainTextResponse(target, status_code=status)
        return RedirectResponse(target, status_code=302)

    async def _check_route(self, request: Request) -> Response:
        if self.fail_status is not None:
            return PlainTextResponse("unavailable", status_code=self.fail_status)
        # Parsed by hand: starlette's form parser needs python-multipart, which Lambda never has.
        fields = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        return PlainTextResponse(self._kv(self.check_authentication(fields)))

    def _handle_sync(self, request: httpx.Request) -> httpx.Response:
        if self.unreachable:
            raise httpx.ConnectError("steam stand-in is unreachable", request=request)
        if urlsplit(str(request.url)).path != urlsplit(self.endpoint).path:
            return httpx.Response(404, text="not found")
        if request.method == "POST":
            if self.fail_status is not None:
                return httpx.Response(self.fail_status, text="unavailable")
            form = dict(parse_qsl(request.content.decode(), keep_blank_values=True))
            return httpx.Response(200, text=self._kv(self.check_authentication(form)))
        status, target = self.redirect_url(dict(request.url.params))
        if status != 302:
            return httpx.Response(status, text=target)
        return httpx.Response(302, headers={"Location": target})

    def transport(self) -> httpx.BaseTransport:
        """In-process transport for a sync ``httpx.Client`` (no socket)."""
        return httpx.MockTransport(self._handle_sync)
