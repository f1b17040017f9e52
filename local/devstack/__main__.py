"""`python -m devstack` (what `make dev` runs): the whole stack on loopback, no Docker, no AWS.

Targets the PayNow emulator unless both PAYNOW_API_KEY and PAYNOW_STORE_ID are set in the
environment (then the real PayNow at PAYNOW_API_URL, default https://api.paynow.gg).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from devstack.logs import Console
from devstack.stack import DEFAULT_PORTS, DevStack, RealPayNow, StackError, StackOptions, summary

READY_LINE = "devstack ready"


def _default_template() -> Path:
    here = Path.cwd() / "template.yaml"
    if here.is_file():
        return here
    return Path(__file__).resolve().parents[2] / "template.yaml"


def _key_value(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def _minecraft(text: str) -> tuple[str, str, str]:
    parts = text.split(":", 2)
    if len(parts) != 3 or parts[0] not in ("java", "bedrock"):
        raise argparse.ArgumentTypeError(f"expected java|bedrock:NAME:UUID, got {text!r}")
    return parts[0], parts[1], parts[2]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("--template", type=Path, default=None, help="SAM template (default: ./template.yaml)")
    parser.add_argument(
        "--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)"
    )
    for name, port in DEFAULT_PORTS.items():
        parser.add_argument(
            f"--{name}-port",
            type=int,
            default=None,
            help=f"port for {name} (default {port}, or a free one if taken)",
        )
    parser.add_argument("--free-ports", action="store_true", help="pick free ports for everything (tests)")
    parser.add_argument(
        "--workdir", type=Path, default=None, help="state folder (default .devstack beside the template)"
    )
    parser.add_argument("--stack-name", default="paynow-local", help="stack name used in resource names")
    parser.add_argument(
        "--parameter",
        action="append",
        type=_key_value,
        default=[],
        metavar="NAME=VALUE",
        help="template parameter override (repeatable)",
    )
    parser.add_argument(
        "--caller-key", default=os.environ.get("DEVSTACK_CALLER_KEY"), help="dev caller key (default: random)"
    )
    parser.add_argument(
        "--minecraft-account",
        action="append",
        type=_minecraft,
        default=[],
        metavar="PLATFORM:NAME:UUID",
        help="extra Minecraft account known to the emulator (repeatable)",
    )
    parser.add_argument(
        "--timeout",
        action="append",
        type=_key_value,
        default=[],
        metavar="FUNCTION=SECONDS",
        help="run a function with another timeout than the template's (logical id; repeatable)",
    )
    parser.add_argument(
        "--max-concurrency", type=int, default=4, help="sandboxes per function without reserved concurrency"
    )
    parser.add_argument(
        "--no-prewarm", action="store_true", help="start sandboxes on first use instead of at start"
    )
    parser.add_argument(
        "--ready-file",
        type=Path,
        default=None,
        help="write the stack's URLs and keys here as JSON once ready",
    )
    parser.add_argument("--verbose", action="store_true", help="show the functions' log lines unabridged")
    return parser.parse_args(argv)


def options_from(args: argparse.Namespace) -> StackOptions:
    from devstack.stack import DEFAULT_MINECRAFT_ACCOUNTS

    ports: dict[str, int | None] = {}
    for name in DEFAULT_PORTS:
        value = getattr(args, f"{name}_port")
        ports[name] = 0 if args.free_ports and value is None else value
    return StackOptions(
        template=(args.template or _default_template()).resolve(),
        host=args.host,
        ports=ports,
        workdir=args.workdir,
        stack_name=args.stack_name,
        parameters=dict(args.parameter),
        caller_key=args.caller_key,
        real_paynow=RealPayNow.from_environment(os.environ),
        minecraft_accounts=DEFAULT_MINECRAFT_ACCOUNTS + tuple(args.minecraft_account),
        max_concurrency=args.max_concurrency,
        prewarm=not args.no_prewarm,
        verbose=args.verbose,
        timeouts={name: float(seconds) for name, seconds in args.timeout},
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console(verbose=args.verbose)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            os._exit(130)  # a second Ctrl-C: leave now
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        stack = DevStack(options_from(args), console)
        info = stack.start()
    except StackError as exc:
        print(f"devstack: {exc}", file=sys.stderr)
        return 2
    try:
        console.raw(summary(info))
        if args.ready_file is not None:
            partial = args.ready_file.with_name(args.ready_file.name + ".part")
            partial.write_text(json.dumps(info, indent=2), encoding="utf-8")
            partial.replace(args.ready_file)
        console.line(
            f"{READY_LINE} in {info['startup_s']:.2f} s: {info['api_url']} (page {info['page_url']})"
        )
        while not stop.wait(0.5):
            pass
        console.line("stopping ...")
    finally:
        stack.stop()
        if args.ready_file is not None:
            args.ready_file.unlink(missing_ok=True)
    console.line("devstack stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
