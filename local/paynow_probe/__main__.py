"""``python -m paynow_probe``: check the emulator's house decisions against a PayNow API.

Without a key and store id it probes an emulator it starts in-process (every probe should agree).
With ``--api-key`` and ``--store-id`` (or PAYNOW_PROBE_API_KEY / PAYNOW_PROBE_STORE_ID) it probes
that store, after the operator confirms: PayNow has no customer delete, so the probe's test
customers stay in the store (marked ``paynow-probe-<run id>`` in their name and metadata).
Exit status: 0 all agree, 1 at least one disagreement, 2 usage error or refused confirmation.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TextIO

import httpx
from paynow.client import DEFAULT_BASE_URL, PayNowClient
from paynow.retry import RetryPolicy
from paynow_emulator import PayNowEmulator
from paynow_emulator.decisions import HouseDecisions

from paynow_probe.probes import ProbeResult, Target, run_probes

CONFIRM_WORD = "create"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m paynow_probe", description=__doc__.split("\n\n")[0])
    env = os.environ
    parser.add_argument("--api-key", default=env.get("PAYNOW_PROBE_API_KEY"), help="a real store's API key")
    parser.add_argument("--store-id", default=env.get("PAYNOW_PROBE_STORE_ID"), help="that store's id")
    parser.add_argument(
        "--api-url", default=env.get("PAYNOW_PROBE_API_URL") or DEFAULT_BASE_URL, help="the API's base URL"
    )
    parser.add_argument(
        "--yes-create-test-customers",
        action="store_true",
        help="confirm without a prompt that test customers may be created in the store",
    )
    parser.add_argument(
        "--emulator-decision",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="(self-started emulator only) switch one of its house decisions",
    )
    parser.add_argument("--run-id", default=None, help="the marker's run id (default: UTC time + random)")
    return parser.parse_args(argv)


def _run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + os.urandom(2).hex()


def render(results: list[ProbeResult]) -> str:
    headers = ("probe", "decision", "emulator", "API observed", "API answered", "verdict")
    rows = [
        (r.probe, r.decision, r.expected, r.observed, r.answer, "agrees" if r.agrees else "DISAGREES")
        for r in results
    ]
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    rule = "  ".join("-" * width for width in widths)
    head = "  ".join(cell.ljust(width) for cell, width in zip(headers, widths, strict=True)).rstrip()
    return "\n".join([head, rule, *lines])


def _confirm(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> bool:
    out.write(
        f"paynow_probe: about to probe the REAL store {args.store_id} at {args.api_url}.\n"
        "  PayNow has no customer delete: every customer this creates stays in the store.\n"
        "  3 to 7 test customers are created (201 more if the store accepts a bulk of 201),\n"
        f"  named and tagged paynow-probe-{args.run_id}\n"
        "  (metadata paynow_probe=<run id>; Steam ids far above any issued account).\n"
    )
    if args.yes_create_test_customers:
        out.write("  confirmed by --yes-create-test-customers\n")
        return True
    if not stdin.isatty():
        out.write("  not confirmed: pass --yes-create-test-customers or run in a terminal\n")
        return False
    out.write(f"  type '{CONFIRM_WORD}' to go on: ")
    out.flush()
    return stdin.readline().strip() == CONFIRM_WORD


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout, stdin: TextIO = sys.stdin) -> int:
    args = parse_args(argv)
    args.run_id = args.run_id or _run_id()
    expected = HouseDecisions()
    real = args.api_key is not None or args.store_id is not None
    if real:
        if not args.api_key or not args.store_id:
            out.write("paynow_probe: a real store needs both --api-key and --store-id\n")
            return 2
        if args.emulator_decision:
            out.write("paynow_probe: --emulator-decision only applies to the self-started emulator\n")
            return 2
        if not _confirm(args, out, stdin):
            return 2
        base_url, api_key, store_id = args.api_url, args.api_key, args.store_id
        transport: httpx.BaseTransport | None = None
    else:
        try:
            decisions = HouseDecisions()
            for assignment in args.emulator_decision:
                decisions = decisions.with_assignment(assignment)
        except ValueError as exc:
            out.write(f"paynow_probe: {exc}\n")
            return 2
        emulator = PayNowEmulator(decisions=decisions)
        base_url, api_key, store_id = DEFAULT_BASE_URL, emulator.api_key, emulator.store_id
        transport = emulator.transport()
        out.write(f"paynow_probe: probing an in-process emulator (decisions {decisions.to_dict()})\n")
    try:
        client = PayNowClient(
            store_id, api_key, base_url=base_url, transport=transport, retry=RetryPolicy(max_attempts=3)
        )
    except ValueError as exc:
        out.write(f"paynow_probe: {exc}\n")
        return 2
    http = httpx.Client(
        base_url=base_url,
        transport=transport,
        headers={"Authorization": f"APIKey {api_key}"},
        timeout=httpx.Timeout(30.0),
    )
    with client, http:
        results = run_probes(Target(client, http, store_id, args.run_id), expected)
    out.write(render(results) + "\n")
    disagreements = [r for r in results if not r.agrees]
    out.write(f"\n{len(results)} probes, {len(disagreements)} disagree (run id {args.run_id})\n")
    for result in disagreements:
        out.write(
            f"  {result.decision}: the emulator decides {result.expected!r}, the API showed "
            f"{result.observed!r} -> see local/paynow_emulator/decisions.py for how to change it\n"
        )
    return 1 if disagreements else 0


if __name__ == "__main__":
    raise SystemExit(main())
