"""``python -m paynow_emulator``: a standalone PayNow Customers emulator on a local port."""

from __future__ import annotations

import argparse
import socket
import sys
from collections.abc import Sequence

import uvicorn

from paynow_emulator.core import PayNowEmulator
from paynow_emulator.decisions import HouseDecisions
from paynow_emulator.faults import Faults, RateLimit
from paynow_emulator.inspection import banner_lines
from paynow_emulator.server import config


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m paynow_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8787, help="port to listen on (default 8787; 0 = any free)"
    )
    parser.add_argument("--store-id", default=None, help="the store's flake id (default: a fresh one)")
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        default=None,
        help="an accepted API key; repeat for several (default pnapi_v1_test)",
    )
    parser.add_argument("--rate-limit", type=float, default=None, help="requests per second per key")
    parser.add_argument("--burst", type=int, default=None, help="token-bucket capacity (default: rate)")
    parser.add_argument("--no-retry-after", action="store_true", help="answer 429 without Retry-After")
    parser.add_argument(
        "--retry-after-http-date", action="store_true", help="send Retry-After as an HTTP date, not seconds"
    )
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added latency per request")
    parser.add_argument("--error-rate", type=float, default=0.0, help="fraction of requests answered 500")
    parser.add_argument("--drop-rate", type=float, default=0.0, help="fraction of connections dropped")
    parser.add_argument(
        "--commit-then-fail",
        choices=["500", "timeout"],
        default=None,
        help="apply writes, then answer 500 or never answer",
    )
    parser.add_argument(
        "--commit-then-fail-rate", type=float, default=1.0, help="fraction of writes hit (default 1.0)"
    )
    parser.add_argument("--hang-s", type=float, default=30.0, help="how long a 'timeout' hangs (default 30)")
    parser.add_argument("--seed", type=int, default=None, help="seed for the fault dice")
    parser.add_argument(
        "--minecraft-account",
        action="append",
        default=[],
        metavar="PLATFORM:NAME:UUID",
        help="a Minecraft account that exists, e.g. java:Notch:069a79f4-44e9-4726-a5be-fca90e38aaf5",
    )
    parser.add_argument(
        "--decision",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="switch a house decision, e.g. uniqueness_conflict=allow (see paynow_emulator.decisions)",
    )
    parser.add_argument("--log-level", default="info")
    return parser.parse_args(argv)


def build(args: argparse.Namespace) -> PayNowEmulator:
    rate_limit = None
    if args.rate_limit is not None:
        burst = args.burst if args.burst is not None else max(1, round(args.rate_limit))
        rate_limit = RateLimit(args.rate_limit, burst)
    faults = Faults(
        latency_s=args.latency_ms / 1000,
        rate_limit=rate_limit,
        retry_after_header=not args.no_retry_after,
        retry_after_http_date=args.retry_after_http_date,
        commit_then_fail=args.commit_then_fail,
        commit_then_fail_rate=args.commit_then_fail_rate,
        hang_s=args.hang_s,
        error_rate=args.error_rate,
        drop_rate=args.drop_rate,
        seed=args.seed,
    )
    decisions = HouseDecisions()
    for assignment in args.decision:
        decisions = decisions.with_assignment(assignment)
    emulator = PayNowEmulator(
        store_id=args.store_id,
        api_keys=tuple(args.api_keys or ("pnapi_v1_test",)),
        faults=faults,
        decisions=decisions,
    )
    for spec in args.minecraft_account:
        parts = spec.split(":", 2)
        if len(parts) != 3:
            raise ValueError(f"--minecraft-account wants PLATFORM:NAME:UUID, got {spec!r}")
        platform, name, uuid = parts
        emulator.add_minecraft_account(name, uuid, platform)
    return emulator


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        emulator = build(args)
    except ValueError as exc:
        print(f"paynow_emulator: {exc}", file=sys.stderr)
        return 2
    server = _AnnouncingServer(config(emulator, host=args.host, port=args.port, log_level=args.log_level))
    server.emulator = emulator
    server.run()
    return 0


class _AnnouncingServer(uvicorn.Server):
    """Prints where it listens once the socket is bound, so a launcher can wait for that line."""

    emulator: PayNowEmulator

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.started:
            return
        host, port = self.servers[0].sockets[0].getsockname()[:2]
        base_url = f"http://{host}:{port}"
        print(
            f"PayNow emulator listening on {base_url} store_id={self.emulator.store_id} "
            f"keys={len(self.emulator.api_keys)} (inspect: {base_url}/_emulator/)",
            flush=True,
        )
        for line in banner_lines(base_url):
            print(f"  {line}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
