"""CloudFormation YAML with short tags, and a resolver for the intrinsic functions a SAM template uses.

The resolver evaluates against a local stack: parameters come from defaults or overrides, pseudo
parameters from the local account/region, and ``Ref``/``Fn::GetAtt`` of resources from the physical
names and attributes the devstack assigned when it created them.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# Returned by Ref AWS::NoValue: a property or list item that resolves to it is dropped.
NO_VALUE = object()

_SCALAR_TAGS = ("Ref", "Condition")
_FN_TAGS = (
    "Sub",
    "GetAtt",
    "If",
    "Equals",
    "Not",
    "And",
    "Or",
    "Join",
    "Select",
    "Split",
    "FindInMap",
    "Base64",
    "GetAZs",
    "ImportValue",
    "Cidr",
    "Length",
    "ToJsonString",
)


class TemplateError(ValueError):
    """The template uses something the local stack cannot evaluate (the message names it)."""


class _CfnLoader(yaml.SafeLoader):
    pass


def _construct(node: yaml.Node, loader: yaml.SafeLoader) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise TemplateError(f"unsupported YAML node {node!r}")


def _register(tag: str, key: str) -> None:
    def constructor(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        value = _construct(node, loader)
        if key == "Fn::GetAtt" and isinstance(value, str):
            # `!GetAtt Resource.Attribute` is the short form of the two-item list.
            value = value.split(".", 1)
        return {key: value}

    _CfnLoader.add_constructor(f"!{tag}", constructor)


for _tag in _SCALAR_TAGS:
    _register(_tag, _tag)
for _tag in _FN_TAGS:
    _register(_tag, f"Fn::{_tag}")


def load_template(path: Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM YAML (or JSON) template, keeping intrinsics as ``{"Fn::X": ...}``."""
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506 - safe loader subclass
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError(f"{path} is not a CloudFormation template (no Resources mapping)")
    return document


@dataclass
class Context:
    """Everything the resolver needs to know about the local stack."""

    parameters: dict[str, Any]
    region: str = "us-east-1"
    account_id: str = "123456789012"
    stack_name: str = "devstack"
    stack_uuid: str = "00000000-0000-0000-0000-000000000000"
    conditions: dict[str, Any] = field(default_factory=dict)
    mappings: dict[str, Any] = field(default_factory=dict)
    # Ref of a resource -> its physical id; GetAtt -> attributes by name.
    refs: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Called for a Ref/GetAtt of a resource the stack has not assigned yet (lets callers resolve lazily).
    missing: Callable[[str, str | None], Any] | None = None

    def pseudo(self, name: str) -> Any:
        values = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/"
                f"{self.stack_uuid}"
            ),
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
        }
        if name == "AWS::NoValue":
            return NO_VALUE
        if name not in values:
            raise TemplateError(f"unknown pseudo parameter {name}")
        return values[name]


def parameter_values(template: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    """Each template parameter's value: the override if given, else its Default, typed as CFN does."""
    values: dict[str, Any] = {}
    params = template.get("Parameters") or {}
    unknown = sorted(set(overrides) - set(params))
    if unknown:
        raise TemplateError(f"parameter override for unknown parameter(s): {', '.join(unknown)}")
    for name, spec in params.items():
        raw = overrides.get(name, spec.get("Default"))
        if raw is None:
            # A parameter without default that the stack does not override resolves to "" and is
            # reported by the caller; CloudFormation would refuse to deploy without it.
            raw = ""
        kind = str(spec.get("Type", "String"))
        if kind == "CommaDelimitedList" or kind.startswith("List<"):
            values[name] = (
                [item.strip() for item in raw.split(",")] if isinstance(raw, str) else [str(v) for v in raw]
            )
        else:
            values[name] = str(raw) if not isinstance(raw, str) else raw
    return values


_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


class Resolver:
    """Evaluates intrinsic functions in any template fragment."""

    def __init__(self, template: Mapping[str, Any], context: Context) -> None:
        self.template = template
        self.ctx = context
        self._condition_cache: dict[str, bool] = {}

    def resolve(self, value: Any) -> Any:
        result = self._resolve(value)
        return None if result is NO_VALUE else result

    def condition(self, name: str) -> bool:
        if name not in self._condition_cache:
            conditions = self.template.get("Conditions") or {}
            if name in self.ctx.conditions:
                self._condition_cache[name] = bool(self.ctx.conditions[name])
            elif name in conditions:
                self._condition_cache[name] = bool(self._resolve(conditions[name]))
            else:
                raise TemplateError(f"unknown condition {name}")
        return self._condition_cache[name]

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self._resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self._ref(arg)
            if key == "Condition" and isinstance(arg, str):
                return self.condition(arg)
            if key.startswith("Fn::"):
                handler = getattr(self, "_fn_" + key[4:].lower(), None)
                if handler is None:
                    raise TemplateError(f"{key} is not supported by the local stack")
                return handler(arg)
        out: dict[str, Any] = {}
        for k, v in value.items():
            resolved = self._resolve(v)
            if resolved is not NO_VALUE:
                out[k] = resolved
        return out

    def _ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            raise TemplateError(f"Ref expects a name, got {name!r}")
        if name.startswith("AWS::"):
            return self.ctx.pseudo(name)
        if name in self.ctx.parameters:
            return self.ctx.parameters[name]
        if name in self.ctx.refs:
            return self.ctx.refs[name]
        if name in (self.template.get("Resources") or {}) and self.ctx.missing is not None:
            return self.ctx.missing(name, None)
        function, _, suffix = name.partition(".")
        alias = ((self.template.get("Resources") or {}).get(function, {}).get("Properties") or {}).get(
            "AutoPublishAlias"
        )
        if suffix == "Alias" and alias:
            # SAM's `!Ref Function.Alias`: the ARN of the alias AutoPublishAlias creates.
            return f"{self._fn_getatt([function, 'Arn'])}:{self._resolve(alias)}"
        raise TemplateError(f"Ref to unknown parameter or resource {name}")

    def _fn_getatt(self, arg: Any) -> Any:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        resolved = [self._resolve(a) for a in arg]
        if len(resolved) != 2:
            raise TemplateError(f"Fn::GetAtt expects [resource, attribute], got {arg!r}")
        resource, attribute = str(resolved[0]), str(resolved[1])
        attrs = self.ctx.attributes.get(resource, {})
        if attribute in attrs:
            return attrs[attribute]
        if resource in (self.template.get("Resources") or {}) and self.ctx.missing is not None:
            return self.ctx.missing(resource, attribute)
        raise TemplateError(f"Fn::GetAtt {resource}.{attribute} is not known to the local stack")

    def _fn_sub(self, arg: Any) -> str:
        if isinstance(arg, str):
            text, variables = arg, {}
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
            text, variables = arg[0], {k: self._resolve(v) for k, v in arg[1].items()}
        else:
            raise TemplateError(f"Fn::Sub expects a string or [string, mapping], got {arg!r}")
        if not isinstance(text, str):
            raise TemplateError("Fn::Sub template must be a string")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                # ${!Literal} renders as ${Literal}.
                return "${" + name[1:] + "}"
            if name in variables:
                return _scalar(variables[name], f"Fn::Sub ${{{name}}}")
            if "." in name and not name.startswith("AWS::"):
                resource, attribute = name.split(".", 1)
                return _scalar(self._fn_getatt([resource, attribute]), f"Fn::Sub ${{{name}}}")
            return _scalar(self._ref(name), f"Fn::Sub ${{{name}}}")

        return _SUB_VAR.sub(replace, text)

    def _fn_if(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) != 3:
            raise TemplateError(f"Fn::If expects [condition, then, else], got {arg!r}")
        return self._resolve(arg[1] if self.condition(str(arg[0])) else arg[2])

    def _fn_equals(self, arg: Any) -> bool:
        left, right = (self._resolve(a) for a in arg)
        return bool(_norm(left) == _norm(right))

    def _fn_not(self, arg: Any) -> bool:
        return not bool(self._resolve(arg[0]))

    def _fn_and(self, arg: Any) -> bool:
        return all(bool(self._resolve(a)) for a in arg)

    def _fn_or(self, arg: Any) -> bool:
        return any(bool(self._resolve(a)) for a in arg)

    def _fn_join(self, arg: Any) -> str:
        delimiter, items = arg
        resolved = self._resolve(items)
        if not isinstance(resolved, list):
            raise TemplateError("Fn::Join expects a list")
        return str(delimiter).join(_scalar(v, "Fn::Join item") for v in resolved)

    def _fn_select(self, arg: Any) -> Any:
        index, items = (self._resolve(a) for a in arg)
        if not isinstance(items, list):
            raise TemplateError("Fn::Select expects a list")
        return items[int(index)]

    def _fn_split(self, arg: Any) -> list[str]:
        delimiter, text = (self._resolve(a) for a in arg)
        return str(text).split(str(delimiter))

    def _fn_findinmap(self, arg: Any) -> Any:
        name, top, second = (self._resolve(a) for a in arg[:3])
        mappings = self.ctx.mappings or self.template.get("Mappings") or {}
        try:
            return mappings[name][top][second]
        except KeyError:
            raise TemplateError(f"Fn::FindInMap {name}/{top}/{second} not found") from None

    def _fn_base64(self, arg: Any) -> str:
        return base64.b64encode(str(self._resolve(arg)).encode()).decode()

    def _fn_getazs(self, arg: Any) -> list[str]:
        return [f"{self.ctx.region}{suffix}" for suffix in "abc"]

    def _fn_length(self, arg: Any) -> int:
        resolved = self._resolve(arg)
        if not isinstance(resolved, list):
            raise TemplateError("Fn::Length expects a list")
        return len(resolved)

    def _fn_tojsonstring(self, arg: Any) -> str:
        import json

        return json.dumps(self._resolve(arg), separators=(",", ":"))


def _norm(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _scalar(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise TemplateError(f"{where} resolved to {type(value).__name__}, expected a string")
