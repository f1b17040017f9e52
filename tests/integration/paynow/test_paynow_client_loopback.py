"""The client over real sockets on loopback: connections are reused, and network failures are classified.

MockTransport cannot show either: these need a real TCP peer.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from paynow.client import PayNowClient
from paynow.errors import TransportError
from paynow.models import CustomerUpsert, LookupKey
from paynow.retry import RetryPolicy

from tests.support.emulator_clients import EMULATOR_API_KEY
from tests.support.fake_clock import FakeClock

STORE_ID = "411486491630370816"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server: PayNowStub

    def do_GET(self) -> None:
        self.server.peers.append(self.client_address)
        if self.path.startswith(f"/v1/stores/{STORE_ID}/customers/lookup"):
            self.server.stall.wait(5)  # long enough to trip the client's read timeout
        body = json.dumps(
            {
                "id": "411486491630370817",
                "store_id": STORE_ID,
                "created_at": "2026-11-25T00:00:00Z",
                "metadata": {},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


class PayNowStub(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.peers: list[tuple[str, int]] = []
        self.stall = threading.Event()


@pytest.fixture
def stub() -> Iterator[PayNowStub]:
    server = PayNowStub()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.stall.set()
    server.shutdown()
    server.server_close()


def base_url(server: PayNowStub) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


def test_consecutive_calls_reuse_one_connection(stub: PayNowStub) -> None:
    with PayNowClient(STORE_ID, EMULATOR_API_KEY, base_url=base_url(stub)) as client:
        for _ in range(5):
            client.get_customer("411486491630370817")
    assert len(stub.peers) == 5
    assert len(set(stub.peers)) == 1  # one client port: one TCP connection for all five calls


def test_a_slow_response_is_a_read_timeout_that_counts_as_sent(stub: PayNowStub, clock: FakeClock) -> None:
    policy = RetryPolicy(sleep=clock.sleep, clock=clock.monotonic, max_attempts=2, random=lambda: 0.0)
    timeout = httpx.Timeout(connect=2.0, read=0.2, write=2.0, pool=2.0)
    with PayNowClient(
        STORE_ID, EMULATOR_API_KEY, base_url=base_url(stub), timeout=timeout, retry=policy
    ) as client:
        with pytest.raises(TransportError) as info:
            client.lookup_customer(LookupKey.STEAM_ID, "76561197960287930")
    assert info.value.request_sent is True
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)
    assert len(stub.peers) == 2  # an idempotent lookup was tried again


def test_a_refused_connection_is_known_unsent_and_retried_even_for_a_create(clock: FakeClock) -> None:
    # Bind then close: the port is now (almost certainly) refused on loopback.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    policy = RetryPolicy(sleep=clock.sleep, clock=clock.monotonic, max_attempts=3, random=lambda: 0.0)
    with PayNowClient(
        STORE_ID, EMULATOR_API_KEY, base_url=f"http://127.0.0.1:{port}", retry=policy
    ) as client:
        with pytest.raises(TransportError) as info:
            client.create_customer(CustomerUpsert(name="x"))
    assert info.value.request_sent is False
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert len(clock.sleeps) == 2  # three attempts, all refused
