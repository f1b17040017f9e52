"""Each function's settings model accepts the environment template.yaml gives that function, so a
deployed function cannot fail its first cold start on a missing or misspelt variable."""

from __future__ import annotations

import re
from typing import Any

import pytest
from customers.authorizer.settings import AuthorizerSettings
from customers.importer.settings import ImporterSettings
from customers.signup.settings import SignupSettings
from customers.trusted.settings import TrustedSettings
from pydantic import BaseModel

from .deployment import OPERATOR_VALUES, deployment

pytestmark = pytest.mark.infra

S3_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")

SETTINGS: dict[str, type[BaseModel]] = {
    "SignupFunction": SignupSettings,
    "TrustedFunction": TrustedSettings,
    "AuthorizerFunction": AuthorizerSettings,
    "ImportFunction": ImporterSettings,
}


def _environment(template: dict[str, Any], function: dict[str, Any]) -> dict[str, str]:
    resolve = deployment(template).resolve
    environment: dict[str, str] = {}
    for name, value in function["Environment"]["Variables"].items():
        resolved = resolve(value)
        assert isinstance(resolved, str | int | float), f"{name} resolves to {resolved!r}"
        environment[name] = str(resolved)
    return environment


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_settings_model_accepts_the_template_environment(
    template: dict[str, Any], functions: dict[str, dict[str, Any]], name: str
) -> None:
    model = SETTINGS[name]
    environment = _environment(template, functions[name])
    model.model_validate(environment)
    known = {field.alias for field in model.model_fields.values()}
    # Variables the template sets for this function alone must be ones its code reads.
    own = set(template["Resources"][name]["Properties"].get("Environment", {}).get("Variables", {}))
    unread = own - known - {"POWERTOOLS_SERVICE_NAME"}
    assert not unread, f"{name} sets {sorted(unread)}, which {model.__name__} does not read"


def test_signup_settings_see_the_configured_origins(
    template: dict[str, Any], functions: dict[str, dict[str, Any]]
) -> None:
    settings = SignupSettings.model_validate(_environment(template, functions["SignupFunction"]))
    assert settings.allowed_origins == tuple(OPERATOR_VALUES["AllowedOrigins"])
    assert settings.steam_openid_url == "https://steamcommunity.com/openid/login"


def test_importer_settings_see_the_stack_bucket_and_defaults(
    template: dict[str, Any], functions: dict[str, dict[str, Any]]
) -> None:
    settings = ImporterSettings.model_validate(_environment(template, functions["ImportFunction"]))
    assert settings.import_bucket == "paynow-import-123456789012-eu-west-1-0f1e2d3c"
    assert S3_BUCKET_NAME.match(settings.import_bucket)
    assert settings.existing_mode.value == "skip"
    assert settings.concurrency == 4
    assert settings.incoming_prefix == "incoming/"
    assert settings.reports_prefix == "reports/"
    # No name in the environment: continuation re-invokes the running function by its own name.
    assert settings.function_name is None
