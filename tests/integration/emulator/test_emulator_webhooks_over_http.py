"""Webhooks when the emulator serves over HTTP: subscribe, fire, and a real loopback receiver gets
signed POSTs, retried on a non-2xx answer, as the local stack will see them."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from paynow_emulator import PayNowEmulator
from paynow_emulator.signature import sign


class _Handler(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []
    statuses: list[int] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        type(self).received.append((dict(self.headers.items()), body))
        status = type(self).statuses.pop(0) if type(self).statuses else 204
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[str]:
    _Handler.received = []
    _Handler.statuses = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/webhooks/paynow"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _wait_for(http: httpx.Client, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        deliveries: list[dict[str, Any]] = http.get("/_emulator/webhooks/deliveries").json()
        if len(deliveries) >= count and all(d["state"] != "pending" for d in deliveries):
            return deliveries
        time.sleep(0.05)
    raise AssertionError(f"deliveries did not settle: {http.get('/_emulator/webhooks/deliveries').text}")


def test_a_chargeback_reaches_a_loopback_receiver_signed_and_retried(
    http: httpx.Client, emu: PayNowEmulator, receiver: str
) -> None:
    assert http.patch("/_emulator/webhooks/policy", json={"base_delay_s": 0.05}).status_code == 200
    subscription = http.post(
        f"/v1/stores/{emu.store_id}/webhooks",
        json={"url": receiver, "subscribed_to": "OnChargeback", "type": "json_v1"},
    ).json()
    assert http.get("/_emulator/webhooks").json()[0]["secret"] == subscription["secret"]
    customer = http.post(f"/v1/stores/{emu.store_id}/customers", json={"name": "cb"}).json()
    _Handler.statuses = [500]
    fired = http.post("/_emulator/webhooks/trigger", json={"customer_id": customer["id"], "customer": False})
    assert fired.status_code == 202
    [delivery] = _wait_for(http, 1)
    assert delivery["state"] == "success"
    assert [e["status_code"] for e in delivery["executions"]] == [500, 204]
    assert len(_Handler.received) == 2
    for headers, body in _Handler.received:
        assert headers["PayNow-Signature"] == sign(subscription["secret"], headers["PayNow-Timestamp"], body)
        envelope = json.loads(body)
        assert envelope["event_id"] == fired.json()["event_id"]
        assert envelope["body"]["customer"] is None
    payment = http.get(f"/v1/stores/{emu.store_id}/payments/{fired.json()['payment_id']}").json()
    assert payment["customer_id"] == customer["id"]
    emu.close()
