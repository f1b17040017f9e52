"""Cold start: services built at init, SnapStart restore hooks that leave nothing shared between
restored sandboxes, and no X-Ray SDK unless tracing is on. No network: clients are built, never used."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS
from customers.bootstrap import snapstart
from customers.bootstrap.authorizer import AuthorizerFunction
from customers.bootstrap.importer import ImporterFunction
from customers.bootstrap.observability import tracing_enabled
from customers.bootstrap.signup import SignupFunction
from customers.bootstrap.trusted import TrustedFunction
from customers.bootstrap.webhooks import WebhookFunction

from tests.support.fake_aws import use_fake_credentials

ROOT = Path(__file__).resolve().parents[3]
ENVIRONMENT = {
    "PAYNOW_STORE_ID": "411486491630370816",
    "PAYNOW_API_KEY_SECRET": "paynow/api-key",
    "PAYNOW_API_URL": "https://api.paynow.test",
    "EVENT_BUS_NAME": "bus",
    "STATE_TABLE": "state",
    "ALLOWED_ORIGINS": "https://shop.example.com",
    "STEAM_OPENID_URL": "https://steam.test/openid/login",
    "CALLER_KEYS_SECRET": "paynow/caller-keys",
    "IMPORT_BUCKET": "imports",
    "IMPORT_FUNCTION_NAME": "ImportFunction",
    "WEBHOOK_SECRETS_SECRET": "paynow/webhook-secrets",
    "WEBHOOK_PAYLOAD_BUCKET": "imports",
    "POWERTOOLS_SERVICE_NAME": "cold-start",
    "POWERTOOLS_METRICS_NAMESPACE": "ColdStart",
    "POWERTOOLS_TRACE_DISABLED": "true",
}
API_FUNCTIONS: list[Callable[[], Any]] = [SignupFunction, TrustedFunction, AuthorizerFunction]


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_fake_credentials(monkeypatch, "eu-west-1")
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    DEFAULT_PROVIDERS.clear()
    yield
    DEFAULT_PROVIDERS.clear()


def _http_clients(function: SignupFunction | TrustedFunction) -> list[Any]:
    """The httpx clients (connection pools, TLS contexts) the function's service holds."""
    service: Any = function.service
    clients = [service.provisioner.api._http]
    if isinstance(function, SignupFunction):
        clients.append(service.steam.authenticator._client)
    return clients


@pytest.mark.parametrize(
    ("factory", "service"),
    [
        (SignupFunction, "service"),
        (TrustedFunction, "service"),
        (ImporterFunction, "service"),
        (WebhookFunction, "receiver"),
    ],
)
def test_init_builds_the_service_so_no_request_pays_for_it(factory: Callable[[], Any], service: str) -> None:
    function = factory()
    assert service in vars(function), "the service is built at init, not on first use"
    # The secrets provider (and its boto3 client) too: the first request only fetches.
    assert "secrets" in DEFAULT_PROVIDERS


@pytest.mark.parametrize("factory", [SignupFunction, TrustedFunction])
def test_after_restore_the_api_functions_hold_new_clients_and_a_new_service(
    factory: Callable[[], SignupFunction | TrustedFunction],
) -> None:
    function = factory()
    service, clients = function.service, _http_clients(function)
    function.after_restore()
    assert function.service is not service
    fresh = _http_clients(function)
    assert all(new is not old for new, old in zip(fresh, clients, strict=True))
    assert not any(client.is_closed for client in fresh)
    # The routes now get the new service.
    overrides = function.app.dependency_overrides
    assert [provide() for provide in overrides.values()] == [function.service]


@pytest.mark.parametrize("factory", API_FUNCTIONS)
def test_after_restore_secrets_cached_in_the_snapshot_are_read_again(factory: Callable[[], Any]) -> None:
    function = factory()
    provider = DEFAULT_PROVIDERS["secrets"]
    provider.add_to_cache(key=("paynow/api-key", None, False, ()), value="key from the snapshot", max_age=300)
    function.after_restore()
    fresh = DEFAULT_PROVIDERS["secrets"]
    assert fresh is not provider
    assert fresh.store == {}
    assert fresh.client is not provider.client


def test_sandboxes_restored_from_one_snapshot_draw_different_random_numbers() -> None:
    function = AuthorizerFunction()
    snapshot = random.getstate()
    draws = []
    for _ in range(2):
        random.setstate(snapshot)  # each sandbox starts from the snapshot's state
        function.after_restore()
        draws.append([random.random() for _ in range(4)])
    assert draws[0] != draws[1]


def test_install_registers_the_restore_hook_with_the_lambda_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    registered: list[Callable[..., Any]] = []
    monkeypatch.setattr(snapstart, "_register_after_restore", registered.append)
    function = SignupFunction()
    assert registered == [function.after_restore]


def test_outside_lambda_there_is_no_runtime_to_register_with() -> None:
    # snapshot_restore_py ships only with Lambda's Python runtime.
    assert snapstart.install(SignupFunction()) is False


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LAMBDA_TASK_ROOT": "/var/task"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "false"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "1"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"}, False),
        ({}, False),
    ],
)
def test_tracing_is_on_only_in_lambda_and_when_not_disabled(environ: dict[str, str], expected: bool) -> None:
    assert tracing_enabled(environ) is expected


def _modules_after_importing(function: str, trace_disabled: str = "true") -> set[str]:
    """Every module a fresh interpreter holds after importing the function's app.py (its init)."""
    probe = "import json, sys, app; print(json.dumps(sorted(sys.modules)))"
    env = {
        **os.environ,
        **ENVIRONMENT,
        "POWERTOOLS_TRACE_DISABLED": trace_disabled,
        "LAMBDA_TASK_ROOT": str(ROOT / "functions" / function),
        "AWS_LAMBDA_FUNCTION_NAME": function,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "functions" / function), str(ROOT / "layers" / "shared")]),
    }
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT / "functions" / function,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("function", ["signup", "trusted", "authorizer", "importer", "webhooks"])
def test_tracing_off_imports_no_xray_sdk_and_tracing_on_does(function: str) -> None:
    assert not {m for m in _modules_after_importing(function) if m.startswith("aws_xray_sdk")}
    assert "aws_xray_sdk.core" in _modules_after_importing(function, trace_disabled="false")


# Packages a function's init must not import because no request of that function uses them; each
# costs a noticeable part of a cold start (README "Cold start, tracing and SnapStart").
NOT_IMPORTED = {
    # The authorizer reads two fields of a plain event and calls only Secrets Manager.
    "authorizer": [
        "aws_lambda_powertools.utilities.data_classes",
        "aws_lambda_powertools.event_handler",
        "httpx",
        "paynow.client",
        "paynow.models",
    ],
    # The OpenAPI document models serve only `python -m ops openapi`, outside the layer.
    "signup": ["aws_lambda_powertools.event_handler.openapi.models"],
    "trusted": ["aws_lambda_powertools.event_handler.openapi.models"],
    "importer": ["aws_lambda_powertools.event_handler"],
    # The receiver never calls PayNow, and its route reads the raw body (no request validation).
    "webhooks": [
        "httpx",
        "paynow.client",
        "aws_lambda_powertools.event_handler.middlewares.openapi_validation",
        "aws_lambda_powertools.event_handler.openapi.models",
    ],
}


@pytest.mark.parametrize("function", sorted(NOT_IMPORTED))
def test_init_imports_nothing_the_function_does_not_use(function: str) -> None:
    imported = _modules_after_importing(function)
    assert "app" in imported
    assert sorted(imported & set(NOT_IMPORTED[function])) == []
