"""The template after the SAM transform: what CloudFormation would actually create."""

from __future__ import annotations

import re
from typing import Any

import pytest
from devstack.template_model import Context, Resolver, load_template, parameter_values, transform

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


CHARGEBACK_RULES = ("ChargebackNamedCustomerRule", "ChargebackPaymentOnlyRule")
REVOCATION_DLQ_ARN = {"Fn::GetAtt": ["RevocationDLQ", "Arn"]}


def _deployed_with(transformed: dict[str, Any], **parameters: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The resources and outputs CloudFormation creates with these parameter values (Conditions held)."""
    resolver = Resolver(transformed, Context(parameters=parameter_values(transformed, parameters)))

    def kept(section: dict[str, Any]) -> dict[str, Any]:
        return {
            name: item
            for name, item in section.items()
            if item.get("Condition") is None or resolver.condition(str(item["Condition"]))
        }

    return kept(transformed["Resources"]), kept(transformed["Outputs"])


def test_a_failed_chargeback_revocation_lands_in_the_revocation_dlq(transformed: dict[str, Any]) -> None:
    resources, outputs = _deployed_with(transformed, OnChargeback="invalidate-tokens")
    queue = resources["RevocationDLQ"]
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    assert (queue["DeletionPolicy"], queue["UpdateReplacePolicy"]) == ("Retain", "Retain")
    # Lambda's side: the rules invoke the unqualified function ($LATEST); that is what is configured.
    config = resources["TrustedFunctionEventInvokeConfig"]
    assert config["Type"] == "AWS::Lambda::EventInvokeConfig"
    props = config["Properties"]
    assert (props["FunctionName"], props["Qualifier"]) == ({"Ref": "TrustedFunction"}, "$LATEST")
    assert props["MaximumRetryAttempts"] <= 2
    assert 0 < props["MaximumEventAgeInSeconds"] <= 6 * 3600
    assert props["DestinationConfig"]["OnFailure"]["Destination"] == REVOCATION_DLQ_ARN
    # No other config on the function's $LATEST (SAM's property would make one for the "live" alias).
    assert [
        name
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Lambda::EventInvokeConfig"
        and resource["Properties"]["FunctionName"] == {"Ref": "TrustedFunction"}
    ] == ["TrustedFunctionEventInvokeConfig"]
    # The role may send there, and the grant exists before Lambda checks it (it refuses otherwise).
    grant = resources["TrustedFunctionRevocationDLQPolicy"]
    assert grant["Properties"]["RoleName"] == {"Ref": "TrustedFunctionRole"}
    assert grant["Properties"]["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": REVOCATION_DLQ_ARN}
    ]
    assert config["DependsOn"] == "TrustedFunctionRevocationDLQPolicy"
    # EventBridge's side: an event it could not deliver to the function goes to the same queue,
    # which lets exactly these rules send to it.
    for rule in CHARGEBACK_RULES:
        (target,) = resources[rule]["Properties"]["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": ["TrustedFunction", "Arn"]}, rule
        assert target["DeadLetterConfig"] == {"Arn": REVOCATION_DLQ_ARN}, rule
    policy = resources["RevocationDLQPolicy"]["Properties"]
    assert policy["Queues"] == [{"Ref": "RevocationDLQ"}]
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    assert statements["TlsOnly"]["Effect"] == "Deny"
    assert statements["UndeliveredChargebacks"] == {
        "Sid": "UndeliveredChargebacks",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": REVOCATION_DLQ_ARN,
        "Condition": {
            "ArnEquals": {"aws:SourceArn": [{"Fn::GetAtt": [rule, "Arn"]} for rule in CHARGEBACK_RULES]}
        },
    }
    # Someone hears of it and can find it.
    alarm = resources["RevocationDLQAlarm"]["Properties"]
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["RevocationDLQ", "QueueName"]}}
    ]
    assert (alarm["MetricName"], alarm["ComparisonOperator"], alarm["Threshold"]) == (
        "ApproximateNumberOfMessagesVisible",
        "GreaterThanThreshold",
        0,
    )
    assert outputs["RevocationDLQUrl"]["Value"] == {"Ref": "RevocationDLQ"}


def test_without_chargeback_revocation_there_is_no_revocation_dlq(transformed: dict[str, Any]) -> None:
    resources, outputs = _deployed_with(transformed, OnChargeback="none")
    path = {
        "RevocationDLQ",
        "RevocationDLQPolicy",
        "RevocationDLQAlarm",
        "TrustedFunctionEventInvokeConfig",
        "TrustedFunctionRevocationDLQPolicy",
        *CHARGEBACK_RULES,
    }
    assert not path & set(resources)
    assert "RevocationDLQUrl" not in outputs
    # Nothing that stays refers to what is gone (CloudFormation would refuse the template).
    for name, item in {**resources, **outputs}.items():
        assert not _references(item) & path, name
    configured = [
        r["Properties"]["FunctionName"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::EventInvokeConfig"
    ]
    assert {"Ref": "TrustedFunction"} not in configured
