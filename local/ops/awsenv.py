"""Where this shell's AWS calls would really go, and a refusal when that is the local stack.

A shell that sourced ``.devstack/env.sh`` sends every AWS SDK and CLI call to moto. Commands that
must reach the real account (deploy, secrets) ask botocore itself where each service's endpoint
resolves (environment, profile, ``services`` sections) instead of guessing from a few variables.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import botocore.exceptions

# Set by .devstack/env.sh; cleared by devstack_deactivate.
DEVSTACK_MARKER = "DEVSTACK_ENV"
DEPLOY_SERVICES = ("cloudformation", "s3", "sts", "iam", "lambda", "secretsmanager")


class LocalEnvironmentError(RuntimeError):
    """The environment points AWS calls somewhere this command must not (or must) write to."""


def is_loopback_url(url: str) -> bool:
    """True for http(s) URLs on this machine: localhost, 127.0.0.0/8, ::1, 0.0.0.0."""
    host = (urlsplit(url if "://" in url else "//" + url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def resolved_endpoints(services: Iterable[str], region: str | None = None) -> dict[str, str | None]:
    """Service -> the endpoint URL botocore would use from this process's environment and config.

    ``None`` means AWS's own endpoint. Raises ``LocalEnvironmentError`` when the configured profile
    does not exist (botocore would fail the same way on the first call).
    """
    try:
        session = boto3.Session(region_name=region)
        # An endpoint is resolved per region; any region shows whether a custom endpoint is configured.
        name = session.region_name or "us-east-1"
        clients = {s: session.client(s, region_name=name) for s in services}  # type: ignore[call-overload]
    except botocore.exceptions.ProfileNotFound as exc:
        raise LocalEnvironmentError(str(exc)) from exc
    return {s: _custom(c.meta.endpoint_url) for s, c in clients.items()}


def _custom(endpoint: str) -> str | None:
    host = (urlsplit(endpoint).hostname or "").lower()
    return None if host.endswith((".amazonaws.com", ".amazonaws.com.cn", ".api.aws")) else endpoint


def local_reasons(services: Iterable[str] = DEPLOY_SERVICES) -> list[str]:
    """Why this process's environment reaches the local stack instead of AWS (empty: it does not)."""
    env = os.environ
    reasons = []
    if env.get(DEVSTACK_MARKER):
        reasons.append(f"this shell sourced the local stack's environment ({env[DEVSTACK_MARKER]})")
    for variable in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        path = env.get(variable)
        if path and ".devstack" in Path(path).parts:
            reasons.append(f"{variable}={path} is the local stack's")
    for service, endpoint in resolved_endpoints(services).items():
        if endpoint is not None and is_loopback_url(endpoint):
            reasons.append(f"{service} calls go to {endpoint}")
    return reasons


def refuse_local(what: str, *, hint: str = "") -> None:
    """Stop ``what`` when this environment points at the local stack."""
    reasons = local_reasons()
    if reasons:
        raise LocalEnvironmentError(
            f"refusing to {what}: this environment points at the local stack, not AWS:\n  - "
            + "\n  - ".join(reasons)
            + "\nRun `devstack_deactivate` (or use a shell that did not source .devstack/env.sh)"
            + (f"; {hint}" if hint else ".")
        )


def require_local(what: str, services: Iterable[str]) -> None:
    """Stop ``what`` when ``--local`` was given but some service would still reach real AWS."""
    remote = [s for s, e in resolved_endpoints(services).items() if e is None or not is_loopback_url(e)]
    if remote:
        raise LocalEnvironmentError(
            f"refusing to {what} with --local: {', '.join(remote)} calls would go to AWS, not the local "
            "stack (source .devstack/env.sh first)"
        )
