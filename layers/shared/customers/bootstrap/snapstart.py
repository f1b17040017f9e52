"""SnapStart: what a sandbox restored from a snapshot must not share with the others.

With SnapStart (template parameter ``ApiSnapStart``), Lambda runs init once per published version,
snapshots the sandbox and restores that one snapshot into every new sandbox. Whatever init left
behind is then shared by all of them: HTTP connection pools and TLS state, cached secrets (their age
counted from the snapshot, possibly days ago), ``random``'s state, and anything holding a timestamp.
Each function therefore registers an after-restore hook with Lambda's runtime hooks: it builds its
service again (new httpx and boto3 clients, so new pools and TLS contexts; a new secrets provider, so
an empty cache) and reseeds ``random``. Init makes no network call, so no connection is ever open in
the snapshot; no before-snapshot hook is needed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, Protocol

from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS

from customers.bootstrap.aws_clients import aws_client

Hook = Callable[..., Any]
_register_after_restore: Callable[[Hook], Any] | None
try:
    import snapshot_restore_py  # type: ignore[import-not-found, unused-ignore]

    _register_after_restore = snapshot_restore_py.register_after_restore
except ImportError:  # Only Lambda's Python runtime (3.12+) ships it; elsewhere nothing is restored.
    _register_after_restore = None


class Restorable(Protocol):
    def after_restore(self) -> None: ...


def install(function: Restorable) -> bool:
    """Registers the function's after-restore hook with the Lambda runtime; False outside Lambda.

    Registering is harmless without SnapStart: the runtime then never calls the hook."""
    if _register_after_restore is None:
        return False
    _register_after_restore(function.after_restore)
    return True


def warm_secrets_provider() -> SecretsProvider:
    """Powertools' default Secrets Manager provider, created now (at init) rather than by the first
    request's ``get_secret``, on a boto3 client with the functions' bounded timeouts and retries.

    Replacing it also drops every secret the previous provider cached, with their fetch times."""
    provider = SecretsProvider(boto3_client=aws_client("secretsmanager"))
    DEFAULT_PROVIDERS["secrets"] = provider
    return provider


def refresh_process_state() -> None:
    """What every function shares, made fresh after a restore: ``random``'s state (from os.urandom)
    and the secrets provider with its cache and its connection pool."""
    random.seed()
    warm_secrets_provider()
