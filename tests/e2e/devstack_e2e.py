"""Clients for a running local stack: its HTTP API, the emulator's surfaces, Steam sign-in, moto."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

import boto3
import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 180
T = TypeVar("T")


def stack_environment() -> dict[str, str]:
    """`make dev`'s environment, minus anything that would point the stack at a real PayNow or AWS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAYNOW_", "AWS_", "DEVSTACK_"))}
    env["PYTHONPATH"] = "local"
    return env


def start_stack(workdir: Path, *extra: str) -> tuple[subprocess.Popen[bytes], Path, Path]:
    ready = workdir / "ready.json"
    log = workdir / "devstack.log"
    command = [
        sys.executable,
        "-m",
        "devstack",
        "--free-ports",
        "--workdir",
        str(workdir),
        "--ready-file",
        str(ready),
        *extra,
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=REPO, env=stack_environment(), stdout=out, stderr=subprocess.STDOUT
        )
    return process, ready, log


def wait_ready(process: subprocess.Popen[bytes], ready: Path, log: Path) -> dict[str, Any]:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not ready.exists():
        if process.poll() is not None:
            pytest.fail(f"devstack exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"devstack not ready after {STARTUP_TIMEOUT_S} s:\n{log.read_text()[-4000:]}")
        time.sleep(0.1)
    info: dict[str, Any] = json.loads(ready.read_text())
    return info


def stop_stack(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            return process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()
    return process.returncode


def wait_for(probe: Callable[[], T | None], timeout_s: float = 60, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@dataclass
class Stack:
    info: dict[str, Any]
    workdir: Path
    log: Path

    @property
    def api_url(self) -> str:
        return str(self.info["api_url"])

    @property
    def page_url(self) -> str:
        return str(self.info["page_url"])

    @property
    def page_origin(self) -> str:
        return self.page_url.rstrip("/")

    @property
    def caller_key(self) -> str:
        return str(self.info["caller_key"])

    def http(self) -> httpx.Client:
        return httpx.Client(timeout=60, trust_env=False)

    def api(
        self, method: str, path: str, *, body: Any = None, key: str | None = None, **headers: str
    ) -> httpx.Response:
        sent = {k.replace("_", "-"): v for k, v in headers.items()}
        if key is not None:
            sent["authorization"] = f"Bearer {key}"
        with self.http() as client:
            return client.request(method, self.api_url + path, json=body, headers=sent)

    def steam_assertion(self, steam_id: str) -> dict[str, str]:
        """Sign in at the Steam stand-in the way a browser does and return the assertion it sends back."""
        return_to = self.page_origin + "/"
        query = {
            "openid.ns": "http://specs.openid.net/auth/2.0",
            "openid.mode": "checkid_setup",
            "openid.return_to": return_to,
            "openid.realm": return_to,
            "openid.identity": "http://specs.openid.net/auth/2.0/identifier_select",
            "openid.claimed_id": "http://specs.openid.net/auth/2.0/identifier_select",
            "steamid": steam_id,
        }
        with self.http() as client:
            response = client.get(self.info["steam_openid_url"], params=query)
        assert response.status_code == 302, response.text
        location = response.headers["location"]
        assert location.startswith(return_to)
        return {k: v for k, v in parse_qsl(urlsplit(location).query) if k.startswith("openid.")}

    # -- the emulator ----------------------------------------------------------------------------
    def emulator(self, path: str) -> Any:
        with self.http() as client:
            response = client.get(self.info["emulator_url"] + path)
        response.raise_for_status()
        return response.json()

    def storefront_status(self, token: str) -> tuple[int, dict[str, Any] | None]:
        """What PayNow's storefront says about a customer token: 200 and the customer, or 401."""
        with self.http() as client:
            response = client.get(
                self.info["emulator_url"] + "/v1/store/customer",
                headers={"authorization": f"Customer {token}", "x-paynow-store-id": self.info["store_id"]},
            )
        return response.status_code, (response.json() if response.status_code == 200 else None)

    def paynow_requests(self) -> list[dict[str, Any]]:
        requests: list[dict[str, Any]] = self.emulator("/_emulator/requests")
        return requests

    # -- AWS (moto) and the local Lambda endpoint --------------------------------------------------
    def aws(self, service: str) -> Any:
        endpoint = self.info["lambda_url"] if service == "lambda" else self.info["moto_url"]
        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=endpoint,
            region_name=self.info["region"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def invoke(self, function: str, payload: Any) -> tuple[dict[str, Any], Any]:
        response = self.aws("lambda").invoke(
            FunctionName=self.info["functions"][function], Payload=json.dumps(payload).encode()
        )
        return response, json.loads(response["Payload"].read())

    def events(self) -> list[dict[str, Any]]:
        path = Path(self.info["event_log"])
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def events_text(self) -> str:
        path = Path(self.info["event_log"])
        return path.read_text() if path.exists() else ""

    def wait_summary(self, key_under_reports: str, timeout_s: float = 120) -> dict[str, Any]:
        """The final summary.json of an import, read from the bucket."""
        s3 = self.aws("s3")
        prefix = self.info["reports_prefix"] + key_under_reports + "/"

        def probe() -> dict[str, Any] | None:
            for item in s3.list_objects_v2(Bucket=self.info["bucket"], Prefix=prefix).get("Contents", []):
                if item["Key"].endswith("/summary.json"):
                    summary: dict[str, Any] = json.loads(
                        s3.get_object(Bucket=self.info["bucket"], Key=item["Key"])["Body"].read()
                    )
                    if summary.get("status") != "running":
                        return summary
            return None

        return wait_for(probe, timeout_s, f"the import report under {prefix}")
