"""Create or rotate the stack's two secrets with boto3: the PayNow API key and the caller keys.

- ``paynow-key``: the store's PayNow API key, stored as the bare key (the form the functions read
  first). Read from stdin or a hidden prompt, never from the command line (shell history).
- ``caller-key``: a fresh random key for one trusted caller in ``{"callers": {"<name>": "<key>"}}``,
  keeping the other callers; printed once on stdout. ``--remove`` drops a caller.

Both refuse a loopback endpoint unless ``--local`` says the local stack is meant.
"""

from __future__ import annotations

import getpass
import json
import re
import secrets
import sys
from dataclasses import dataclass
from typing import Any, TextIO

from ops.awsenv import refuse_local, require_local

DEFAULT_API_KEY_NAME = "paynow/api-key"
DEFAULT_CALLERS_NAME = "paynow/callers"
CALLER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# What the authorizer accepts: 24-512 printable ASCII characters.
CALLER_KEY = re.compile(r"^[\x21-\x7e]{24,512}$")


class SecretError(RuntimeError):
    """A secret cannot be written as asked; the message says why."""


@dataclass(frozen=True)
class Written:
    arn: str
    created: bool


def check_target(*, local: bool, what: str) -> None:
    if local:
        require_local(what, ["secretsmanager"])
    else:
        refuse_local(what, hint="or pass --local to write to the local stack on purpose.")


def _current(client: Any, name: str) -> str | None:
    try:
        value: str = client.get_secret_value(SecretId=name)["SecretString"]
    except client.exceptions.ResourceNotFoundException:
        return None
    return value


def _write(client: Any, name: str, value: str, description: str) -> Written:
    try:
        arn: str = client.put_secret_value(SecretId=name, SecretString=value)["ARN"]
    except client.exceptions.ResourceNotFoundException:
        # No KmsKeyId: the aws/secretsmanager key, which the template's policies expect.
        arn = client.create_secret(Name=name, SecretString=value, Description=description)["ARN"]
        return Written(arn, created=True)
    return Written(arn, created=False)


def put_api_key(client: Any, name: str, api_key: str) -> Written:
    key = api_key.strip()
    if not key:
        raise SecretError("the PayNow API key is empty")
    if any(ch.isspace() or not ch.isprintable() for ch in key):
        raise SecretError("the PayNow API key contains spaces or control characters")
    return _write(client, name, key, "PayNow API key of the paynow-customers stack")


def _callers(text: str | None, name: str) -> dict[str, str]:
    if text is None:
        return {}
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        document = None
    callers = document.get("callers") if isinstance(document, dict) else None
    if not isinstance(callers, dict) or not all(isinstance(v, str) for v in callers.values()):
        raise SecretError(
            f'secret {name} does not hold {{"callers": {{"<name>": "<key>"}}}}; not overwriting it'
        )
    return dict(callers)


def put_caller_key(client: Any, name: str, caller: str, key: str | None = None) -> tuple[Written, str]:
    """Give ``caller`` a new key (random unless given), keeping every other caller's key."""
    if not CALLER_NAME.match(caller):
        raise SecretError(f"caller name {caller!r}: 1-64 letters, digits, '.', '_' or '-'")
    new_key = key if key is not None else secrets.token_urlsafe(32)
    if not CALLER_KEY.match(new_key):
        raise SecretError("a caller key is 24-512 printable characters without spaces")
    callers = _callers(_current(client, name), name)
    if new_key in {v for k, v in callers.items() if k != caller}:
        raise SecretError("that key already belongs to another caller")
    callers[caller] = new_key
    value = json.dumps({"callers": callers}, sort_keys=True)
    return _write(client, name, value, "Trusted callers of the paynow-customers stack"), new_key


def remove_caller(client: Any, name: str, caller: str) -> Written:
    callers = _callers(_current(client, name), name)
    if caller not in callers:
        raise SecretError(f"secret {name} has no caller {caller!r}")
    del callers[caller]
    return _write(client, name, json.dumps({"callers": callers}, sort_keys=True), "")


def read_api_key(stdin: TextIO) -> str:
    if stdin.isatty():
        return getpass.getpass("PayNow API key (input hidden): ")
    return stdin.readline()


def run(args: Any, client: Any, *, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    """The ``secrets`` subcommand; messages go to stderr, only a new caller key to stdout."""
    stdin, out = stdin or sys.stdin, out or sys.stdout
    if args.kind == "paynow-key":
        written = put_api_key(client, args.name, read_api_key(stdin))
        verb = "created" if written.created else "stored a new version of"
        print(f"{verb} secret {args.name}\nPayNowApiKeySecretArn={written.arn}", file=sys.stderr)
        return 0
    if args.remove:
        written = remove_caller(client, args.name, args.caller)
        print(f"removed caller {args.caller} from {args.name}", file=sys.stderr)
        return 0
    written, key = put_caller_key(client, args.name, args.caller)
    verb = "created" if written.created else "stored a new version of"
    print(
        f"{verb} secret {args.name} with a new key for caller {args.caller!r}"
        f" (printed once, below; send it as Authorization: Bearer <key>)\n"
        f"CallerKeysSecretArn={written.arn}",
        file=sys.stderr,
    )
    print(key, file=out)
    return 0
