"""Each house decision's alternative really changes the emulator, and only its own probe notices."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from paynow.client import DEFAULT_BASE_URL, PayNowClient
from paynow_emulator import HouseDecisions, PayNowEmulator
from paynow_probe.probes import Target, run_probes

ALTERNATIVES: list[tuple[str, Any]] = [
    ("uniqueness_conflict", "allow"),
    ("bulk_atomic", False),
    ("bulk_max", 201),
    ("patch_absent", "clear"),
    ("patch_null", "ignored"),
    ("patch_metadata", "merge"),
    ("unknown_fields", "ignore"),
    ("non_json_body", 400),
    ("rate_limit_headers", "x-ratelimit"),
]


def _probe(decisions: HouseDecisions) -> dict[str, bool]:
    emu = PayNowEmulator(decisions=decisions)
    transport = emu.transport()
    client = PayNowClient(emu.store_id, emu.api_key, transport=transport)
    http = httpx.Client(
        base_url=DEFAULT_BASE_URL, transport=transport, headers={"Authorization": f"APIKey {emu.api_key}"}
    )
    with client, http:
        results = run_probes(Target(client, http, emu.store_id, "unit"), HouseDecisions())
    verdicts: dict[str, bool] = {}
    for result in results:
        verdicts[result.decision] = verdicts.get(result.decision, True) and result.agrees
    return verdicts


def test_the_default_decisions_agree_with_every_probe() -> None:
    assert all(_probe(HouseDecisions()).values())


@pytest.mark.parametrize(("name", "value"), ALTERNATIVES)
def test_switching_one_decision_is_seen_by_its_probe_alone(name: str, value: Any) -> None:
    verdicts = _probe(HouseDecisions().with_values({name: value}))
    assert [decision for decision, agrees in verdicts.items() if not agrees] == [name]


def test_decisions_refuse_unknown_names_and_values() -> None:
    with pytest.raises(ValueError, match="unknown decisions"):
        HouseDecisions().with_values({"uniqueness": "allow"})
    with pytest.raises(ValueError, match="uniqueness_conflict must be one of"):
        HouseDecisions(uniqueness_conflict="maybe")
    with pytest.raises(ValueError, match="bulk_atomic must be one of"):
        HouseDecisions().with_values({"bulk_atomic": "false"})
    assert HouseDecisions().with_assignment("bulk_atomic=false").bulk_atomic is False
    assert HouseDecisions().with_assignment("non_json_body=400").non_json_body == 400
    with pytest.raises(ValueError, match="NAME=VALUE"):
        HouseDecisions().with_assignment("bulk_atomic")


def test_decisions_are_switched_over_the_inspection_api(emu: PayNowEmulator) -> None:
    with httpx.Client(transport=emu.transport(), base_url=DEFAULT_BASE_URL) as http:
        switched = http.patch("/_emulator/decisions", json={"patch_metadata": "merge"})
        assert switched.status_code == 200
        assert switched.json()["patch_metadata"] == "merge"
        assert emu.decisions.patch_metadata == "merge"
        assert http.patch("/_emulator/decisions", json={"patch_metadata": "mix"}).status_code == 400
        assert http.delete("/_emulator/decisions").status_code == 204
        assert emu.decisions == HouseDecisions()
