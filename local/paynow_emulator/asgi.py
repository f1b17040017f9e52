"""The emulator as a raw ASGI 3 application (uvicorn, or httpx.ASGITransport in tests)."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import httpx

from paynow_emulator.faults import Action

if TYPE_CHECKING:
    from paynow_emulator.core import PayNowEmulator

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# Filled by paynow_emulator.server's protocol: (client host, client port) -> the socket's transport,
# so a "dropped connection" can really be aborted instead of answered.
CONNECTIONS: weakref.WeakValueDictionary[tuple[str, int], asyncio.Transport] = weakref.WeakValueDictionary()


class EmulatorASGIApp:
    def __init__(self, emulator: PayNowEmulator) -> None:
        self._emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            raise RuntimeError(f"unsupported ASGI scope type {scope['type']!r}")
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                break
        headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]}
        outcome = self._emulator.dispatch(
            scope["method"],
            _raw_path(scope),
            scope.get("query_string", b"").decode("latin-1"),
            headers,
            bytes(body),
        )
        if outcome.delay_s:
            await asyncio.sleep(outcome.delay_s)
        if outcome.action is Action.DROP:
            await _drop(
                scope, send, httpx.RemoteProtocolError("Server disconnected without sending a response.")
            )
            return
        if outcome.action is Action.TIMEOUT:
            # Hang past the client's read timeout; a client that waits longer sees the connection drop.
            await asyncio.sleep(outcome.hang_s)
            await _drop(
                scope, send, httpx.ReadTimeout("emulated timeout: no response after the write was applied")
            )
            return
        assert outcome.response is not None
        status, response_headers, content = outcome.response
        raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response_headers]
        raw_headers.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": content})


def _raw_path(scope: Scope) -> str:
    """The path as sent, still percent-encoded (``path`` is already decoded, hiding a %2F)."""
    raw = scope.get("raw_path")
    if not raw:
        return str(scope["path"])
    return bytes(raw).split(b"?", 1)[0].decode("latin-1")


async def _drop(scope: Scope, send: Send, error: httpx.TransportError) -> None:
    client = scope.get("client")
    transport = CONNECTIONS.get(tuple(client)) if client else None  # type: ignore[arg-type]
    if transport is not None:
        transport.abort()
        # Let the server see connection_lost before this app returns, so it does not answer 500.
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return
    # Without the hook (httpx.ASGITransport, or a plain uvicorn): start a response that never
    # completes, then fail. ASGITransport hands the error to the client as is; a server closes the
    # connection mid-response instead of answering a tidy 500.
    await send({"type": "http.response.start", "status": 500, "headers": [(b"content-length", b"1048576")]})
    raise error


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
