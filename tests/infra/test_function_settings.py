"""Each function's settings model accepts the environment template.yaml gives that function, so a
deployed function cannot fail its first cold start on a missing or misspelt variable."""

from __future__ import annotations

import re
from typing import Any

import pytest
from customers.importer.settings import ImporterSettings
from customers.signup_settings import AuthorizerSettings, SignupSettings, TrustedSettings
from pydantic import BaseModel

pytestmark = pytest.mark.infra

SETTINGS: dict[str, type[BaseModel]] = {
    "SignupFunction": SignupSettings,
    "TrustedFunction": TrustedSettings,
    "AuthorizerFunction": AuthorizerSettings,
    "ImportFunction": ImporterSettings,
}
# Values an operator would give the parameters that have no default.
OPERATOR_VALUES: dict[str, Any] = {
    "PayNowStoreId": "411486491630370816",
    "PayNowApiKeySecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:paynow-api-key-AbCdEf",
    "CallerKeysSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:paynow-callers-AbCdEf",
    "AllowedOrigins": ["https://shop.example.com", "https://www.shop.example.com"],
}
PSEUDO = {
    "AWS::AccountId": "123456789012",
    "AWS::Region": "eu-west-1",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "paynow-customers",
    "AWS::StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/paynow-customers/"
    "0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9",
}
# What Secrets Manager, DynamoDB etc. would answer for Ref on the stack's own resources.
RESOURCE_NAMES = {
    "StateTable": "paynow-customers-StateTable-1ABCDEF",
    "EventBus": "paynow-customers-customers",
}
S3_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class _Resolver:
    """Evaluates the intrinsic functions template.yaml uses in environment variables."""

    def __init__(self, template: dict[str, Any]) -> None:
        self.parameters: dict[str, Any] = {
            name: spec["Default"] for name, spec in template["Parameters"].items() if "Default" in spec
        }
        self.parameters.update(OPERATOR_VALUES)
        missing = set(template["Parameters"]) - set(self.parameters)
        assert not missing, f"give OPERATOR_VALUES for {missing}"

    def ref(self, name: str) -> Any:
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.parameters:
            return self.parameters[name]
        return RESOURCE_NAMES[name]

    def sub(self, text: str, variables: dict[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            key = match.group(1)
            return str(variables[key]) if key in variables else str(self.ref(key))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        ((function, args),) = value.items()
        if function == "Ref":
            return self.ref(args)
        if function == "Fn::Join":
            separator, items = args
            return separator.join(str(item) for item in self(items))
        if function == "Fn::Select":
            index, items = args
            return self(items)[int(index)]
        if function == "Fn::Split":
            separator, text = args
            return str(self(text)).split(separator)
        if function == "Fn::Sub":
            if isinstance(args, str):
                return self.sub(args, {})
            text, variables = args
            return self.sub(text, {key: self(item) for key, item in variables.items()})
        raise AssertionError(f"no resolver for {function}")


def _environment(template: dict[str, Any], function: dict[str, Any]) -> dict[str, str]:
    resolve = _Resolver(template)
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
