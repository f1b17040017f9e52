"""Run the emulator over real HTTP with uvicorn, with connections the emulator can really drop."""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from paynow_emulator.asgi import CONNECTIONS
from paynow_emulator.core import PayNowEmulator


class DroppableH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, registering each connection so the app can abort it."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self.client is not None:
            CONNECTIONS[(str(self.client[0]), int(self.client[1]))] = transport

    def connection_lost(self, exc: Exception | None) -> None:
        if self.client is not None:
            CONNECTIONS.pop((str(self.client[0]), int(self.client[1])), None)
        super().connection_lost(exc)


def config(
    emulator: PayNowEmulator, host: str = "127.0.0.1", port: int = 8787, **kwargs: Any
) -> uvicorn.Config:
    return uvicorn.Config(
        emulator.asgi_app,
        host=host,
        port=port,
        http=DroppableH11Protocol,
        lifespan="off",
        access_log=False,
        **kwargs,
    )


class BackgroundServer:
    """uvicorn in a daemon thread on a loopback port (0 = any free port); a context manager."""

    def __init__(self, emulator: PayNowEmulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        # log_config=None: leave the host process's logging (e.g. pytest's capture) as it is.
        self._server = uvicorn.Server(
            config(emulator, host=self.host, port=self.port, log_level="warning", log_config=None)
        )
        self._thread = threading.Thread(target=self._run, name="paynow-emulator", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        self._server.run(sockets=[self._sock])

    def start(self) -> BackgroundServer:
        self._thread.start()
        ready = threading.Event()
        while not self._server.started and self._thread.is_alive():
            ready.wait(0.01)
        if not self._server.started:
            raise RuntimeError("the emulator server did not start")
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
