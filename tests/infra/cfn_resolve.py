"""Resolves template.yaml's intrinsic functions for one plausible deployment (parameters, pseudo
parameters and the names CloudFormation would give the stack's resources)."""

from __future__ import annotations

import re
from typing import Any

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
RESOURCE_ATTRIBUTES = {
    ("StateTable", "Arn"): f"arn:aws:dynamodb:eu-west-1:123456789012:table/{RESOURCE_NAMES['StateTable']}",
}


class Resolver:
    """Evaluates the intrinsic functions template.yaml uses in environment variables and policies."""

    def __init__(self, template: dict[str, Any]) -> None:
        self.parameters: dict[str, Any] = {
            name: spec["Default"] for name, spec in template["Parameters"].items() if "Default" in spec
        }
        self.parameters.update(OPERATOR_VALUES)
        missing = set(template["Parameters"]) - set(self.parameters)
        assert not missing, f"give OPERATOR_VALUES for {missing}"
        self.conditions: dict[str, Any] = template.get("Conditions", {})

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
        if function == "Fn::GetAtt":
            resource, attribute = args
            return RESOURCE_ATTRIBUTES[(resource, attribute)]
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
        if function == "Fn::If":
            condition, when_true, when_false = args
            return self(when_true if self(self.conditions[condition]) else when_false)
        if function == "Fn::Equals":
            left, right = args
            return self(left) == self(right)
        if function == "Fn::Not":
            return not self(args[0])
        raise AssertionError(f"no resolver for {function}")
