"""50 simultaneous signups of one identity, each in its own "sandbox".

A sandbox here is a separately built signup service (its own PayNow client, boto3 clients and
Steam client) sharing the emulator and moto's DynamoDB, as 50 Lambda sandboxes share PayNow and
the state table. The Powertools resolver is left out on purpose: it keeps the current event in
class attributes (one invocation per process, as in Lambda), so threads cannot share a process
through it; the race being tested lives below it.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from aws_lambda_powertools.utilities import parameters
from customers.bootstrap import provisioning as provisioning_wiring
from customers.bootstrap import signup as signup_wiring
from customers.bootstrap.signup import build_signup_service
from customers.bootstrap.trusted import build_trusted_service
from customers.common.deadline import API_GATEWAY_BUDGET_SECONDS, Deadline
from customers.common.identity import SignupRequest
from customers.signup.settings import SignupSettings
from customers.trusted.service import ResolveRequest
from customers.trusted.settings import TrustedSettings
from paynow_emulator import Faults

from tests.support.api_stack import API_KEY_SECRET, ORIGIN, ApiStack

N = 50

# Real DynamoDB applies each conditional write atomically; moto's in-process backend checks the
# condition and writes in separate Python steps, so threads can interleave between them. One lock
# around every call gives moto DynamoDB's atomicity without changing what the code under test does.
_MOTO_ATOMICITY = threading.Lock()


class _AtomicClient:
    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            with _MOTO_ATOMICITY:
                return method(*args, **kwargs)

        return call


@pytest.fixture(autouse=True)
def _atomic_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    for wiring in (provisioning_wiring, signup_wiring):
        real = wiring.aws_client
        monkeypatch.setattr(wiring, "aws_client", lambda service, real=real: _AtomicClient(real(service)))


def _run_concurrently(api_stack: ApiStack, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    settings = SignupSettings.from_environment()
    sandboxes = [
        build_signup_service(
            settings,
            paynow_transport=api_stack.emulator.transport(),
            steam_transport=api_stack.steam.transport(),
        )
        for _ in bodies
    ]
    # Warm sandboxes: the API key is already in Powertools' parameter cache, as after a cold start.
    parameters.get_secret(API_KEY_SECRET)
    barrier = threading.Barrier(len(bodies))
    results: list[dict[str, Any]] = [{} for _ in bodies]

    def run(i: int) -> None:
        request = SignupRequest.model_validate(bodies[i])
        barrier.wait()
        try:
            response = sandboxes[i].signup(request, deadline=Deadline.after(API_GATEWAY_BUDGET_SECONDS))
            results[i] = response.model_dump(mode="json")
        except Exception as error:
            results[i] = {"error": repr(error)}

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.parametrize("kind", ["steam", "minecraft_java"])
def test_fifty_concurrent_signups_create_one_customer(api_stack: ApiStack, kind: str) -> None:
    # A little latency widens the window between lookup and create, where duplicates are born.
    api_stack.emulator.faults = Faults(latency_s=0.02)
    if kind == "steam":
        bodies = [
            {"steam": api_stack.steam.mint(f"{ORIGIN}/cb", steam_id="76561198012345678")} for _ in range(N)
        ]
    else:
        bodies = [{"minecraft": {"name": "Notch", "edition": "java"}} for _ in range(N)]

    results = _run_concurrently(api_stack, bodies)

    assert [r for r in results if "error" in r] == []
    assert api_stack.emulator.inspect.count() == 1
    assert {r["customer"]["id"] for r in results} == {api_stack.emulator.inspect.customers()[0]["id"]}
    assert sum(r["created"] for r in results) == 1
    assert len({r["token"] for r in results}) == N
    creates = [r for r in api_stack.paynow_calls() if r.operation == "create"]
    assert len(creates) == 1
    assert len(api_stack.published_events()) == 1


def test_fifty_concurrent_resolves_by_name_create_one_customer(api_stack: ApiStack) -> None:
    """PayNow does not keep names unique, so only the state-table lock prevents duplicates here."""
    api_stack.emulator.faults = Faults(latency_s=0.02)
    settings = TrustedSettings.from_environment()
    sandboxes = [
        build_trusted_service(settings, paynow_transport=api_stack.emulator.transport()) for _ in range(N)
    ]
    parameters.get_secret(API_KEY_SECRET)
    request = ResolveRequest.model_validate({"identifier": {"name": "Shared Name"}})
    barrier = threading.Barrier(N)
    ids: list[str] = []

    def run(i: int) -> None:
        barrier.wait()
        ids.append(sandboxes[i].resolve(request, deadline=Deadline.after(20)).customer.id)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(ids) == N
    assert api_stack.emulator.inspect.count() == 1
    assert set(ids) == {api_stack.emulator.inspect.customers()[0]["id"]}
