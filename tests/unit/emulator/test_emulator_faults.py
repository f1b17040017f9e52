"""Fault injection through both the httpx transport and the ASGI app."""

from __future__ import annotations

import types
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import paynow_emulator.asgi as asgi_module
import paynow_emulator.transport as transport_module
import pytest
from paynow_emulator import Faults, PayNowEmulator, RateLimit

from tests.support.emulator_clients import STEAM_A, Api, make_client


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_latency_is_waited_by_both_adapters(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []

    async def async_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(transport_module, "time", types.SimpleNamespace(sleep=waits.append))
    monkeypatch.setattr(asgi_module, "asyncio", types.SimpleNamespace(sleep=async_sleep))
    api.emu.faults.latency_s = 0.25

    assert api.http.get(api.customers).status_code == 200
    assert waits == [0.25]


@pytest.mark.parametrize("kind", ["transport", "asgi"])
@pytest.mark.parametrize("header", [True, False])
def test_token_bucket_answers_429_with_or_without_retry_after(kind: str, header: bool) -> None:
    clock = FakeClock()
    emu = PayNowEmulator(faults=Faults(rate_limit=RateLimit(0.5, 2), retry_after_header=header), clock=clock)
    with make_client(emu, kind) as http:
        path = f"/v1/stores/{emu.store_id}/customers"
        assert [http.get(path).status_code for _ in range(2)] == [200, 200]

        limited = http.get(path)

        assert limited.status_code == 429
        assert limited.json()["code"] == "too-many-requests"
        assert limited.headers.get("retry-after") == ("2" if header else None)
        clock.now += 2.0
        assert http.get(path).status_code == 200
        assert http.get(path).status_code == 429


def test_retry_after_can_be_an_http_date(emu: PayNowEmulator) -> None:
    emu.faults = Faults(rate_limit=RateLimit(0.01, 1), retry_after_http_date=True)
    path = f"/v1/stores/{emu.store_id}/customers"
    headers = {"Authorization": f"APIKey {emu.api_key}"}
    emu.dispatch("GET", path, headers=headers)

    outcome = emu.dispatch("GET", path, headers=headers)

    assert outcome.response is not None
    retry_after = dict(outcome.response.headers)["retry-after"]
    moment = parsedate_to_datetime(retry_after)
    assert retry_after.endswith(" GMT")
    assert moment > datetime.now(UTC) + timedelta(seconds=60)


def test_rate_limit_buckets_are_per_key() -> None:
    clock = FakeClock()
    emu = PayNowEmulator(api_keys=("k1", "k2"), faults=Faults(rate_limit=RateLimit(1, 1)), clock=clock)
    path = f"/v1/stores/{emu.store_id}/customers"

    def status(key: str) -> int:
        outcome = emu.dispatch("GET", path, headers={"Authorization": f"APIKey {key}"})
        assert outcome.response is not None
        return outcome.response.status

    assert [status("k1"), status("k1"), status("k2"), status("k2")] == [200, 429, 200, 429]


def test_rate_limited_writes_are_not_applied(api: Api) -> None:
    api.emu.faults.rate_limit = RateLimit(0.001, 1)
    api.create(name="first")
    assert api.http.post(api.customers, json={"name": "second"}).status_code == 429
    assert api.emu.inspect.count() == 1


def test_error_rate_is_a_seeded_fraction() -> None:
    def statuses(seed: int) -> list[int]:
        emu = PayNowEmulator(faults=Faults(error_rate=0.3, seed=seed))
        path = f"/v1/stores/{emu.store_id}/customers"
        results = []
        for _ in range(400):
            outcome = emu.dispatch("GET", path, headers={"Authorization": f"APIKey {emu.api_key}"})
            assert outcome.response is not None
            results.append(outcome.response.status)
        return results

    first = statuses(7)
    assert first == statuses(7)
    assert first != statuses(8)
    assert set(first) == {200, 500}
    assert 0.2 < first.count(500) / len(first) < 0.4


def test_error_count_fails_the_next_requests_without_applying_them(api: Api) -> None:
    api.emu.faults.error_count = 2
    api.emu.faults.error_status = 503

    first = api.http.post(api.customers, json={"name": "a"})
    second = api.http.post(api.customers, json={"name": "a"})

    assert (first.status_code, second.status_code) == (503, 503)
    assert first.json()["status"] == 503
    assert api.emu.inspect.count() == 0
    assert api.http.post(api.customers, json={"name": "a"}).status_code == 200
    assert api.emu.faults.error_count == 0


def test_dropped_connection_raises_and_applies_nothing(api: Api) -> None:
    api.emu.faults.drop_count = 1
    with pytest.raises(httpx.RemoteProtocolError):
        api.http.post(api.customers, json={"steam_id": STEAM_A})
    assert api.emu.inspect.count() == 0
    assert api.emu.inspect.requests[-1].outcome == "drop"
    assert api.http.post(api.customers, json={"steam_id": STEAM_A}).status_code == 200


def test_commit_then_500_applies_the_write(api: Api) -> None:
    api.emu.faults = Faults(commit_then_fail="500", commit_then_fail_count=1)

    response = api.http.post(api.customers, json={"steam_id": STEAM_A})

    assert response.status_code == 500
    assert api.emu.inspect.count() == 1
    assert api.lookup(steam_id=STEAM_A).status_code == 200
    assert api.http.post(api.customers, json={"steam_id": STEAM_A}).status_code == 409


def test_commit_then_timeout_applies_the_write(api: Api) -> None:
    api.emu.faults = Faults(commit_then_fail="timeout", commit_then_fail_count=1, hang_s=0.0)

    with pytest.raises(httpx.ReadTimeout):
        api.http.post(f"{api.customers}/bulk", json=[{"name": "a"}, {"name": "b"}])

    assert api.emu.inspect.count() == 2
    assert api.emu.inspect.requests[-1].outcome == "timeout"


def test_commit_then_fail_hits_every_write_kind_but_no_read(api: Api) -> None:
    customer = api.create(name="a")
    api.emu.faults = Faults(commit_then_fail="500")

    assert api.http.get(api.customer(customer["id"])).status_code == 200
    assert api.lookup(name="a").status_code == 200
    assert api.http.get(api.customers).status_code == 200
    assert api.http.patch(api.customer(customer["id"]), json={"name": "b"}).status_code == 500
    assert api.http.post(api.tokens(customer["id"])).status_code == 500
    assert api.http.delete(api.tokens(customer["id"])).status_code == 500
    assert api.emu.inspect.customer(customer["id"])["name"] == "b"  # type: ignore[index]
    assert api.emu.inspect.active_tokens(customer["id"]) == 0


def test_commit_then_fail_spares_failed_writes(api: Api) -> None:
    api.emu.faults = Faults(commit_then_fail="500", commit_then_fail_count=1)
    assert api.http.post(api.customers, json={"name": ""}).status_code == 400
    assert api.emu.faults.commit_then_fail_count == 1


def test_operations_limit_where_faults_land(api: Api) -> None:
    api.emu.faults = Faults(error_count=1, operations=frozenset({"lookup"}))
    api.create(name="a")
    assert api.lookup(name="a").status_code == 500
    assert api.lookup(name="a").status_code == 200


def test_faults_never_touch_the_inspection_surface(api: Api) -> None:
    api.emu.faults = Faults(error_rate=1.0, drop_rate=0.0)
    assert api.http.get("/_emulator/health").status_code == 200
    assert api.http.get(api.customers).status_code == 500


def test_reseeding_restarts_the_sequence(emu: PayNowEmulator) -> None:
    path = f"/v1/stores/{emu.store_id}/customers"
    headers = {"Authorization": f"APIKey {emu.api_key}"}

    def run() -> list[str]:
        return [emu.dispatch("GET", path, headers=headers).action.value for _ in range(30)]

    emu.faults = Faults(drop_rate=0.5, seed=3)
    first = run()
    emu.faults = Faults(drop_rate=0.5, seed=3)
    assert run() == first
    emu.faults.seed = 4
    assert run() != first


@pytest.mark.parametrize(
    "kwargs",
    [
        {"error_rate": 1.5},
        {"drop_rate": -0.1},
        {"latency_s": -1},
        {"error_status": 404},
        {"commit_then_fail": "503"},
        {"rate_limit": RateLimit(0, 1)},
        {"operations": frozenset({"delete_everything"})},
        {"commit_then_fail_count": -1},
    ],
)
def test_nonsense_faults_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs)).split("_")[0]):
        Faults(**kwargs)


def test_faults_round_trip_through_json_shapes() -> None:
    faults = Faults(rate_limit=RateLimit(2, 5), operations=frozenset({"create"}), commit_then_fail="timeout")
    assert Faults.from_dict(faults.to_dict()) == faults
    assert Faults.from_dict({"rate_limit": [1, 2]}).rate_limit == RateLimit(1.0, 2)
    with pytest.raises(ValueError, match="unknown fault fields"):
        Faults.from_dict({"chaos": True})
    with pytest.raises(ValueError, match="invalid faults"):
        Faults.from_dict({"rate_limit": {"per_second": 1}})
