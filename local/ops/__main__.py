"""`python -m ops`: deploy, secrets, smoke, events, openapi (with PYTHONPATH=local; see README "Deploy")."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from ops import deploy, events, secretstore, smoke, target
from ops.awsenv import LocalEnvironmentError

REPO = Path(__file__).resolve().parents[2]
USER_ERRORS = (
    LocalEnvironmentError,
    target.TargetError,
    secretstore.SecretError,
    deploy.DeployError,
    events.EventError,
)


def default_devstack() -> Path:
    """The state folder of the stack this shell sourced (env.sh sets DEVSTACK_ENV), else .devstack."""
    sourced = os.environ.get("DEVSTACK_ENV")
    return Path(sourced).parent if sourced else REPO / ".devstack"


def _target_options(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--stack", metavar="NAME", help="a deployed stack (CloudFormation stack name)")
    where.add_argument("--local", action="store_true", help="the local stack `make dev` runs")
    parser.add_argument(
        "--devstack",
        type=Path,
        default=default_devstack(),
        metavar="DIR",
        help="the local stack's state folder (default: the sourced env.sh's, else .devstack)",
    )
    parser.add_argument("--region", help="AWS region of the deployed stack (default: your AWS config)")
    parser.add_argument("--caller-key", help="trusted caller key (default: read from the caller-keys secret)")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ops", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    d = commands.add_parser("deploy", help="sam build + sam deploy (guided the first time)")
    d.add_argument("--config-env", default="default", help="samconfig.toml environment (default: default)")
    d.add_argument("--guided", action="store_true", help="ask for every parameter again")
    d.add_argument("--no-build", action="store_true", help="deploy the last `sam build` output")
    d.add_argument("--sam", default=str(REPO / ".tools" / "bin" / "sam"), help="SAM CLI executable")
    d.add_argument("--samconfig", type=Path, default=REPO / "samconfig.toml", help=argparse.SUPPRESS)
    d.add_argument("sam_args", nargs=argparse.REMAINDER, help="after --: more `sam deploy` options")

    s = commands.add_parser("secrets", help="create or rotate the PayNow API key or a caller key")
    kinds = s.add_subparsers(dest="kind", required=True)
    key = kinds.add_parser("paynow-key", help="store the PayNow API key (read from stdin or a prompt)")
    key.add_argument(
        "--name", help=f"secret name (default {secretstore.DEFAULT_API_KEY_NAME}; --local: the stack's)"
    )
    caller = kinds.add_parser("caller-key", help="a new random key for one trusted caller (printed once)")
    caller.add_argument(
        "--name", help=f"secret name (default {secretstore.DEFAULT_CALLERS_NAME}; --local: the stack's)"
    )
    caller.add_argument("--caller", default="backend", help="caller name (default: backend)")
    caller.add_argument("--remove", action="store_true", help="remove the caller instead")
    for sub in (key, caller):
        sub.add_argument("--local", action="store_true", help="write to the local stack (env.sh sourced)")
        sub.add_argument("--region", help="AWS region (default: your AWS config)")

    m = commands.add_parser("smoke", help="check a stack end to end; prints a pass/fail table")
    _target_options(m)
    m.add_argument("--caller", help="which caller's key to read from the secret (default: smoke, else first)")
    m.add_argument(
        "--minecraft-name", default="Notch", help="Java Edition account to sign up (default Notch)"
    )
    m.add_argument("--skip-minecraft", action="store_true", help="skip the Minecraft signup")
    m.add_argument("--import-timeout", type=float, default=180.0, help="seconds to wait for the report")

    o = commands.add_parser("openapi", help="regenerate openapi/http-api.json from the routes")
    o.add_argument("--check", action="store_true", help="only check it is current (exit 1 if stale)")

    e = commands.add_parser("events", help="render or invoke the sample events in events/")
    actions = e.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="the event files and the function each one is for")
    for name, helptext in (
        ("render", "print an event as it must be sent to the stack"),
        ("invoke", "invoke events on their functions and print the results"),
    ):
        sub = actions.add_parser(name, help=helptext)
        _target_options(sub)
        sub.add_argument("files", nargs="+" if name == "invoke" else 1, type=Path, metavar="FILE")
        sub.add_argument("--customer-id", help="replace the sample customer id in the token events")
    steam = actions.add_parser("steam", help="rewrite events/signup/signup_steam.json with a fresh assertion")
    steam.add_argument("--devstack", type=Path, default=default_devstack(), metavar="DIR")
    steam.add_argument("--steam-id", default=events.DEFAULT_STEAM_ID, help="SteamID64 that signs in")
    steam.add_argument("--output", type=Path, default=events.STEAM_EVENT, help="where to write the event")
    return parser.parse_args(argv)


def _target(args: argparse.Namespace) -> target.Target:
    if args.local:
        found = target.local(args.devstack)
        pid = int(found.extras.get("pid", 0))
        if pid and not _alive(pid):
            written = args.devstack / "outputs.json"
            raise target.TargetError(f"the local stack that wrote {written} is not running: start `make dev`")
        return found
    return target.deployed(args.stack, args.region)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _secrets(args: argparse.Namespace) -> int:
    import boto3

    secretstore.check_target(local=args.local, what="write secrets")
    if args.name is None:
        parameter, default = (
            ("PayNowApiKeySecretArn", secretstore.DEFAULT_API_KEY_NAME)
            if args.kind == "paynow-key"
            else ("CallerKeysSecretArn", secretstore.DEFAULT_CALLERS_NAME)
        )
        # The local stack's functions read secrets it named itself; outside it, the README's names.
        args.name = target.local(default_devstack()).parameters[parameter] if args.local else default
    client = boto3.client("secretsmanager", region_name=args.region)
    return secretstore.run(args, client)


def _events(args: argparse.Namespace) -> int:
    if args.action == "list":
        for path in events.files():
            print(f"{path.relative_to(REPO)}\t{events.function_output(path)}")
        return 0
    if args.action == "steam":
        local = target.local(args.devstack)
        written = events.write_steam_event(local, args.steam_id, args.output)
        print(f"wrote {written} (valid once, for 5 minutes)", file=sys.stderr)
        return 0
    stack = _target(args)
    failed = False
    for path in args.files:
        event = events.render(stack, path, caller_key=args.caller_key, customer_id=args.customer_id)
        if args.action == "render":
            print(json.dumps(event, indent=2))
            continue
        error, result = events.invoke(stack, path, event)
        failed |= error
        print(f"{path}: {'FUNCTION ERROR ' if error else ''}{json.dumps(result)}")
    return 1 if failed else 0


def _deploy(args: argparse.Namespace) -> int:
    extra = args.sam_args[1:] if args.sam_args[:1] == ["--"] else args.sam_args
    return deploy.run(
        args.sam,
        samconfig=args.samconfig,
        config_env=args.config_env,
        guided=args.guided,
        build=not args.no_build,
        extra=extra,
    )


def _smoke(args: argparse.Namespace) -> int:
    options = smoke.SmokeOptions(
        caller_key=args.caller_key,
        caller=args.caller,
        minecraft_name=args.minecraft_name,
        skip_minecraft=args.skip_minecraft,
        import_timeout_s=args.import_timeout,
    )
    return smoke.run(_target(args), options)


def _openapi(args: argparse.Namespace) -> int:
    # Imported here: it composes the layer's routes, so it alone needs layers/shared on the path.
    from ops import openapi

    return openapi.run(check=args.check)


COMMANDS = {"deploy": _deploy, "secrets": _secrets, "smoke": _smoke, "openapi": _openapi, "events": _events}


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except USER_ERRORS as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as exc:
        # No region, no credentials, access denied: what AWS said is what the operator must fix.
        print(f"{args.command}: AWS: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
