"""The raw ASGI plumbing shared by the stack's HTTP fronts (the HTTP API and the Lambda invoke API)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


async def read_body(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        chunk: bytes = message.get("body", b"")
        body += chunk
        if not message.get("more_body"):
            return body


def header_pairs(scope: Scope) -> list[tuple[str, str]]:
    """Request headers as (lower-case name, value), in the order the client sent them."""
    return [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]


def raw_path(scope: Scope) -> str:
    """The path as sent (still percent-encoded), without the query string."""
    raw: bytes = scope.get("raw_path") or scope["path"].encode()
    return raw.decode("latin-1").split("?", 1)[0]


async def send_response(send: Send, status: int, headers: Iterable[tuple[str, str]], body: bytes) -> None:
    encoded = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    encoded.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": encoded})
    await send({"type": "http.response.body", "body": body})
