"""50 browsers signing up the same Steam account at once, over real HTTP, yield one PayNow customer."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor

from devstack_e2e import Stack

SIGNUPS = 50


def test_concurrent_signups_of_one_identity_create_one_customer(stack: Stack) -> None:
    steam_id = "76561197960455555"
    # Each browser holds its own single-use assertion for the same Steam account.
    assertions = [stack.steam_assertion(steam_id) for _ in range(SIGNUPS)]

    def sign_up(assertion: dict[str, str]) -> tuple[int, dict[str, object]]:
        # The signup route's own throttle and reserved concurrency turn part of a 50-request burst
        # away with 429 before the function runs; a browser tries again, as the page would.
        for _ in range(30):
            response = stack.api("POST", "/signup", body={"steam": assertion})
            if response.status_code != 429:
                break
            time.sleep(random.uniform(0.2, 1.0))
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=SIGNUPS) as pool:
        results = list(pool.map(sign_up, assertions))

    assert [status for status, _ in results] == [200] * SIGNUPS, results
    customer_ids = {body["customer"]["id"] for _, body in results}  # type: ignore[index]
    assert len(customer_ids) == 1
    assert sum(1 for _, body in results if body["created"] is True) == 1

    matching = [
        c for c in stack.emulator("/_emulator/customers")["customers"] if c.get("steam_id") == steam_id
    ]
    assert len(matching) == 1
    creates = [
        r
        for r in stack.paynow_requests()
        if r["operation"] == "create" and (r.get("body") or {}).get("steam_id") == steam_id
    ]
    assert len(creates) == 1
