"""The ASGI app under uvicorn on loopback: real sockets, real dropped connections and timeouts."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
import uvicorn
from paynow_emulator import Faults, PayNowEmulator
from paynow_emulator.spec import SpecContract

from tests.support.processes import run_captured

CONTRACT = SpecContract()
REPO_ROOT = Path(__file__).resolve().parents[3]


def _checked(response: httpx.Response) -> httpx.Response:
    problems = CONTRACT.response_errors(
        response.request.method, response.request.url.path, response.status_code, response.content
    )
    assert problems == [], problems
    return response


def test_all_operations_over_real_http(emu: PayNowEmulator, http: httpx.Client) -> None:
    base = f"/v1/stores/{emu.store_id}/customers"
    created = _checked(http.post(base, json={"steam_id": "76561197960287930"})).json()
    cid = created["id"]

    assert _checked(http.get(base)).json() == [created]
    assert _checked(http.get(f"{base}/{cid}")).json() == created
    assert _checked(http.patch(f"{base}/{cid}", json={"name": "n"})).json()["name"] == "n"
    assert _checked(http.get(f"{base}/lookup", params={"name": "n"})).json()["id"] == cid
    assert len(_checked(http.post(f"{base}/bulk", json=[{}, {}])).json()) == 2
    token = _checked(http.post(f"{base}/{cid}/tokens")).json()["token"]
    storefront = http.get("/v1/store/customer", headers={"Authorization": f"Customer {token}"})
    assert _checked(storefront).json()["id"] == cid
    assert _checked(http.delete(f"{base}/{cid}/tokens")).status_code == 204
    assert http.get("/v1/store/customer", headers={"Authorization": f"Customer {token}"}).status_code == 401
    assert _checked(http.get(f"{base}/lookup", params={"name": "nobody"})).status_code == 404
    assert http.get("/_emulator/customers").json()["count"] == 3


def test_dropped_connection_is_a_protocol_error_and_nothing_is_written(
    emu: PayNowEmulator, http: httpx.Client
) -> None:
    emu.faults = Faults(drop_count=1)
    with pytest.raises(httpx.RemoteProtocolError):
        http.post(f"/v1/stores/{emu.store_id}/customers", json={"name": "x"})
    assert emu.inspect.count() == 0
    assert http.post(f"/v1/stores/{emu.store_id}/customers", json={"name": "x"}).status_code == 200


def test_commit_then_timeout_outlasts_the_client_read_timeout(
    emu: PayNowEmulator, http: httpx.Client
) -> None:
    emu.faults = Faults(commit_then_fail="timeout", commit_then_fail_count=1, hang_s=1.0)
    with pytest.raises(httpx.ReadTimeout):
        http.post(f"/v1/stores/{emu.store_id}/customers", json={"name": "x"}, timeout=0.2)
    assert emu.inspect.count() == 1


def test_commit_then_timeout_drops_a_patient_client(emu: PayNowEmulator, http: httpx.Client) -> None:
    emu.faults = Faults(commit_then_fail="timeout", commit_then_fail_count=1, hang_s=0.0)
    with pytest.raises(httpx.RemoteProtocolError):
        http.post(f"/v1/stores/{emu.store_id}/customers", json={"name": "x"})
    assert emu.inspect.count() == 1


def test_rate_limit_and_faults_set_over_http(emu: PayNowEmulator, http: httpx.Client) -> None:
    faults = {"rate_limit": {"per_second": 0.01, "burst": 1}}
    assert http.put("/_emulator/faults", json=faults).status_code == 200
    path = f"/v1/stores/{emu.store_id}/customers"
    assert http.get(path).status_code == 200
    limited = http.get(path)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "100"
    http.patch("/_emulator/faults", json={"retry_after_header": False})
    assert "retry-after" not in http.get(path).headers


def test_drop_under_a_plain_uvicorn_still_fails_the_request() -> None:
    emu = PayNowEmulator(faults=Faults(drop_count=1))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(emu.asgi_app, log_config=None, lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        try:
            while not server.started and thread.is_alive():
                thread.join(0.01)
            headers = {"Authorization": f"APIKey {emu.api_key}"}
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as http:
                path = f"/v1/stores/{emu.store_id}/customers"
                with pytest.raises(httpx.RemoteProtocolError):
                    http.post(path, json={})
                assert http.post(path, json={}).status_code == 200
        finally:
            server.should_exit = True
            thread.join(10)
    assert emu.inspect.count() == 1


@pytest.mark.anyio
async def test_async_client_over_asgi_transport() -> None:
    emu = PayNowEmulator(faults=Faults(drop_count=1))
    transport = httpx.ASGITransport(app=emu.asgi_app)
    headers = {"Authorization": f"APIKey {emu.api_key}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator", headers=headers) as client:
        path = f"/v1/stores/{emu.store_id}/customers"
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post(path, json={})
        created = await client.post(path, json={"name": "a"})
        assert _checked(created).status_code == 200
    async with httpx.AsyncClient(
        transport=emu.async_transport(), base_url="http://emulator", headers=headers
    ) as client:
        assert [c["name"] for c in (await client.get(f"/v1/stores/{emu.store_id}/customers")).json()] == ["a"]


def test_command_line_server_announces_its_port_once_ready() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "local")}
    command = [
        *(sys.executable, "-m", "paynow_emulator", "--port", "0", "--log-level", "warning"),
        *("--store-id", "411486491630370816", "--api-key", "pnapi_v1_cli"),
        *("--minecraft-account", "java:Notch:069a79f444e94726a5befca90e38aaf5"),
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+) store_id=411486491630370816", banner)
        assert match, banner
        more = [process.stdout.readline() for _ in range(3)]
        assert f"{match.group(1)}/_emulator/customers" in "".join(more), more
        headers = {"Authorization": "APIKey pnapi_v1_cli"}
        with httpx.Client(base_url=match.group(1), headers=headers) as http:
            created = http.post(
                "/v1/stores/411486491630370816/customers",
                json={"name": "Notch", "minecraft_platform": "java"},
            )
            assert created.status_code == 200
            assert created.json()["minecraft_uuid"] == "069a79f4-44e9-4726-a5be-fca90e38aaf5"
            assert (
                http.get(
                    "/v1/stores/411486491630370816/customers", headers={"Authorization": "x"}
                ).status_code
                == 401
            )
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_command_line_rejects_a_bad_store_id() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "local")}
    command = [sys.executable, "-m", "paynow_emulator", "--store-id", "store-1"]
    result = run_captured(command, env=env, timeout=60)
    assert result.returncode == 2
    assert "store_id" in result.stderr


def test_an_encoded_slash_over_http_is_refused(http: httpx.Client, emu: PayNowEmulator) -> None:
    created = http.post(f"/v1/stores/{emu.store_id}/customers", json={"name": "raw"}).json()
    listed = http.get(f"/v1/stores/{emu.store_id}/customers/%2F")
    assert listed.status_code == 404
    minted = http.post(f"/v1/stores/{emu.store_id}/customers/{created['id']}%2Ftokens")
    assert minted.status_code == 404
    assert emu.inspect.active_tokens(created["id"]) == 0
    assert http.get("/_emulator/").status_code == 200
