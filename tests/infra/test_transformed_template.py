"""The template after the SAM transform: what CloudFormation would actually create."""

from __future__ import annotations

import re
from typing import Any

import pytest
from devstack.template_model import load_template, transform

from .tools import TEMPLATE_PATH

pytestmark = pytest.mark.infra

TRUSTED = {("/customers/resolve", "post"), ("/customers/{customerId}/tokens", "post")}
TRUSTED |= {("/customers/{customerId}/tokens", "delete")}


@pytest.fixture(scope="module")
def transformed() -> dict[str, Any]:
    return transform(load_template(TEMPLATE_PATH), region="eu-west-1")


def _references(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0] if isinstance(item, list) else str(item).split(".")[0])
            elif key == "Fn::Sub":
                text = item if isinstance(item, str) else item[0]
                found |= {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", text)}
                if not isinstance(item, str):
                    found |= _references(item[1])
            else:
                found |= _references(item)
    elif isinstance(value, list):
        for item in value:
            found |= _references(item)
    return found


def test_no_dependency_cycle(transformed: dict[str, Any]) -> None:
    # The bucket notification points at the import function, so nothing the function depends on
    # may point back at the bucket; CloudFormation would only find such a cycle at deploy time.
    resources = transformed["Resources"]
    graph: dict[str, set[str]] = {}
    for name, resource in resources.items():
        depends_on = resource.get("DependsOn", [])
        edges = _references(resource.get("Properties", {})) | set(
            [depends_on] if isinstance(depends_on, str) else depends_on
        )
        graph[name] = edges & set(resources)
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> None:
        assert node not in visiting, f"dependency cycle: {' -> '.join([*visiting, node])}"
        if node in done:
            return
        visiting.append(node)
        for target in sorted(graph[node]):
            visit(target)
        visiting.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)
    assert "ImportFunction" in graph["ImportBucket"]


def test_routes_as_deployed(transformed: dict[str, Any]) -> None:
    body = transformed["Resources"]["Api"]["Properties"]["Body"]
    routes = {
        (path, method): spec for path, methods in body["paths"].items() for method, spec in methods.items()
    }
    assert set(routes) == {("/signup", "post"), ("/webhooks/paynow", "post")} | TRUSTED
    assert routes[("/signup", "post")]["security"] == [{"NONE": []}]
    assert routes[("/webhooks/paynow", "post")]["security"] == [{"NONE": []}]
    assert (
        "${SignupFunctionAliaslive}"
        in routes[("/signup", "post")]["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
    )
    for route in TRUSTED:
        assert routes[route]["security"] == [{"CallerKeyAuthorizer": []}], route
        # The "live" alias (AutoPublishAlias), so SnapStart's published versions serve the routes.
        assert (
            "${TrustedFunctionAliaslive}"
            in routes[route]["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
        )
    scheme = body["components"]["securitySchemes"]["CallerKeyAuthorizer"]["x-amazon-apigateway-authorizer"]
    assert scheme["identitySource"] == ["$request.header.Authorization"]
    assert scheme["authorizerPayloadFormatVersion"] == "2.0"
    assert scheme["enableSimpleResponses"] is True
    assert 0 < scheme["authorizerResultTtlInSeconds"] <= 300
    permission = transformed["Resources"]["ApiCallerKeyAuthorizerAuthorizerPermission"]["Properties"]
    assert permission["FunctionName"] == {"Ref": "AuthorizerFunctionAliaslive"}
    assert permission["Principal"] == "apigateway.amazonaws.com"


def test_inline_policies_name_their_resources(transformed: dict[str, Any]) -> None:
    statements: list[tuple[str, dict[str, Any]]] = []
    for name, resource in transformed["Resources"].items():
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                statements += [(name, s) for s in policy["PolicyDocument"]["Statement"]]
        elif resource["Type"] == "AWS::IAM::RolePolicy":
            statements += [(name, s) for s in resource["Properties"]["PolicyDocument"]["Statement"]]
    assert statements
    for name, statement in statements:
        assert statement["Effect"] == "Allow", name
        resource_list = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        assert "*" not in resource_list, f"{name} grants {statement['Action']} on every resource"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any(action.endswith(":*") or action == "*" for action in actions), (name, actions)


def test_import_function_failure_path_is_wired(transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    config = resources["ImportFunctionEventInvokeConfig"]["Properties"]
    assert config["MaximumRetryAttempts"] <= 2
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["ImportDLQ", "Arn"]}
    role_statements = [
        statement
        for policy in resources["ImportFunctionRole"]["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
    ]
    assert {
        "Action": "sqs:SendMessage",
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": ["ImportDLQ", "Arn"]},
    } in (role_statements)
    function = resources["ImportFunction"]["Properties"]
    assert function["RecursiveLoop"] == "Terminate"
    assert function["Runtime"] == "python3.13"
    assert function["Architectures"] == ["arm64"]
