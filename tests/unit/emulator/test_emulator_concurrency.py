"""Many threads on one emulator: uniqueness holds, ids stay unique, the rate limit stays exact."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from paynow_emulator import Faults, PayNowEmulator, RateLimit

from tests.support.emulator_clients import STEAM_A, make_client


def _pool_run(emu: PayNowEmulator, bodies: list[dict[str, object]]) -> list[httpx.Response]:
    with make_client(emu, "transport") as http, ThreadPoolExecutor(max_workers=50) as pool:
        path = f"/v1/stores/{emu.store_id}/customers"
        return list(pool.map(lambda body: http.post(path, json=body), bodies))


def test_fifty_threads_racing_for_one_steam_id_make_one_customer() -> None:
    emu = PayNowEmulator()
    responses = _pool_run(emu, [{"steam_id": STEAM_A} for _ in range(50)])
    assert sorted(r.status_code for r in responses) == [200] + [409] * 49
    assert emu.inspect.count() == 1


def test_fifty_threads_creating_distinct_customers_get_unique_ids() -> None:
    emu = PayNowEmulator()
    responses = _pool_run(emu, [{"name": f"c{i}"} for i in range(200)])
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 200
    assert emu.inspect.count() == 200
    assert len(emu.inspect.requests) == 200


def test_rate_limit_under_threads_admits_exactly_the_burst() -> None:
    emu = PayNowEmulator(faults=Faults(rate_limit=RateLimit(0.001, 10)))
    responses = _pool_run(emu, [{} for _ in range(60)])
    assert sorted(r.status_code for r in responses) == [200] * 10 + [429] * 50
