"""The one reading of a SAM template, shared by the local stack and the template checks.

cfn-lint's decoder parses it (short-form tags included), SAM's own Globals plugin merges Globals into
each resource, the SAM translator turns it into the CloudFormation a deployment creates, and
``Resolver`` evaluates intrinsic functions against one concrete deployment: parameter values, pseudo
parameters, and the physical names and attributes of its resources.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from cfnlint.decode import decode
from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.parser.parser import Parser
from samtranslator.plugins.globals.globals_plugin import GlobalsPlugin
from samtranslator.translator.translator import Translator

FUNCTION = "AWS::Serverless::Function"
LAYER = "AWS::Serverless::LayerVersion"
HTTP_API = "AWS::Serverless::HttpApi"

# Returned by Ref AWS::NoValue: a property or list item that resolves to it is dropped.
NO_VALUE = object()


class TemplateError(ValueError):
    """The template is unreadable, or uses something that cannot be evaluated (the message names it)."""


def load_template(path: Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM template (YAML or JSON), intrinsics in long form (``{"Fn::X": ...}``)."""
    document, problems = decode(str(path))
    if problems:
        raise TemplateError(f"{path}: " + "; ".join(str(problem.message) for problem in problems))
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError(f"{path} is not a CloudFormation template (no Resources mapping)")
    # Plain dicts and strings: the decoder's nodes carry source positions nothing here reads.
    plain: dict[str, Any] = json.loads(json.dumps(document, default=str))
    return plain


def with_globals(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the SAM template with its Globals merged into each resource by SAM's own plugin."""
    merged = copy.deepcopy(dict(document))
    try:
        GlobalsPlugin().on_before_transform_template(merged)
    except InvalidDocumentException as exc:
        raise _sam_error(exc) from exc
    return merged


def effective_properties(document: Mapping[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    """Logical id -> properties (Globals applied, intrinsics unresolved) of every resource of a type."""
    return {
        logical_id: resource.get("Properties") or {}
        for logical_id, resource in with_globals(document)["Resources"].items()
        if resource.get("Type") == type_
    }


def _sam_error(exc: InvalidDocumentException) -> TemplateError:
    return TemplateError("; ".join(str(cause.message) for cause in exc.causes) or str(exc.message))


class _NoManagedPolicyNames:
    """Managed policies are named by ARN here; SAM's own policy templates need no lookup."""

    def load(self) -> dict[str, str]:
        return {}


def transform(document: Mapping[str, Any], region: str = "us-east-1") -> dict[str, Any]:
    """The plain CloudFormation the SAM transform makes of the template, as a deployment to ``region``.

    Local code paths become placeholder S3 URIs, as `sam validate` does before translating.
    """
    sam = copy.deepcopy(dict(document))
    placeholders = {FUNCTION: "CodeUri", LAYER: "ContentUri"}
    for resource in sam["Resources"].values():
        key = placeholders.get(resource.get("Type"))
        if key and isinstance((resource.get("Properties") or {}).get(key), str):
            resource["Properties"][key] = "s3://placeholder-bucket/code.zip"
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))
    try:
        translated: dict[str, Any] = translator.translate(
            sam, parameter_values={}, get_managed_policy_map=_NoManagedPolicyNames().load
        )
    except InvalidDocumentException as exc:
        raise _sam_error(exc) from exc
    finally:
        # Its timing metrics go to a no-op publisher; publishing drops them without a warning.
        translator.metrics.publish()
    return translated


def parameter_values(template: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
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


@dataclass
class Context:
    """Everything the resolver needs to know about the deployment it evaluates for."""

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


_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


class Resolver:
    """Evaluates intrinsic functions in any template fragment, against one concrete deployment.

    Hand-written: cfn-lint and the SAM translator only substitute parameters symbolically; neither
    evaluates Fn::If, Fn::Select or a Ref/GetAtt to a resource's physical name.
    """

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
        return json.dumps(self._resolve(arg), separators=(",", ":"))


def _norm(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _scalar(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise TemplateError(f"{where} resolved to {type(value).__name__}, expected a string")
