"""One plausible deployment of template.yaml: the values an operator gives, the pseudo parameters and
the names CloudFormation would give the stack's resources, for the shared template model's resolver."""

from __future__ import annotations

from typing import Any

from devstack.template_model import Context, Resolver, parameter_values

# Values an operator would give the parameters that have no default.
OPERATOR_VALUES: dict[str, Any] = {
    "PayNowStoreId": "411486491630370816",
    "PayNowApiKeySecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:paynow-api-key-AbCdEf",
    "CallerKeysSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:paynow-callers-AbCdEf",
    "AllowedOrigins": ["https://shop.example.com", "https://www.shop.example.com"],
}
# What Secrets Manager, DynamoDB etc. would answer for Ref on the stack's own resources.
RESOURCE_NAMES = {
    "StateTable": "paynow-customers-StateTable-1ABCDEF",
    "EventBus": "paynow-customers-customers",
}
RESOURCE_ATTRIBUTES = {
    "StateTable": {"Arn": f"arn:aws:dynamodb:eu-west-1:123456789012:table/{RESOURCE_NAMES['StateTable']}"},
}


def deployment(template: dict[str, Any]) -> Resolver:
    """Evaluates the template's intrinsic functions as this deployment would."""
    missing = {name for name, spec in template["Parameters"].items() if "Default" not in spec}
    assert not missing - set(OPERATOR_VALUES), f"give OPERATOR_VALUES for {missing - set(OPERATOR_VALUES)}"
    context = Context(
        parameters=parameter_values(template, OPERATOR_VALUES),
        region="eu-west-1",
        account_id="123456789012",
        stack_name="paynow-customers",
        stack_uuid="0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9",
        refs=dict(RESOURCE_NAMES),
        attributes={name: dict(attributes) for name, attributes in RESOURCE_ATTRIBUTES.items()},
    )
    return Resolver(template, context)
