"""Command-line options map onto the emulator's configuration."""

from __future__ import annotations

import pytest
from paynow_emulator import RateLimit
from paynow_emulator.__main__ import build, parse_args


def test_defaults() -> None:
    emu = build(parse_args([]))
    assert emu.api_keys == ("pnapi_v1_test",)
    assert emu.faults.rate_limit is None
    assert emu.faults.latency_s == 0.0


def test_every_fault_option() -> None:
    args = parse_args(
        [
            *("--store-id", "411486491630370816", "--api-key", "a", "--api-key", "b"),
            *("--rate-limit", "5", "--burst", "9", "--no-retry-after", "--latency-ms", "250"),
            *("--error-rate", "0.1", "--drop-rate", "0.2", "--seed", "4", "--hang-s", "2"),
            *("--commit-then-fail", "timeout", "--commit-then-fail-rate", "0.5"),
            *("--minecraft-account", "bedrock:Steve:8667ba71b85a4004af54457a9734eed7"),
        ]
    )
    emu = build(args)
    assert emu.store_id == "411486491630370816"
    assert emu.api_keys == ("a", "b")
    faults = emu.faults
    assert faults.rate_limit == RateLimit(5.0, 9)
    assert faults.retry_after_header is False
    assert faults.latency_s == 0.25
    assert (faults.error_rate, faults.drop_rate, faults.seed) == (0.1, 0.2, 4)
    assert (faults.commit_then_fail, faults.commit_then_fail_rate, faults.hang_s) == ("timeout", 0.5, 2.0)
    assert [a.to_dict() for a in emu.minecraft_accounts()] == [
        {"name": "Steve", "uuid": "8667ba71-b85a-4004-af54-457a9734eed7", "platform": "bedrock"}
    ]


def test_burst_defaults_to_the_rate() -> None:
    assert build(parse_args(["--rate-limit", "3"])).faults.rate_limit == RateLimit(3.0, 3)


@pytest.mark.parametrize(
    "argv",
    [["--error-rate", "2"], ["--minecraft-account", "java:Notch:not-a-uuid"], ["--store-id", "x"]],
)
def test_nonsense_is_refused(argv: list[str]) -> None:
    with pytest.raises(ValueError):
        build(parse_args(argv))


def test_a_house_decision_is_switched_from_the_command_line() -> None:
    emu = build(parse_args(["--decision", "uniqueness_conflict=allow", "--decision", "bulk_atomic=false"]))
    assert emu.decisions.uniqueness_conflict == "allow"
    assert emu.decisions.bulk_atomic is False
    with pytest.raises(ValueError, match="unknown decision"):
        build(parse_args(["--decision", "nonsense=1"]))
