"""The cold-start settings: Tracing (free when off) and SnapStart for the API functions only."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.infra

API_FUNCTIONS = ("SignupFunction", "TrustedFunction", "AuthorizerFunction")


def test_tracing_is_a_parameter_off_by_default(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["Tracing"]
    assert parameter["AllowedValues"] == ["PassThrough", "Active"]
    assert parameter["Default"] == "PassThrough"
    assert template["Conditions"]["TracingActive"] == {"Fn::Equals": [{"Ref": "Tracing"}, "Active"]}


def test_every_function_traces_as_the_parameter_says_and_powertools_agrees(
    functions: dict[str, dict[str, Any]],
) -> None:
    for name, function in functions.items():
        assert function["Tracing"] == {"Ref": "Tracing"}, name
        # The bootstrap builds no Tracer (so imports no X-Ray SDK) unless tracing is active.
        disabled = function["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"]
        assert disabled == {"Fn::If": ["TracingActive", "false", "true"]}, name


def test_snapstart_is_an_option_off_by_default(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["ApiSnapStart"]
    assert parameter["AllowedValues"] == ["None", "PublishedVersions"]
    assert parameter["Default"] == "None"


@pytest.mark.parametrize("name", API_FUNCTIONS)
def test_api_functions_offer_snapstart_behind_the_alias_their_callers_invoke(
    functions: dict[str, dict[str, Any]], name: str
) -> None:
    function = functions[name]
    assert function["SnapStart"] == {"ApplyOn": {"Ref": "ApiSnapStart"}}
    # SnapStart applies to published versions only: the alias is what the routes integrate with.
    assert function["AutoPublishAlias"] == "live"


def test_importer_never_uses_snapstart(functions: dict[str, dict[str, Any]]) -> None:
    # Its 1024 MB of ephemeral storage is above what SnapStart supports (512 MB).
    importer = functions["ImportFunction"]
    assert "SnapStart" not in importer
    assert importer["EphemeralStorage"]["Size"] > 512


def test_the_authorizer_is_invoked_through_its_alias(resources: dict[str, Any]) -> None:
    authorizer = resources["Api"]["Properties"]["Auth"]["Authorizers"]["CallerKeyAuthorizer"]
    assert authorizer["FunctionArn"] == {"Ref": "AuthorizerFunction.Alias"}
