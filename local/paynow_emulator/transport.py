"""httpx transports that call the emulator in-process (sync and async), faults included."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import httpx

from paynow_emulator.faults import Action

if TYPE_CHECKING:
    from paynow_emulator.core import Outcome, PayNowEmulator


def _outcome(emulator: PayNowEmulator, request: httpx.Request, body: bytes) -> Outcome:
    return emulator.dispatch(
        request.method,
        # The path as sent (percent-encoding intact): the emulator splits it before decoding.
        request.url.raw_path.split(b"?", 1)[0].decode("ascii"),
        _multi(request),
        dict(request.headers),
        body,
    )


def _multi(request: httpx.Request) -> dict[str, list[str]]:
    query: dict[str, list[str]] = {}
    for key, value in request.url.params.multi_items():
        query.setdefault(key, []).append(value)
    return query


def _finish(outcome: Outcome, request: httpx.Request) -> httpx.Response:
    if outcome.action is Action.DROP:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
    if outcome.action is Action.TIMEOUT:
        # The write is applied; the client only ever sees its read deadline pass.
        raise httpx.ReadTimeout("timed out waiting for the response (emulated)", request=request)
    assert outcome.response is not None
    status, headers, body = outcome.response
    return httpx.Response(status, headers=headers, content=body, request=request)


class EmulatorTransport(httpx.BaseTransport):
    def __init__(self, emulator: PayNowEmulator) -> None:
        self._emulator = emulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        outcome = _outcome(self._emulator, request, request.read())
        if outcome.delay_s:
            time.sleep(outcome.delay_s)
        return _finish(outcome, request)


class AsyncEmulatorTransport(httpx.AsyncBaseTransport):
    def __init__(self, emulator: PayNowEmulator) -> None:
        self._emulator = emulator

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        outcome = _outcome(self._emulator, request, await request.aread())
        if outcome.delay_s:
            await asyncio.sleep(outcome.delay_s)
        return _finish(outcome, request)
